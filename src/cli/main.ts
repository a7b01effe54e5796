#!/usr/bin/env node
/** The `statorrent` executable: dispatches to the command table (see commandTable.ts). */
import { runCli } from './runCli.js';

// `statorrent info x.torrent | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
// Exit now: a finished download must not linger on idle keep-alive sockets or timers. Writes to
// pipes, files and terminals are synchronous on Linux and macOS, so no output is lost.
process.exit(code);
