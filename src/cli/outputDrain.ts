/**
 * Ending the process without losing output. A pipe whose reader is slow holds at most 64 KiB;
 * Node queues the rest in memory, so `process.exit()` right after writing drops it. Instead the
 * CLI waits until stdout and stderr have handed every byte to the OS (or failed: a full disk's
 * ENOSPC must turn into exit status 1, not a silent 0), and only then exits. The streams are
 * flushed, not ended: libuv's stdio pipes are often socketpairs shared with the parent shell,
 * and ending one shuts it down for every process writing to it (`(statorrent …; echo) | less`).
 */

/** The part of a Node writable the drain needs (process.stdout/stderr). */
export interface EndableOutput {
  write(chunk: string, cb?: (err?: Error | null) => void): unknown;
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
  once(event: 'error' | 'finish', listener: (err?: NodeJS.ErrnoException) => void): unknown;
}

/** One output stream under watch: the first write error is remembered, never thrown. */
export interface WatchedOutput {
  /** The first error a write met so far. */
  readonly error: () => NodeJS.ErrnoException | undefined;
  /** Resolves once all bytes written so far reached the OS, with the first error if any. */
  finish(): Promise<NodeJS.ErrnoException | undefined>;
}

/**
 * Watches `stream` for write errors (so an EPIPE or ENOSPC never crashes the process with an
 * unhandled 'error'), calling `onError` once for the first.
 */
export function watchOutput(stream: EndableOutput, onError: (e: NodeJS.ErrnoException) => void = () => undefined): WatchedOutput {
  let first: NodeJS.ErrnoException | undefined;
  stream.on('error', (e) => {
    if (first !== undefined) return;
    first = e;
    onError(e);
  });
  return {
    error: () => first,
    finish: () =>
      new Promise((resolve) => {
        if (first !== undefined) return resolve(first);
        let settled = false;
        const settle = (e?: NodeJS.ErrnoException | null): void => {
          if (settled) return;
          settled = true;
          resolve(e ?? first);
        };
        stream.once('error', (e) => settle(e));
        // Writes complete in order, so an empty write's callback means everything before it is out.
        stream.write('', (e) => settle(e as NodeJS.ErrnoException | null | undefined));
      }),
  };
}

/** A reader that went away (`| head`) chose to stop reading: not our failure. */
export function isClosedReader(e: NodeJS.ErrnoException): boolean {
  return e.code === 'EPIPE';
}

/** One line naming why output could not be written, e.g. `ENOSPC (no space left on device)`. */
export function describeOutputError(e: NodeJS.ErrnoException): string {
  const detail = e.message.replace(/^[A-Z]+:\s*/, '').replace(/,\s*write$/, '');
  return e.code !== undefined ? `${e.code} (${detail})` : detail;
}
