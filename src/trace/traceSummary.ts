import * as E from 'fp-ts/lib/Either.js';
import { clientNameFromPeerId } from '../wire/peerId.js';
import { hexToBytes, type Json } from './safeJson.js';
import { describeStateValue } from './stateText.js';
import type { ActorLine, StepLine, TrackerLine, WireLine } from './traceFormat.js';
import { readTrace } from './traceReader.js';

/** At most this many choke/unchoke times are kept per peer (the counts stay exact). */
const MAX_TIMES = 100;

/** One peer connection's story. Times are ms since the trace started; null when it never happened. */
export interface PeerSummary {
  readonly id: string;
  readonly actor: number | null;
  outgoing: boolean | null;
  spawnedAt: number | null;
  connectedAt: number | null;
  handshakeAt: number | null;
  client: string | null;
  readonly unchokedUsAt: number[];
  readonly chokedUsAt: number[];
  unchokes: number;
  chokes: number;
  /** `piece` messages in (blocks it gave us) and their bytes. */
  blocksIn: number;
  bytesIn: number;
  requestsOut: number;
  rejectsIn: number;
  /** `piece` messages out (blocks we gave) and their bytes. */
  blocksOut: number;
  bytesOut: number;
  requestsIn: number;
  closedAt: number | null;
  closeReason: string | null;
}

/** One tracker exchange. */
export interface AnnounceSummary {
  readonly t: number;
  readonly phase: TrackerLine['phase'];
  readonly event: string;
  readonly peers?: number;
  readonly interval?: number;
  readonly seeders?: number;
  readonly leechers?: number;
  readonly message?: string;
}

/** What `statorrent trace summary` reports. */
export interface TraceSummary {
  readonly startedAt: string;
  readonly infoHash: string | null;
  readonly name: string | null;
  /** Time of the last line. */
  readonly durationMs: number;
  readonly lines: number;
  readonly droppedLines: number;
  /** True when the trace ends with the recorder's `end` line (it was closed properly). */
  readonly complete: boolean;
  readonly torrent: {
    readonly states: { readonly t: number; readonly state: string }[];
    /** Pieces found on disk by the start-up check, when recorded. */
    readonly verifiedAtStart: number | null;
    /** When each piece was verified (its PIECES_VERIFIED batch), in order (the n-th entry is when n+1 pieces were verified in this run). */
    readonly verifiedAt: number[];
    readonly announces: AnnounceSummary[];
  };
  readonly peers: PeerSummary[];
}

const newPeer = (id: string, actor: number | null): PeerSummary => ({
  id,
  actor,
  outgoing: null,
  spawnedAt: null,
  connectedAt: null,
  handshakeAt: null,
  client: null,
  unchokedUsAt: [],
  chokedUsAt: [],
  unchokes: 0,
  chokes: 0,
  blocksIn: 0,
  bytesIn: 0,
  requestsOut: 0,
  rejectsIn: 0,
  blocksOut: 0,
  bytesOut: 0,
  requestsIn: 0,
  closedAt: null,
  closeReason: null,
});

const field = (v: Json | undefined, key: string): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? v[key] : undefined;
const text = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Why a peer actor finished, from the event that finished it (peer.machine.ts's close paths). */
export function closeReasonOf(event: StepLine['event']): string {
  switch (event.type) {
    case 'CLOSE':
      return text(event.message) ?? text(event.reason) ?? 'closed by us';
    case 'SOCKET_CLOSED':
      return text(field(event.reason, 'message')) ?? 'connection closed';
    case 'PROTOCOL_ERROR':
      return `protocol error (${text(field(event.error, 'tag')) ?? 'unknown'})`;
    case 'CONNECT_FAILED':
      return `connect failed: ${text(event.message) ?? 'unknown'}`;
    case 'IDLE_TIMEOUT':
      return 'peer sent nothing for too long';
    case 'HANDSHAKE_RECEIVED':
      return 'handshake rejected';
    case 'PEER_HAVES':
      return 'have for a piece out of range';
    case 'xstate.stop':
      return 'stopped with the torrent';
    default:
      return event.type.startsWith('xstate.after.') ? 'handshake timeout' : event.type;
  }
}

const isActive = (value: Json): boolean => typeof value === 'object' && value !== null && !Array.isArray(value) && 'active' in value;

const pushTime = (list: number[], t: number): void => {
  if (list.length < MAX_TIMES) list.push(t);
};

/** Reads a trace (streaming) and builds per-peer and torrent-level timelines. */
export async function summarizeTrace(path: string): Promise<E.Either<string, TraceSummary>> {
  const actors = new Map<number, ActorLine>();
  const peersByActor = new Map<number, PeerSummary>();
  const peersByWireId = new Map<string, PeerSummary>();
  const peers: PeerSummary[] = [];
  const states: { t: number; state: string }[] = [];
  const verifiedAt: number[] = [];
  const announces: AnnounceSummary[] = [];
  let torrentActor: number | undefined;
  let verifiedAtStart: number | null = null;
  let lastState = '';
  let lines = 1;
  let lastT = 0;
  let dropped = 0;
  let complete = false;
  /** Every peer actor's input names the torrent: a fallback when the header does not. */
  let infoHashFromPeers: string | null = null;

  const peerForWire = (id: string): PeerSummary => {
    let p = peersByWireId.get(id);
    if (p === undefined) {
      p = newPeer(id, null);
      peers.push(p);
      peersByWireId.set(id, p);
    }
    return p;
  };

  const onActor = (line: ActorLine): void => {
    actors.set(line.actor, line);
    if (line.machine === 'torrent' && torrentActor === undefined) torrentActor = line.actor;
    if (line.machine !== 'peer') return;
    const p = newPeer(line.id, line.actor);
    p.spawnedAt = line.t;
    infoHashFromPeers ??= text(field(field(line.input, 'infoHash'), '$hex')) ?? null;
    const outgoing = field(line.input, 'outgoing');
    p.outgoing = typeof outgoing === 'boolean' ? outgoing : null;
    if (p.outgoing === false) p.connectedAt = line.t;
    peers.push(p);
    peersByActor.set(line.actor, p);
    peersByWireId.set(line.id, p);
  };

  const onStep = (line: StepLine): void => {
    if (line.actor === torrentActor) {
      const state = describeStateValue(line.value);
      if (state !== lastState) {
        states.push({ t: line.t, state });
        lastState = state;
      }
      if (line.event.type === 'PIECES_VERIFIED' && Array.isArray(line.event.indices)) for (const _ of line.event.indices) verifiedAt.push(line.t);
      if (line.event.type.startsWith('xstate.done.actor.') && line.event.type.includes('checking') && typeof line.event.output === 'number') {
        verifiedAtStart = line.event.output;
      }
      return;
    }
    const p = peersByActor.get(line.actor);
    if (p === undefined) return;
    if (line.event.type === 'CONNECTED') p.connectedAt ??= line.t;
    if (line.event.type === 'HANDSHAKE_RECEIVED') {
      const bytes = hexToBytes(text(field(field(line.event.handshake, 'peerId'), '$hex')) ?? '');
      if (bytes !== undefined && bytes.length > 0) p.client = clientNameFromPeerId(bytes);
    }
    if (p.handshakeAt === null && isActive(line.value)) p.handshakeAt = line.t;
    if (line.status !== 'active' && p.closedAt === null) {
      p.closedAt = line.t;
      p.closeReason = closeReasonOf(line.event);
    }
  };

  const onWire = (line: WireLine): void => {
    const p = peerForWire(line.peer);
    const length = typeof line.length === 'number' ? line.length : 0;
    if (line.dir === 'in') {
      if (line.type === 'piece') {
        p.blocksIn++;
        p.bytesIn += length;
      } else if (line.type === 'unchoke') {
        p.unchokes++;
        pushTime(p.unchokedUsAt, line.t);
      } else if (line.type === 'choke') {
        p.chokes++;
        pushTime(p.chokedUsAt, line.t);
      } else if (line.type === 'request') p.requestsIn++;
      else if (line.type === 'reject') p.rejectsIn++;
    } else if (line.type === 'request') p.requestsOut++;
    else if (line.type === 'piece') {
      p.blocksOut++;
      p.bytesOut += length;
    }
  };

  const read = await readTrace(path, (line) => {
    lines++;
    lastT = Math.max(lastT, line.t);
    switch (line.kind) {
      case 'actor':
        onActor(line);
        break;
      case 'step':
        onStep(line);
        break;
      case 'wire':
        onWire(line);
        break;
      case 'tracker': {
        const { t, phase, event, peers: n, interval, seeders, leechers, message } = line;
        announces.push({
          t,
          phase,
          event,
          ...(n !== undefined ? { peers: n } : {}),
          ...(interval !== undefined ? { interval } : {}),
          ...(seeders !== undefined ? { seeders } : {}),
          ...(leechers !== undefined ? { leechers } : {}),
          ...(message !== undefined ? { message } : {}),
        });
        break;
      }
      case 'dropped':
        dropped += line.lines;
        break;
      case 'end':
        complete = true;
        break;
      default:
        break;
    }
  });
  if (E.isLeft(read)) return read;
  const header = read.right;
  return E.right({
    startedAt: header.startedAt,
    infoHash: header.infoHash ?? infoHashFromPeers,
    name: header.name ?? null,
    durationMs: lastT,
    lines,
    droppedLines: dropped,
    complete,
    torrent: { states, verifiedAtStart, verifiedAt, announces },
    peers,
  });
}
