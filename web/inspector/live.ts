import type { Machine, Peer, Step, TrackerNote, View } from './model.js';
import type { Renderer } from './view.js';

interface SnapshotJson {
  readonly infoHashHex: string;
  readonly name: string;
  readonly pieceCount: number;
  readonly verifiedPieces: number;
  readonly downloadRate: number;
  readonly uploadRate: number;
  readonly machines: readonly Machine[];
  readonly peers: readonly Peer[];
  readonly pieces: { readonly states: string; readonly availability: readonly number[] };
  readonly trackers: readonly { at: number; phase: string; peers?: number; seeders?: number; leechers?: number; message?: string }[];
}

interface StepJson extends Omit<Step, 'time'> {
  readonly at: number;
  readonly torrent: string;
}

interface Message {
  readonly steps: readonly StepJson[];
  readonly dropped: number;
  readonly snapshots?: readonly SnapshotJson[];
}

const MAX_STEPS = 2000;
const mib = (n: number): string => `${(n / 1048576).toFixed(2)} MiB/s`;

/** Follows a running session over Server-Sent Events (`events`, relative to the page's token URL). */
export function startLive(renderer: Renderer, connection: HTMLElement): void {
  let snapshot: SnapshotJson | undefined;
  const machines = new Map<string, Machine>();
  const steps: Step[] = [];
  let dropped = 0;
  let dirty = false;

  const view = (): View | undefined => {
    if (snapshot === undefined) return undefined;
    const s = snapshot;
    const trackers: TrackerNote[] = s.trackers.map((t) => ({
      time: t.at,
      text: t.phase === 'reply' ? `reply: ${t.peers ?? 0} peers${t.seeders !== undefined ? `, ${t.seeders} seeders` : ''}${t.leechers !== undefined ? `, ${t.leechers} leechers` : ''}` : `${t.phase}: ${t.message ?? ''}`,
    }));
    return {
      title: s.name,
      stats: `${s.verifiedPieces}/${s.pieceCount} pieces · down ${mib(s.downloadRate)} · up ${mib(s.uploadRate)} · ${s.peers.length} peers`,
      machines: [...machines.values()],
      steps,
      peers: s.peers,
      pieceCount: s.pieceCount,
      pieceStates: s.pieces.states,
      availability: s.pieces.availability,
      trackers,
      dropped,
    };
  };

  const draw = (): void => {
    dirty = false;
    const v = view();
    if (v !== undefined) renderer.render(v);
  };

  const source = new EventSource('events');
  source.onopen = () => {
    connection.dataset.state = 'open';
    connection.textContent = 'live';
  };
  source.onerror = () => {
    connection.dataset.state = 'closed';
    connection.textContent = 'disconnected (the torrent may have stopped)';
  };
  source.onmessage = (e: MessageEvent<string>) => {
    const m = JSON.parse(e.data) as Message;
    const mine = (torrent: string): boolean => snapshot === undefined || torrent === snapshot.infoHashHex;
    if (m.snapshots !== undefined && m.snapshots.length > 0) {
      snapshot = m.snapshots.find((s) => s.infoHashHex === snapshot?.infoHashHex) ?? m.snapshots[0]!;
      // the snapshot is the truth for which machines exist and where they are
      machines.clear();
      for (const mc of snapshot.machines) machines.set(mc.actor, mc);
    }
    const fresh: Step[] = [];
    for (const s of m.steps) {
      if (!mine(s.torrent)) continue;
      fresh.push({ time: s.at, actor: s.actor, machine: s.machine, event: s.event, cause: s.cause, value: s.value, status: s.status });
      machines.set(s.actor, { actor: s.actor, machine: s.machine, value: s.value, status: s.status });
    }
    steps.push(...fresh);
    renderer.play(fresh);
    if (steps.length > MAX_STEPS) steps.splice(0, steps.length - MAX_STEPS);
    dropped += m.dropped;
    if (!dirty) {
      dirty = true;
      setTimeout(draw, 16);
    }
  };
}
