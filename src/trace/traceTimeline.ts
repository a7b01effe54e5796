import * as E from 'fp-ts/lib/Either.js';
import { clientNameFromPeerId } from '../wire/peerId.js';
import { reviveSafeJson, toSafeJson, type Json } from './safeJson.js';
import { stepCause, type StepCause } from './stepCause.js';
import type { TrackerLine } from './traceFormat.js';
import { readTrace } from './traceReader.js';
import { replayTrace, type ReplayReport } from './traceReplay.js';

/** Most steps a timeline holds; a longer trace is cut there (and says so). */
export const MAX_TIMELINE_STEPS = 200_000;

/** One replayed step on the timeline. */
export interface TimelineStep {
  /** Milliseconds since the trace started. */
  readonly t: number;
  /** `torrent`, `announce`, `choker` or a peer's `ip:port`. */
  readonly actor: string;
  readonly machine: string;
  readonly event: Json;
  readonly cause: StepCause;
  readonly value: Json;
  readonly status: string;
}

/** A place worth jumping to. */
export interface TimelineMarker {
  /** Index into {@link TraceTimeline.steps}. */
  readonly step: number;
  readonly kind: 'peerClosed' | 'pieceFailed';
  readonly label: string;
}

/** A recorded trace made ready for the trace viewer: every step as the replay reproduced it. */
export interface TraceTimeline {
  readonly name: string;
  readonly infoHash: string;
  readonly pieceCount: number;
  /** Client names by peer actor, from their recorded handshakes. */
  readonly clients: Readonly<Record<string, string>>;
  /** By peer actor: `outgoing` (we dialed it) or `incoming`, from its recorded input. */
  readonly directions: Readonly<Record<string, 'outgoing' | 'incoming'>>;
  readonly steps: readonly TimelineStep[];
  readonly markers: readonly TimelineMarker[];
  readonly trackers: readonly { readonly t: number; readonly phase: string; readonly event: string; readonly peers?: number; readonly message?: string }[];
  /** The replay's verdict: steps after a divergence are not on the timeline. */
  readonly replay: ReplayReport;
  /** Steps left out beyond {@link MAX_TIMELINE_STEPS}. */
  readonly truncated: number;
}

interface ActorInfo {
  readonly name: string;
}

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/**
 * Builds the timeline of the trace at `path`: the steps come from {@link replayTrace}, so
 * stepping through them shows states that fresh machines reproduced from the recorded events
 * (deterministic replay), not merely what the file says.
 */
export async function buildTraceTimeline(path: string): Promise<E.Either<string, TraceTimeline>> {
  const actors = new Map<number, ActorInfo>();
  const trackers: TraceTimeline['trackers'][number][] = [];
  let pieceCount = 0;
  const directions: Record<string, 'outgoing' | 'incoming'> = {};
  const header = await readTrace(path, (line) => {
    if (line.kind === 'actor') {
      const name = line.parent === null ? 'torrent' : (line.systemId ?? line.id);
      actors.set(line.actor, { name });
      if (line.machine === 'torrent') pieceCount = Number(asRecord(line.input).pieceCount ?? 0) || 0;
      const outgoing = asRecord(line.input).outgoing;
      if (line.machine === 'peer' && typeof outgoing === 'boolean') directions[name] = outgoing ? 'outgoing' : 'incoming';
    } else if (line.kind === 'tracker') {
      const l: TrackerLine = line;
      trackers.push({ t: l.t, phase: l.phase, event: l.event, ...(l.peers !== undefined ? { peers: l.peers } : {}), ...(l.message !== undefined ? { message: l.message } : {}) });
    }
    return true;
  });
  if (E.isLeft(header)) return header;

  const steps: TimelineStep[] = [];
  const markers: TimelineMarker[] = [];
  const clients: Record<string, string> = {};
  const closed = new Set<string>();
  let truncated = 0;
  const report = await replayTrace(path, {
    onStep: (s) => {
      if (steps.length >= MAX_TIMELINE_STEPS) {
        truncated++;
        return;
      }
      const actor = actors.get(s.actor)?.name ?? s.id;
      const type = s.event.type;
      // the recorder does not say which actor sent an event, only that an actor raised it itself
      const index = steps.length;
      steps.push({ t: s.t, actor, machine: s.machine, event: toSafeJson(s.event), cause: stepCause(type, s.self, undefined), value: s.value, status: s.status });
      if (s.machine === 'peer') {
        if (type === 'HANDSHAKE_RECEIVED') {
          const id = asRecord(asRecord(reviveSafeJson(s.event)).handshake).peerId;
          if (id instanceof Uint8Array && id.length === 20) clients[actor] = clientNameFromPeerId(id);
        }
        if (!closed.has(actor) && (s.value === 'closed' || s.status !== 'active')) {
          closed.add(actor);
          markers.push({ step: index, kind: 'peerClosed', label: `${actor} closed (${type})` });
        }
      }
      if (s.machine === 'torrent' && type === 'PIECE_FAILED') {
        markers.push({ step: index, kind: 'pieceFailed', label: `piece ${String(asRecord(s.event).index)} failed its hash check` });
      }
    },
  });
  if (E.isLeft(report)) return report;
  return E.right({
    name: header.right.name ?? '',
    infoHash: header.right.infoHash ?? '',
    pieceCount,
    clients,
    directions,
    steps,
    markers,
    trackers,
    replay: report.right,
    truncated,
  });
}
