import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InspectorSnapshot, InspectorSource, MachineStep } from '../../src/session/inspectorSource.js';
import { FEED_INTERVAL_MS, LiveFeed, MAX_STEPS_PER_MESSAGE, type FeedMessage } from '../../src/session/inspector/liveFeed.js';

const snapshot = (name: string): InspectorSnapshot => ({
  infoHashHex: name.padEnd(40, '0'),
  name,
  at: 0,
  pieceCount: 2,
  verifiedPieces: 1,
  downloadRate: 0,
  uploadRate: 0,
  machines: [],
  peers: [],
  pieces: { states: 'v.', availability: [1, 1] },
  trackers: [],
});

const sourceOf = (name: string): InspectorSource & { readonly steps: Subject<MachineStep> } => {
  const steps = new Subject<MachineStep>();
  return { infoHashHex: name.padEnd(40, '0'), name, steps, steps$: steps.asObservable(), snapshot: () => snapshot(name) };
};

const step = (i: number): MachineStep => ({ at: i, actor: '127.0.0.2:6881', machine: 'peer', event: { type: 'PEER_HAVES', indices: [i] } as never, cause: { kind: 'wire', message: 'have' }, value: { active: {} }, status: 'active' });

describe('live feed batching', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends at most 10 messages a second, bounded, however many steps the machines take', () => {
    const a = sourceOf('a');
    const sent: FeedMessage[] = [];
    const feed = new LiveFeed(() => [a], { write: (t) => (sent.push(JSON.parse(t.slice('data: '.length)) as FeedMessage), true), unsent: 0 });
    expect(sent).toHaveLength(1); // the first snapshot at once
    let n = 0;
    for (let ms = 0; ms < 1000; ms += 1) {
      for (let k = 0; k < 20; k++) a.steps.next(step(n++)); // 20,000 steps in a second
      vi.advanceTimersByTime(1);
    }
    feed.close();
    const inSecond = sent.slice(1);
    expect(inSecond.length).toBeLessThanOrEqual(1000 / FEED_INTERVAL_MS);
    for (const m of inSecond) expect(m.steps.length).toBeLessThanOrEqual(MAX_STEPS_PER_MESSAGE);
    // every step is either sent or counted as dropped, the newest are the ones kept
    const total = inSecond.reduce((sum, m) => sum + m.steps.length + m.dropped, 0);
    expect(total).toBe(n);
    expect(inSecond.at(-1)!.steps.at(-1)!.event).toEqual({ type: 'PEER_HAVES', indices: [n - 1] });
    expect(inSecond.filter((m) => m.snapshots !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it('stops observing when the page goes and picks up torrents added later', () => {
    const a = sourceOf('a');
    const b = sourceOf('b');
    const list: InspectorSource[] = [a];
    const sent: FeedMessage[] = [];
    const feed = new LiveFeed(() => list, { write: (t) => (sent.push(JSON.parse(t.slice(6)) as FeedMessage), true), unsent: 0 });
    expect(a.steps.observed).toBe(true);
    list.push(b);
    vi.advanceTimersByTime(FEED_INTERVAL_MS);
    expect(b.steps.observed).toBe(true);
    b.steps.next(step(1));
    vi.advanceTimersByTime(FEED_INTERVAL_MS);
    expect(sent.at(-1)!.steps[0]!.torrent).toBe(b.infoHashHex);
    feed.close();
    expect(a.steps.observed).toBe(false);
    expect(b.steps.observed).toBe(false);
  });

  it('skips messages for a page that does not read (memory stays bounded)', () => {
    const a = sourceOf('a');
    let writes = 0;
    const feed = new LiveFeed(() => [a], { write: () => (writes++, false), unsent: 64 * 1024 * 1024 });
    for (let i = 0; i < 50; i++) {
      a.steps.next(step(i));
      vi.advanceTimersByTime(FEED_INTERVAL_MS);
    }
    feed.close();
    expect(writes).toBe(0);
  });
});
