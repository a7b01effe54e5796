#!/usr/bin/env node
/** The `statorrent` executable: dispatches to the command table (see commandTable.ts). */
import { EXIT_FAILURE } from './cliIo.js';
import { describeOutputError, isClosedReader, watchOutput } from './outputDrain.js';
import { runCli } from './runCli.js';

// `statorrent info x.torrent | head`: a closed pipe is the reader's choice, not an error.
const out = watchOutput(process.stdout, (e) => {
  if (isClosedReader(e)) process.exit(0);
});
const err = watchOutput(process.stderr);

const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
// Flush before exiting: a slow pipe reader gets every byte, a full disk gives exit status 1.
const outError = await out.finish();
const failed = outError !== undefined && !isClosedReader(outError);
if (failed) process.stderr.write(`statorrent: cannot write output: ${describeOutputError(outError)}\n`);
await err.finish();
// Exit now rather than waiting for the event loop to empty: a finished download must not
// linger on idle keep-alive sockets or timers. Everything written has reached the OS by now.
process.exit(failed ? EXIT_FAILURE : code);
