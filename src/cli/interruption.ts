/** Which signal asked us to stop, and the exit status that conventionally reports it (128 + n). */
export interface Interruption {
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly exitCode: 130 | 143;
}

/** A pending first SIGINT/SIGTERM; `dispose` removes the handlers. */
export interface InterruptWatch {
  readonly interrupted: Promise<Interruption>;
  dispose(): void;
}

/**
 * Catches SIGINT and SIGTERM so a long command can stop cleanly (announce `stopped`, flush
 * files) instead of dying mid-write. A second signal means "now": the process exits at once
 * with the same status.
 */
export function watchInterrupts(): InterruptWatch {
  let first: Interruption | undefined;
  let resolve!: (i: Interruption) => void;
  const interrupted = new Promise<Interruption>((r) => (resolve = r));
  const on = (signal: 'SIGINT' | 'SIGTERM') => (): void => {
    if (first !== undefined) process.exit(first.exitCode);
    first = { signal, exitCode: signal === 'SIGINT' ? 130 : 143 };
    resolve(first);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    interrupted,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
