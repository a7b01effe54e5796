import { createWriteStream } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import type { InspectionEvent } from 'xstate';
import type { WireMessage } from '../wire/messages.js';
import { LineWriter } from './lineWriter.js';
import { toSafeJson } from './safeJson.js';
import { TRACE_FORMAT, TRACE_VERSION, type ActorLine, type TraceLine } from './traceFormat.js';
import { wireRecord } from './wireRecord.js';
import { actorFacts } from './xstateInternals.js';

/** Receives a torrent's inspection events and wire messages and writes them as a trace. */
export interface TraceRecorder {
  /** Pass as `inspect` in the torrent's run options (or to `createActor`). */
  inspect: (e: InspectionEvent) => void;
  /** Pass as `onWire` in the torrent's run options. */
  onWire: (peerId: string, direction: 'in' | 'out', message: WireMessage) => void;
  /** Writes the `end` line and closes the file. Never rejects; see `failure`. */
  close(): Promise<void>;
  /** The first write error, if the trace could not be written completely. */
  readonly failure: string | undefined;
}

/** Optional extras for {@link openTraceRecorder}. */
export interface TraceRecorderOptions {
  /** Written into the header line. */
  readonly infoHash?: string;
  readonly name?: string;
  /** Monotonic milliseconds (default `performance.now`); tests pass a simulated clock. */
  readonly now?: () => number;
}

interface ActorInfo {
  readonly key: number;
  readonly machine: string | null;
  readonly parent: number | null;
  /** For announce machines: the event of the announce in flight. */
  announcing?: string;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/**
 * Opens a JSON Lines trace at `path` (replacing it). Every line carries `t`, milliseconds since
 * the trace opened. The recorder never throws into the caller: a bad value becomes a tagged
 * placeholder, a write error stops recording and shows in `failure`.
 */
export async function openTraceRecorder(path: string, options: TraceRecorderOptions = {}): Promise<E.Either<string, TraceRecorder>> {
  const stream = createWriteStream(path, { flags: 'w' });
  const opened = await new Promise<string | undefined>((resolve) => {
    stream.once('open', () => resolve(undefined));
    stream.once('error', (e) => resolve(e.message));
  });
  if (opened !== undefined) return E.left(`cannot write trace ${path}: ${opened}`);

  const clock = options.now ?? (() => performance.now());
  const t0 = clock();
  const now = (): number => round(clock() - t0);
  const writer = new LineWriter(stream, (lines) => JSON.stringify({ t: now(), kind: 'dropped', lines }));
  const put = (line: TraceLine): void => {
    writer.write(JSON.stringify(line));
  };
  put({
    t: 0,
    kind: 'header',
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    startedAt: new Date().toISOString(),
    ...(options.infoHash !== undefined ? { infoHash: options.infoHash } : {}),
    ...(options.name !== undefined ? { name: options.name } : {}),
  });

  const actors = new WeakMap<object, ActorInfo>();
  let nextKey = 0;
  /** Events an actor sent to itself (delayed raises, `after` timers): replay regenerates them. */
  const selfSent = new WeakSet<object>();

  const register = (ref: object, t: number): ActorInfo => {
    const known = actors.get(ref);
    if (known !== undefined) return known;
    const facts = actorFacts(ref);
    const parentInfo = facts.parent !== undefined ? register(facts.parent, t) : undefined;
    const info: ActorInfo = { key: nextKey++, machine: facts.machine, parent: parentInfo?.key ?? null };
    actors.set(ref, info);
    const line: ActorLine = {
      t,
      kind: 'actor',
      actor: info.key,
      id: facts.id,
      systemId: facts.systemId,
      machine: facts.machine,
      src: facts.src,
      parent: info.parent,
      input: toSafeJson(facts.input),
    };
    put(line);
    // the announce machine's request: its invoked `announce` actor gets `{ event }` as input
    if (parentInfo?.machine === 'announce') {
      const input = facts.input as { event?: unknown } | undefined;
      if (typeof input?.event === 'string') {
        parentInfo.announcing = input.event;
        put({ t, kind: 'tracker', actor: parentInfo.key, phase: 'request', event: input.event });
      }
    }
    return info;
  };

  const trackerStep = (info: ActorInfo, event: { type: string }, t: number): void => {
    const announced = info.announcing ?? 'unknown';
    if (event.type.startsWith('xstate.done.actor.')) {
      const r = (event as { output?: { peers?: unknown; interval?: unknown; complete?: unknown; incomplete?: unknown } }).output;
      if (r === undefined || r === null) return;
      put({
        t,
        kind: 'tracker',
        actor: info.key,
        phase: 'reply',
        event: announced,
        peers: Array.isArray(r.peers) ? r.peers.length : 0,
        ...(typeof r.interval === 'number' ? { interval: r.interval } : {}),
        ...(typeof r.complete === 'number' ? { seeders: r.complete } : {}),
        ...(typeof r.incomplete === 'number' ? { leechers: r.incomplete } : {}),
      });
    } else if (event.type.startsWith('xstate.error.actor.')) {
      const err = (event as { error?: { message?: unknown } }).error;
      put({ t, kind: 'tracker', actor: info.key, phase: 'error', event: announced, message: String(err?.message ?? err) });
    }
  };

  let closed = false;
  const inspect = (e: InspectionEvent): void => {
    if (closed) return;
    try {
      const t = now();
      const ref = e.actorRef;
      const info = register(ref, t);
      switch (e.type) {
        case '@xstate.event': {
          const source = e.sourceRef;
          if (source !== undefined && source === ref) selfSent.add(e.event);
          put({ t, kind: 'send', to: info.key, from: source !== undefined ? register(source, t).key : null, type: String(e.event.type) });
          break;
        }
        case '@xstate.snapshot': {
          const snap = e.snapshot as { status?: unknown; value?: unknown; error?: unknown };
          const status = String(snap.status);
          put({
            t,
            kind: 'step',
            actor: info.key,
            event: toSafeJson(e.event) as { type: string },
            value: toSafeJson(snap.value),
            status,
            ...(selfSent.has(e.event) ? { self: true } : {}),
            ...(status === 'error' ? { error: toSafeJson(snap.error) } : {}),
          });
          if (info.machine === 'announce') trackerStep(info, e.event, t);
          if (status !== 'active') put({ t, kind: 'stop', actor: info.key, status });
          break;
        }
        default:
          // '@xstate.actor' registered above; microsteps and actions are implied by the
          // machine definition and would only multiply the trace
          break;
      }
    } catch {
      // tracing must never break the torrent it watches
    }
  };

  const onWire = (peerId: string, direction: 'in' | 'out', message: WireMessage): void => {
    if (closed) return;
    try {
      put({ t: now(), kind: 'wire', peer: peerId, dir: direction, ...wireRecord(message) });
    } catch {
      // as above
    }
  };

  return E.right({
    inspect,
    onWire,
    get failure() {
      return writer.failure;
    },
    async close() {
      if (closed) return;
      closed = true;
      await writer.close(JSON.stringify({ t: now(), kind: 'end', lines: writer.written + 1, dropped: writer.dropped }));
    },
  });
}

