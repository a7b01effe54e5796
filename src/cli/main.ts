#!/usr/bin/env -S node --max-semi-space-size=4
// The flag caps V8's young generation at 4 MiB per semi-space: with several fast peers Node
// grew it to 16 (heap 50 MiB, RSS 130 MiB for 1 GiB from 4 seeders). Measured side by side: 8
// gave RSS 117-121 MiB, 4 gives 110-112 at the same CPU, 2 cost ~7% more CPU (a GiB allocates
// little per block now). bench:download runs its children with these flags.
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
