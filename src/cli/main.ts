#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=100
// --max-semi-space-size caps V8's young generation at 4 MiB per semi-space: with several fast
// peers Node grew it to 16 (heap 50 MiB, RSS 130 MiB for 1 GiB from 4 seeders). Measured side
// by side: 8 gave RSS 117-121 MiB, 4 gives 110-112 at the same CPU, 2 cost ~7% more CPU (a GiB
// allocates little per block now). --heap-growing-percent=100 lets the old generation grow to
// 2x what survived the last full GC before the next (V8 picks up to 4x on a large machine):
// a download's live heap stays ~7 MiB, but its old garbage piled up to 30 MiB over 4 GiB, so
// peak RSS grew with the download (122-129 MiB at 4 GiB without the flag; 104-106 with 50 or
// 100). 50 made a session with many peers collect too often: a 15-torrent, 450-connection
// process (bench:swarm) spent ~9% more CPU than with 100. bench:download runs its children
// with these flags.
/** The `statorrent` executable: dispatches to the command table (see commandTable.ts). */
import { EXIT_FAILURE } from './cliIo.js';
import { describeOutputError, isClosedReader, watchOutput } from './outputDrain.js';
import { runCli } from './runCli.js';

// `statorrent info x.torrent | head`: a closed pipe is the reader's choice, not an error.
const out = watchOutput(process.stdout, (e) => {
  if (isClosedReader(e)) process.exit(0);
});
const err = watchOutput(process.stderr);

// A function, not top-level await: the bundle is CommonJS (see scripts/bundle.ts).
const main = async (): Promise<never> => {
  const code = await runCli(process.argv.slice(2), { out: process.stdout, err: process.stderr });
  // Flush before exiting: a slow pipe reader gets every byte, a full disk gives exit status 1.
  const outError = await out.finish();
  const failed = outError !== undefined && !isClosedReader(outError);
  if (failed) process.stderr.write(`statorrent: cannot write output: ${describeOutputError(outError)}\n`);
  await err.finish();
  // Exit now rather than waiting for the event loop to empty: a finished download must not
  // linger on idle keep-alive sockets or timers. Everything written has reached the OS by now.
  process.exit(failed ? EXIT_FAILURE : code);
};

// If main never settles (the event loop empties first), the exit status says failure, as
// Node's own status 13 for an unsettled top-level await did; process.exit sets the real one.
process.exitCode = EXIT_FAILURE;
void main();
