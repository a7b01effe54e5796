import { Diagram } from './diagram.js';
import { describeStateValue, type Peer, type Step, type View } from './model.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const rate = (n: number | undefined): string => (n === undefined ? '' : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB/s` : n >= 1024 ? `${(n / 1024).toFixed(0)} KiB/s` : `${Math.round(n)} B/s`);

const cell = (row: HTMLTableRowElement, text: string, cls?: string): HTMLTableCellElement => {
  const td = row.insertCell();
  td.textContent = text;
  if (cls !== undefined) td.className = cls;
  return td;
};

const causeText = (s: Step): string => {
  switch (s.cause.kind) {
    case 'timer':
      return 'timer';
    case 'wire':
      return `wire: ${s.cause.message ?? ''}`;
    case 'actor':
      return `from ${s.cause.from ?? '?'}`;
    default:
      return 'runtime';
  }
};

const eventText = (e: Step['event']): string => {
  const fields = Object.entries(e).filter(([k]) => k !== 'type');
  if (fields.length === 0) return e.type;
  const shown = fields.map(([k, v]) => `${k}: ${typeof v === 'string' ? v.slice(0, 40) : JSON.stringify(v)?.slice(0, 40)}`).join(', ');
  return `${e.type} {${shown}}`;
};

/** How long each queued state of the selected machine stays highlighted (live mode). */
const STEP_DWELL_MS = 150;
/** Most queued states; older ones are skipped so the diagram never lags far behind. */
const MAX_QUEUED = 8;

const PIECE_COLOURS: Record<string, string> = { v: '#2e7d32', c: '#9ccc65', p: '#fbc02d', r: '#90caf9', f: '#d32f2f' };

/** Draws a {@link View}; the selected machine's diagram is highlighted live. */
export class Renderer {
  selected = 'torrent';
  onlySelected = false;
  /** Trace mode: select the machine of the step just taken, until the user picks one. */
  followSteps = false;
  private readonly diagram = new Diagram($('diagram'));
  private last: View | undefined;
  /** Live: states of the selected machine still to show, one per {@link STEP_DWELL_MS}, so quick successions stay visible. */
  private readonly queue: { readonly actor: string; readonly machine: string; readonly value: unknown }[] = [];
  private playing: ReturnType<typeof setTimeout> | undefined;
  private lastQueued = '';
  /** What each panel last drew: a panel whose input did not change is not redrawn (the page stays cheap). */
  private readonly drawn = new Map<string, string>();

  private changed(panel: string, key: string): boolean {
    if (this.drawn.get(panel) === key) return false;
    this.drawn.set(panel, key);
    return true;
  }
  /** Live: wall-clock times; trace: ms since the trace began. */
  constructor(private readonly timeText: (t: number) => string) {
    $<HTMLInputElement>('only-selected').addEventListener('change', (e) => {
      this.onlySelected = (e.target as HTMLInputElement).checked;
      if (this.last) this.render(this.last);
    });
  }

  /**
   * Live: the selected machine took these steps since the last update; the diagram walks through
   * them (quickly when many are waiting) instead of jumping to the last one.
   */
  play(steps: readonly Step[]): void {
    for (const s of steps) {
      if (s.actor !== this.selected) continue;
      // steps that left the state as it was (traffic, timers re-armed) would only hold the queue up
      const text = JSON.stringify(s.value);
      if (text === this.lastQueued) continue;
      this.lastQueued = text;
      this.queue.push({ actor: s.actor, machine: s.machine, value: s.value });
    }
    if (this.queue.length > MAX_QUEUED) this.queue.splice(0, this.queue.length - MAX_QUEUED);
    if (this.playing === undefined) this.next();
  }

  private next(): void {
    const item = this.queue.shift();
    if (item === undefined || item.actor !== this.selected) {
      this.playing = undefined;
      if (item !== undefined) this.queue.length = 0;
      return;
    }
    this.showState(item.actor, item.machine, item.value);
    this.playing = setTimeout(() => this.next(), STEP_DWELL_MS);
  }

  private showState(actor: string, machine: string, value: unknown): void {
    const state = $('current-state');
    state.textContent = describeStateValue(value);
    state.dataset.actor = actor;
    this.diagram.show(machine, value);
  }

  select(actor: string): void {
    this.selected = actor;
    this.followSteps = false;
    this.queue.length = 0;
    this.lastQueued = '';
    if (this.last) this.render(this.last);
  }

  render(v: View, currentStep?: number): void {
    this.last = v;
    $('torrent-name').textContent = v.title;
    $('torrent-stats').textContent = v.stats;
    this.machines(v);
    this.transitions(v, currentStep);
    this.peers(v.peers);
    this.pieces(v);
    const list = $('trackers');
    if (this.changed('trackers', JSON.stringify(v.trackers.at(-1) ?? null) + v.trackers.length)) list.replaceChildren(
      ...v.trackers
        .slice(-20)
        .reverse()
        .map((n) => {
          const li = document.createElement('li');
          li.textContent = `${this.timeText(n.time)}  ${n.text}`;
          return li;
        }),
    );
  }

  private machines(v: View): void {
    const ul = $('machines');
    if (this.changed('machines', `${this.selected}|${v.machines.map((m) => `${m.actor}:${m.status}`).join()}`)) ul.replaceChildren(
      ...v.machines.map((m) => {
        const li = document.createElement('li');
        li.textContent = `${m.actor} (${m.machine})`;
        li.dataset.actor = m.actor;
        li.dataset.status = m.status;
        if (m.actor === this.selected) li.className = 'selected';
        li.addEventListener('click', () => this.select(m.actor));
        return li;
      }),
    );
    const sel = v.machines.find((m) => m.actor === this.selected) ?? v.machines[0];
    if (sel === undefined) return;
    const title = $('diagram-title');
    title.textContent = `${sel.actor} — ${sel.machine} machine${sel.status === 'active' ? '' : ` (${sel.status})`}`;
    // while queued steps of this machine are being shown, they end on its latest state anyway
    if (this.playing === undefined) this.showState(sel.actor, sel.machine, sel.value);
  }

  private transitions(v: View, currentStep: number | undefined): void {
    const steps = this.onlySelected ? v.steps.filter((s) => s.actor === this.selected) : v.steps;
    const newest = steps.at(-1);
    if (!this.changed('transitions', `${steps.length}|${newest?.time}|${newest?.actor}|${newest?.event.type}|${v.dropped}|${currentStep}|${this.onlySelected}|${this.selected}`)) return;
    const body = ($('transitions') as HTMLTableElement).tBodies[0]!;
    const rows: HTMLTableRowElement[] = [];
    // one machine's own history is worth a longer look (a torrent's PIECES_VERIFIED comes
    // every 50 ms while downloading); every machine mixed together, the newest 100 are enough
    const limit = this.onlySelected ? 500 : 100;
    for (let i = steps.length - 1; i >= 0 && rows.length < limit; i--) {
      const s = steps[i]!;
      const tr = document.createElement('tr');
      tr.className = `cause-${s.cause.kind}`;
      if (currentStep !== undefined && i === steps.length - 1) tr.classList.add('tl-current');
      cell(tr, this.timeText(s.time));
      cell(tr, `${s.actor}`);
      cell(tr, eventText(s.event));
      cell(tr, causeText(s));
      cell(tr, `${describeStateValue(s.value)}${s.status === 'active' ? '' : ` [${s.status}]`}`);
      tr.dataset.actor = s.actor;
      rows.push(tr);
    }
    if (v.dropped > 0) {
      const tr = document.createElement('tr');
      cell(tr, `(${v.dropped} steps not shown: more than the page is sent per update)`).colSpan = 5;
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  }

  private peers(peers: readonly Peer[]): void {
    if (!this.changed('peers', `${this.selected}|${JSON.stringify(peers)}`)) return;
    const body = ($('peers') as HTMLTableElement).tBodies[0]!;
    body.replaceChildren(
      ...peers.map((p) => {
        const tr = document.createElement('tr');
        tr.dataset.peer = p.id;
        if (p.id === this.selected) tr.className = 'selected';
        cell(tr, p.id);
        cell(tr, p.encryption === undefined || p.encryption === 'none' ? p.client : `${p.client} (${p.encryption})`);
        cell(tr, p.source);
        for (const flag of ['amChoking', 'amInterested', 'peerChoking', 'peerInterested', 'snubbed'] as const) {
          const td = cell(tr, p[flag] ? 'yes' : 'no', 'flag');
          td.dataset.flag = flag;
          td.dataset.on = String(p[flag]);
        }
        cell(tr, rate(p.downRate));
        cell(tr, rate(p.upRate));
        cell(tr, p.pipeline === undefined ? '' : String(p.pipeline));
        cell(tr, String(p.pieces));
        cell(tr, `${p.strikes ?? ''}${p.banned ? ' banned' : ''}`);
        tr.addEventListener('click', () => this.select(p.id));
        return tr;
      }),
    );
  }

  private pieces(v: View): void {
    if (!this.changed('pieces', `${v.pieceCount}|${v.pieceStates}|${v.availability.join()}`)) return;
    const n = v.pieceCount;
    const verified = [...v.pieceStates].filter((c) => c === 'v').length;
    const summary = $('piece-summary');
    const pct = n === 0 ? 0 : Math.floor((verified / n) * 1000) / 10;
    summary.textContent = `${verified}/${n} verified (${pct}%)`;
    summary.dataset.verified = String(verified);
    summary.dataset.failed = String([...v.pieceStates].filter((c) => c === 'f').length);
    summary.dataset.total = String(n);
    const canvas = $<HTMLCanvasElement>('piece-map');
    const width = canvas.width;
    const size = Math.max(2, Math.min(16, Math.floor(Math.sqrt((width * 120) / Math.max(1, n)))));
    const cols = Math.max(1, Math.floor(width / size));
    const height = Math.max(size, Math.ceil(n / cols) * size);
    if (canvas.height !== height) canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.clearRect(0, 0, width, height);
    const maxAvail = Math.max(1, ...v.availability.slice(0, 100_000));
    for (let i = 0; i < n; i++) {
      const c = v.pieceStates[i] ?? '.';
      let colour = PIECE_COLOURS[c];
      if (colour === undefined) {
        // missing: darker when fewer peers have it (black: nobody)
        const a = v.availability[i];
        const g = a === undefined ? 200 : Math.round(60 + 170 * Math.min(1, a / maxAvail)); // traces do not record availability
        colour = `rgb(${g},${g},${g})`;
      }
      ctx.fillStyle = colour;
      ctx.fillRect((i % cols) * size, Math.floor(i / cols) * size, size - (size > 3 ? 1 : 0), size - (size > 3 ? 1 : 0));
    }
  }
}
