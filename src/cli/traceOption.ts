import type * as E from 'fp-ts/lib/Either.js';
import type { TraceRecorder, TraceRecorderOptions } from '../trace/traceRecorder.js';

/**
 * Opens the `--trace FILE` recorder (every actor event and wire message of the torrent, as JSON
 * Lines for `statorrent trace`), or says in one line why it cannot. Loaded only when --trace is
 * given, so plain downloads do not pay for it.
 */
export async function openTrace(path: string, options: TraceRecorderOptions = {}): Promise<E.Either<string, TraceRecorder>> {
  const { openTraceRecorder } = await import('../trace/traceRecorder.js');
  return openTraceRecorder(path, options);
}
