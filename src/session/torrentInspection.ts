import { Observable, share, type Subscription } from 'rxjs';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { PeerPool, PeerEndpoint } from '../peers/peerPool.js';
import { endpointKey } from '../peers/peerPool.js';
import type { Bitfield } from '../pieces/bitfield.js';
import { PieceState } from '../pieces/blockMap.js';
import type { PiecePicker } from '../pieces/piecePicker.js';
import type { RateMeter } from '../stats/rateMeter.js';
import { stepCause } from '../trace/stepCause.js';
import { actorFacts } from '../trace/xstateInternals.js';
import {
  PIECE_CHARS,
  type InspectorSnapshot,
  type InspectorSource,
  type MachineNow,
  type MachineStep,
  type PeerRow,
  type PeerSource,
  type TrackerActivity,
} from './inspectorSource.js';
import type { TorrentEvent } from './types.js';
import type { PeerEncryption } from '../mse/mseTypes.js';

/** The data-plane record fields the inspector reads (whatever else a record holds). */
export interface InspectedPeerRecord {
  readonly id: string;
  readonly endpoint: PeerEndpoint;
  readonly outgoing: boolean;
  readonly bitfield: Bitfield;
  readonly down: RateMeter;
  readonly up: RateMeter;
  /** How the connection is carried (MSE/PE); `none` when absent. */
  readonly encryption?: PeerEncryption;
}

/** What a runtime lends its inspection: read-only views of its actor and cores. */
export interface TorrentInspectionDeps {
  readonly infoHashHex: string;
  readonly name: string;
  readonly pieceCount: number;
  /** The torrent machine's actor (root of the system). */
  readonly actor: AnyActorRef;
  readonly records: ReadonlyMap<string, InspectedPeerRecord>;
  readonly picker: PiecePicker;
  readonly have: Bitfield;
  readonly downTotal: RateMeter;
  readonly upTotal: RateMeter;
  /** Peers the user named (`--peer`); others we dialed came from trackers. */
  readonly manualPeers: readonly PeerEndpoint[];
  /** Where a peer we dialled was learnt (tracker, DHT, PEX, the user), when known. */
  readonly dialSource?: (id: string) => 'tracker' | 'dht' | 'pex' | 'user' | undefined;
  readonly now: () => number;
  /** Smart ban: failed piece copies this IP sent blocks of, waiting for a good copy to compare with. */
  readonly suspicion?: (ip: string) => number;
}

const MAX_TRACKER_ACTIVITY = 50;

/** The root is `torrent`; children by their system id (peers: `ip:port`), else their id. */
const actorName = (ref: object, root: object): string => (ref === root ? 'torrent' : (actorFacts(ref).systemId ?? actorFacts(ref).id));

const regionOf = (value: unknown, region: string): unknown => {
  const active = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).active : undefined;
  return typeof active === 'object' && active !== null ? (active as Record<string, unknown>)[region] : undefined;
};

/** Whether `region` of the peer machine's `active` state is in its child state `state` (a leaf or compound). */
const inState = (value: unknown, region: string, state: string): boolean => {
  const r = regionOf(value, region);
  return r === state || (typeof r === 'object' && r !== null && Object.hasOwn(r, state));
};

/**
 * Implements {@link InspectorSource} over a torrent runtime: machine states are read from the
 * actor tree, peer flags from each peer machine's regions (the machine is the truth, not a
 * copy), rates, pieces and pipelines from the data-plane records and the picker. Tracker
 * activity and peer clients are kept from the torrent's events (bounded).
 */
export class TorrentInspection implements InspectorSource {
  readonly infoHashHex: string;
  readonly name: string;
  readonly steps$: Observable<MachineStep>;
  private readonly trackers: TrackerActivity[] = [];
  private readonly clients = new Map<string, string>();
  private readonly failed = new Set<number>();
  private readonly manual: ReadonlySet<string>;

  constructor(private readonly deps: TorrentInspectionDeps) {
    this.infoHashHex = deps.infoHashHex;
    this.name = deps.name;
    this.manual = new Set(deps.manualPeers.map(endpointKey));
    this.steps$ = new Observable<MachineStep>((subscriber) => {
      const root = deps.actor;
      /** Who sent each event object (from `@xstate.event`), read back at its `@xstate.snapshot`. */
      const senders = new WeakMap<object, object | undefined>();
      const machines = new WeakMap<object, string | null>();
      const machineOf = (ref: object): string | null => {
        let m = machines.get(ref);
        if (m === undefined) {
          m = actorFacts(ref).machine;
          machines.set(ref, m);
        }
        return m;
      };
      const sub: Subscription | { unsubscribe(): void } = root.system.inspect((e: InspectionEvent) => {
        try {
          if (e.type === '@xstate.event') {
            senders.set(e.event, e.sourceRef);
            return;
          }
          if (e.type !== '@xstate.snapshot') return;
          const machine = machineOf(e.actorRef);
          if (machine === null) return;
          const source = senders.get(e.event);
          const snap = e.snapshot as { value?: unknown; status?: unknown };
          const type = String(e.event.type);
          subscriber.next({
            at: deps.now(),
            actor: actorName(e.actorRef, root),
            machine,
            event: e.event,
            cause: stepCause(type, source !== undefined && source === e.actorRef, source !== undefined && source !== e.actorRef ? actorName(source, root) : undefined),
            value: snap.value,
            status: String(snap.status),
          });
        } catch {
          // inspecting must never break the torrent it watches
        }
      });
      return () => sub.unsubscribe();
    }).pipe(share());
  }

  /** Feeds the torrent's public events (tracker replies, clients, failed pieces). */
  onEvent(e: TorrentEvent): void {
    const at = this.deps.now();
    switch (e.type) {
      case 'announced':
        this.pushTracker({ at, phase: 'reply', peers: e.peers, ...(e.seeders !== undefined ? { seeders: e.seeders } : {}), ...(e.leechers !== undefined ? { leechers: e.leechers } : {}) });
        break;
      case 'trackerError':
        this.pushTracker({ at, phase: 'error', message: e.message });
        break;
      case 'trackerWarning':
        this.pushTracker({ at, phase: 'warning', message: e.message });
        break;
      case 'peerConnected':
        this.clients.set(e.id, e.client);
        break;
      case 'peerClosed':
        this.clients.delete(e.id);
        break;
      case 'pieceFailed':
        this.failed.add(e.index);
        break;
      case 'pieceVerified':
        this.failed.delete(e.index);
        break;
      default:
        break;
    }
  }

  snapshot(): InspectorSnapshot {
    const d = this.deps;
    const t = d.now();
    const machines = this.machines();
    const values = new Map(machines.map((m) => [m.actor, m.value]));
    const ctx = (d.actor.getSnapshot() as { context?: { pool?: PeerPool } }).context;
    const peers: PeerRow[] = [];
    for (const r of d.records.values()) {
      const value = values.get(r.id);
      if (value === undefined) continue; // its machine already finished
      const flag = (region: string, on: string): boolean => inState(value, region, on);
      peers.push({
        id: r.id,
        client: this.clients.get(r.id) ?? '',
        encryption: r.encryption ?? 'none',
        outgoing: r.outgoing,
        source: this.sourceOf(r),
        amChoking: !flag('amChoking', 'unchoked'),
        amInterested: flag('amInterested', 'interested'),
        peerChoking: !flag('peerChoking', 'unchoked'),
        peerInterested: flag('peerInterested', 'interested'),
        snubbed: flag('snubbing', 'snubbed'),
        downRate: r.down.rate(t),
        upRate: r.up.rate(t),
        pipeline: d.picker.outstanding(r.id),
        pieces: r.bitfield.count,
        strikes: d.suspicion?.(r.endpoint.ip) ?? 0,
        banned: ctx?.pool?.isBanned(r.endpoint.ip) ?? false,
      });
    }
    return {
      infoHashHex: d.infoHashHex,
      name: d.name,
      at: t,
      pieceCount: d.pieceCount,
      verifiedPieces: d.have.count,
      downloadRate: d.downTotal.rate(t),
      uploadRate: d.upTotal.rate(t),
      machines,
      peers,
      pieces: this.pieceMap(),
      trackers: [...this.trackers],
    };
  }

  private sourceOf(r: InspectedPeerRecord): PeerSource {
    if (!r.outgoing) return 'incoming';
    if (this.manual.has(r.id)) return 'manual';
    const known = this.deps.dialSource?.(r.id);
    if (known === 'user') return 'manual';
    return known ?? 'tracker';
  }

  /** Every machine actor of the system, root first, read from the actor tree (public API). */
  private machines(): MachineNow[] {
    const out: MachineNow[] = [];
    const root = this.deps.actor;
    const visit = (ref: AnyActorRef): void => {
      const machine = actorFacts(ref).machine;
      const snap = ref.getSnapshot() as { value?: unknown; status?: unknown; children?: Record<string, AnyActorRef | undefined> };
      if (machine !== null) out.push({ actor: actorName(ref, root), machine, value: snap.value, status: String(snap.status) });
      for (const child of Object.values(snap.children ?? {})) if (child !== undefined) visit(child);
    };
    visit(root);
    return out;
  }

  private pieceMap(): InspectorSnapshot['pieces'] {
    const { pieceCount, picker, have } = this.deps;
    const chars: string[] = new Array<string>(pieceCount);
    const availability: number[] = new Array<number>(pieceCount);
    const blocks = picker.blocks;
    for (let i = 0; i < pieceCount; i++) {
      availability[i] = picker.availability.of(i);
      if (have.has(i)) {
        chars[i] = PIECE_CHARS.verified;
        continue;
      }
      const state = blocks.state(i);
      if (state === PieceState.Complete) chars[i] = PIECE_CHARS.complete;
      else if (state === PieceState.Partial) chars[i] = (blocks.progress(i)?.received ?? 0) > 0 ? PIECE_CHARS.partial : PIECE_CHARS.requested;
      else chars[i] = this.failed.has(i) ? PIECE_CHARS.failed : PIECE_CHARS.missing;
    }
    return { states: chars.join(''), availability };
  }

  private pushTracker(a: TrackerActivity): void {
    this.trackers.push(a);
    if (this.trackers.length > MAX_TRACKER_ACTIVITY) this.trackers.shift();
  }
}
