import { inState, type Machine, type Peer, type Step, type StepCause, type TrackerNote, type View } from './model.js';
import type { Renderer } from './view.js';

interface TimelineJson {
  readonly name: string;
  readonly infoHash: string;
  readonly pieceCount: number;
  readonly clients: Readonly<Record<string, string>>;
  readonly directions: Readonly<Record<string, string>>;
  readonly steps: readonly { t: number; actor: string; machine: string; event: Step['event']; cause: StepCause; value: unknown; status: string }[];
  readonly markers: readonly { step: number; kind: string; label: string }[];
  readonly trackers: readonly { t: number; phase: string; event: string; peers?: number; message?: string }[];
  readonly replay: { ok: boolean; actors: number; events: number; divergence?: { id: string; machine: string; t: number; reason: string } };
  readonly truncated: number;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const countBits = (hex: unknown): number => {
  if (typeof hex !== 'string') return 0;
  let n = 0;
  for (const ch of hex) {
    let v = parseInt(ch, 16);
    while (v > 0) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
};

/**
 * The trace viewer: the timeline (`timeline.json`) holds every step as the replay reproduced it;
 * the view at position i is what the first i steps left (machines' states, peers' flags from
 * their machines, pieces from the torrent machine's PIECES_VERIFIED / PIECE_FAILED), recomputed
 * from the start, so stepping back is exact.
 */
export async function startTrace(renderer: Renderer, connection: HTMLElement): Promise<void> {
  const res = await fetch('timeline.json');
  const tl = (await res.json()) as TimelineJson;
  connection.dataset.state = 'open';
  connection.textContent = `${tl.steps.length} steps`;
  $('timeline').hidden = false;
  const verdict = $('tl-verdict');
  verdict.dataset.ok = String(tl.replay.ok);
  verdict.textContent = tl.replay.ok
    ? `replay ok: ${tl.replay.actors} actors, ${tl.replay.events} events${tl.truncated > 0 ? ` (timeline cut, ${tl.truncated} more steps)` : ''}`
    : `replay diverged at ${tl.replay.divergence?.id ?? '?'} (${tl.replay.divergence?.machine ?? '?'}, ${tl.replay.divergence?.t ?? '?'} ms): ${tl.replay.divergence?.reason ?? ''}; the timeline stops there`;
  const slider = $<HTMLInputElement>('tl-slider');
  slider.max = String(tl.steps.length);
  const jump = $<HTMLSelectElement>('tl-jump');
  for (const m of tl.markers) {
    const o = document.createElement('option');
    o.value = String(m.step + 1);
    o.textContent = `${m.kind === 'pieceFailed' ? '✗' : '⏏'} ${m.label}`;
    jump.append(o);
  }
  let position = 0;

  const viewAt = (n: number): View => {
    const machines = new Map<string, Machine>();
    const haves = new Map<string, number>();
    const pieces: string[] = new Array<string>(tl.pieceCount).fill('.');
    const steps: Step[] = [];
    for (let i = 0; i < n; i++) {
      const s = tl.steps[i]!;
      machines.set(s.actor, { actor: s.actor, machine: s.machine, value: s.value, status: s.status });
      const e = s.event as Record<string, unknown>;
      if (s.machine === 'torrent' && s.event.type === 'PIECES_VERIFIED' && Array.isArray(e.indices)) {
        for (const i of e.indices as unknown[]) if (typeof i === 'number' && i >= 0 && i < tl.pieceCount) pieces[i] = 'v';
      }
      if (s.machine === 'torrent' && s.event.type === 'PIECE_FAILED' && typeof e.index === 'number' && e.index >= 0 && e.index < tl.pieceCount) pieces[e.index] = 'f';
      if (s.machine === 'peer') {
        if (s.event.type === 'PEER_HAVES' && Array.isArray(e.indices)) haves.set(s.actor, (haves.get(s.actor) ?? 0) + e.indices.length);
        if (s.event.type === 'PEER_HAVE_ALL') haves.set(s.actor, tl.pieceCount);
        if (s.event.type === 'PEER_DONT_HAVE') haves.set(s.actor, Math.max(0, (haves.get(s.actor) ?? 0) - 1));
        if (s.event.type === 'PEER_BITFIELD') haves.set(s.actor, countBits(e.bitfield));
      }
    }
    for (let i = Math.max(0, n - 300); i < n; i++) {
      const s = tl.steps[i]!;
      steps.push({ time: s.t, actor: s.actor, machine: s.machine, event: s.event, cause: s.cause, value: s.value, status: s.status });
    }
    const peers: Peer[] = [];
    for (const m of machines.values()) {
      if (m.machine !== 'peer' || m.status !== 'active' || m.value === 'closed') continue;
      const flag = (r: string, on: string): boolean => inState(m.value, r, on);
      peers.push({
        id: m.actor,
        client: tl.clients[m.actor] ?? '',
        source: tl.directions[m.actor] ?? '',
        amChoking: !flag('amChoking', 'unchoked'),
        amInterested: flag('amInterested', 'interested'),
        peerChoking: !flag('peerChoking', 'unchoked'),
        peerInterested: flag('peerInterested', 'interested'),
        snubbed: flag('snubbing', 'snubbed'),
        downRate: undefined,
        upRate: undefined,
        pipeline: undefined,
        pieces: haves.get(m.actor) ?? 0,
        strikes: undefined,
        banned: false,
      });
    }
    const now = n > 0 ? tl.steps[n - 1]!.t : 0;
    const trackers: TrackerNote[] = tl.trackers
      .filter((t) => t.t <= now)
      .map((t) => ({ time: t.t, text: `${t.event} ${t.phase}${t.peers !== undefined ? `: ${t.peers} peers` : ''}${t.message !== undefined ? `: ${t.message}` : ''}` }));
    const verified = pieces.filter((c) => c === 'v').length;
    return {
      title: tl.name,
      stats: `${verified}/${tl.pieceCount} pieces at ${now.toFixed(1)} ms`,
      machines: [...machines.values()],
      steps,
      peers,
      pieceCount: tl.pieceCount,
      pieceStates: pieces.join(''),
      availability: [],
      trackers,
      dropped: 0,
    };
  };

  const go = (n: number): void => {
    position = Math.max(0, Math.min(tl.steps.length, n));
    slider.value = String(position);
    const last = position > 0 ? tl.steps[position - 1] : undefined;
    // follow the machine that just stepped, unless the user picked one that still exists
    if (last !== undefined && renderer.followSteps) renderer.selected = last.actor;
    const pos = $('tl-position');
    pos.textContent = `step ${position} / ${tl.steps.length}${last !== undefined ? ` · ${last.t.toFixed(1)} ms` : ''}`;
    pos.dataset.step = String(position);
    renderer.render(viewAt(position), position);
  };

  $('tl-first').addEventListener('click', () => go(0));
  $('tl-back').addEventListener('click', () => go(position - 1));
  $('tl-forward').addEventListener('click', () => go(position + 1));
  $('tl-last').addEventListener('click', () => go(tl.steps.length));
  slider.addEventListener('input', () => go(Number(slider.value)));
  jump.addEventListener('change', () => {
    if (jump.value !== '') go(Number(jump.value));
    jump.value = '';
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') go(position + 1);
    if (e.key === 'ArrowLeft') go(position - 1);
  });
  go(0);
}
