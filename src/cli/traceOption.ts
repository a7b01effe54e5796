import * as E from 'fp-ts/lib/Either.js';
import type { InspectionEvent } from 'xstate';
import type { WireMessage } from '../wire/messages.js';

/** What `--trace FILE` records: every actor event and every wire message of the torrent. */
export interface TraceSink {
  readonly inspect: (e: InspectionEvent) => void;
  readonly onWire: (peerId: string, direction: 'in' | 'out', message: WireMessage) => void;
  close(): Promise<void>;
}

type OpenTraceRecorder = (path: string) => Promise<E.Either<string, TraceSink>>;

// The recorder lives in src/trace (another part of the project); it is loaded only when
// --trace is given, so downloads without it do not pay for it.
const RECORDER_MODULE = '../trace/traceRecorder.js';

/** Opens the trace recorder for `path`, or says in one line why it cannot. */
export async function openTrace(path: string): Promise<E.Either<string, TraceSink>> {
  let open: OpenTraceRecorder | undefined;
  try {
    const mod = (await import(RECORDER_MODULE)) as { openTraceRecorder?: OpenTraceRecorder };
    open = mod.openTraceRecorder;
  } catch {
    open = undefined;
  }
  if (open === undefined) return E.left('--trace is not available in this build (no trace recorder)');
  return open(path);
}
