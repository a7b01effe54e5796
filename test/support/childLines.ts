import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Resolves with the first match of `pattern` in a child's output (lines may end in \n or \r),
 * rejects if the child exits first or `timeoutMs` passes: readiness is an event, not a sleep.
 */
export function waitForOutput(
  child: ChildProcess,
  streams: readonly (Readable | null)[],
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const s of streams) s?.off('data', onData);
      child.off('exit', onExit);
    };
    const onData = (chunk: Buffer): void => {
      seen = (seen + chunk.toString('utf8')).slice(-16384);
      const m = pattern.exec(seen);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      reject(new Error(`${what} exited (${signal ?? code}) before ready; last output: ${seen.slice(-500)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} not ready after ${timeoutMs} ms; last output: ${seen.slice(-500)}`));
    }, timeoutMs);
    for (const s of streams) s?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Stops a child: SIGTERM, then SIGKILL if it lingers; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
