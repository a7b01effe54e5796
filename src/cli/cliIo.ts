/** A writable terminal-ish stream: process.stdout/stderr, or a buffer in tests. */
export interface CliStream {
  write(s: string): unknown;
  /** True when a person is watching: progress bars redraw in place instead of printing lines. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where a command writes. Commands never touch process.stdout/stderr directly. */
export interface CliIo {
  readonly out: CliStream;
  readonly err: CliStream;
}

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: the command ran and failed (missing file, bad torrent, I/O error). */
export const EXIT_FAILURE = 1;
/** Exit status: the command line itself is wrong. */
export const EXIT_USAGE = 2;

/** Prints the one-line usage error every command uses and returns {@link EXIT_USAGE}. */
export function usageError(io: CliIo, command: string, message: string): number {
  io.err.write(`statorrent ${command}: ${message} (see statorrent ${command} --help)\n`);
  return EXIT_USAGE;
}
