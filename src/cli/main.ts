#!/usr/bin/env node
/** The `statorrent` executable: dispatches to the command table (see commandTable.ts). */
import { runCli } from './runCli.js';

// `statorrent info x.torrent | head`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
