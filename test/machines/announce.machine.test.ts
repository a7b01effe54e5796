import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import {
  announceMachine, type AnnounceIntent, type AnnounceMachineEmitted, type AnnounceMachineInput,
} from '../../machines/announce.machine.js';
import type { AnnounceResponse, TrackerError } from '../../src/tracker/types.js';

interface Call {
  readonly event: AnnounceIntent['event'];
  readonly signal: AbortSignal;
  resolve(r: AnnounceResponse): void;
  reject(e: unknown): void;
}

/** Lets settled promises reach the actor (one event-loop turn, no timers involved). */
const flush = (): Promise<void> => new Promise((ok) => setImmediate(ok));

function start(input: AnnounceMachineInput = {}) {
  const clock = new SimulatedClock();
  const calls: Call[] = [];
  const emitted: AnnounceMachineEmitted[] = [];
  const machine = announceMachine.provide({
    actors: {
      announce: fromPromise<AnnounceResponse, AnnounceIntent>(
        ({ input: intent, signal }) => new Promise((resolve, reject) => calls.push({ event: intent.event, signal, resolve, reject })),
      ),
    },
  });
  const actor = createActor(machine, { clock, input });
  for (const type of ['peers', 'announced', 'trackerWarning', 'trackerError'] as const) {
    actor.on(type, (e) => emitted.push(e));
  }
  actor.start();
  const advance = async (ms: number): Promise<void> => {
    clock.increment(ms);
    await flush();
  };
  const answer = async (r: AnnounceResponse): Promise<void> => {
    calls.at(-1)!.resolve(r);
    await flush();
  };
  const fail = async (e: unknown): Promise<void> => {
    calls.at(-1)!.reject(e);
    await flush();
  };
  const events = (): string[] => calls.map((c) => c.event);
  const state = (): unknown => actor.getSnapshot().value;
  return { clock, actor, calls, emitted, advance, answer, fail, events, state };
}

const reply = (interval: number, extra: Partial<AnnounceResponse> = {}): AnnounceResponse => ({
  interval, peers: [{ ip: '127.0.0.2', port: 6881 }], ...extra,
});
const down: TrackerError = { _tag: 'timeout', message: 'tracker udp://127.0.0.1:1: no reply within 5000 ms' };

describe('announce machine (simulated clock)', () => {
  it('waits for START, announces started, then re-announces every interval', async () => {
    const m = start();
    expect(m.state()).toBe('idle');
    expect(m.calls).toHaveLength(0);
    m.actor.send({ type: 'START' });
    expect(m.events()).toEqual(['started']);
    await m.answer(reply(900, { complete: 2, incomplete: 5 }));
    expect(m.emitted).toEqual([
      { type: 'peers', peers: [{ ip: '127.0.0.2', port: 6881 }] },
      { type: 'announced', event: 'started', response: reply(900, { complete: 2, incomplete: 5 }) },
    ]);
    expect(m.state()).toEqual({ waiting: 'cooling' });
    await m.advance(899_999);
    expect(m.calls).toHaveLength(1);
    await m.advance(1);
    expect(m.events()).toEqual(['started', 'empty']);
    await m.answer(reply(1200));
    await m.advance(1_199_999);
    expect(m.calls).toHaveLength(2);
    await m.advance(1);
    expect(m.events()).toEqual(['started', 'empty', 'empty']);
  });

  it('clamps intervals a session-provided actor did not clamp', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.answer(reply(1));
    await m.advance(59_999);
    expect(m.calls).toHaveLength(1);
    await m.advance(1);
    expect(m.calls).toHaveLength(2);
  });

  it('backs off exponentially with a cap, keeps retrying started, and resets after a success', async () => {
    const m = start({ retryBaseSeconds: 30, retryCapSeconds: 100 });
    m.actor.send({ type: 'START' });
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      await m.fail(down);
      const before = m.calls.length;
      let waited = 0;
      while (m.calls.length === before) {
        await m.advance(1000);
        waited += 1000;
      }
      gaps.push(waited / 1000);
    }
    expect(gaps).toEqual([30, 60, 100, 100]);
    expect(m.events()).toEqual(['started', 'started', 'started', 'started', 'started']);
    expect(m.emitted.filter((e) => e.type === 'trackerError')).toEqual(new Array(4).fill({ type: 'trackerError', error: down }));
    await m.answer(reply(600));
    await m.advance(600_000);
    expect(m.events().at(-1)).toBe('empty');
    await m.fail(down);
    await m.advance(29_999);
    expect(m.calls).toHaveLength(6);
    await m.advance(1);
    expect(m.calls).toHaveLength(7);
  });

  it('wraps rejections that are not TrackerErrors', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.fail(new Error('socket hang up'));
    expect(m.emitted).toEqual([{ type: 'trackerError', error: { _tag: 'network', message: 'socket hang up' } }]);
    expect(m.state()).toBe('backingOff');
  });

  it('announces completed once, right away, then regular announces', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800));
    await m.advance(10_000);
    m.actor.send({ type: 'COMPLETED' });
    expect(m.events()).toEqual(['started', 'completed']);
    await m.answer(reply(1800));
    expect(m.state()).toEqual({ waiting: 'cooling' });
    m.actor.send({ type: 'COMPLETED' });
    await m.advance(1_799_999);
    expect(m.calls).toHaveLength(2);
    await m.advance(1);
    expect(m.events()).toEqual(['started', 'completed', 'empty']);
  });

  it('sends completed after started when the download finished during the first announce', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    m.actor.send({ type: 'COMPLETED' });
    await m.answer(reply(1800));
    expect(m.events()).toEqual(['started', 'completed']);
    await m.answer(reply(1800));
    expect(m.state()).toEqual({ waiting: 'cooling' });
    expect(m.calls).toHaveLength(2);
  });

  it('retries a failed completed announce as completed', async () => {
    const m = start({ retryBaseSeconds: 30 });
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800));
    m.actor.send({ type: 'COMPLETED' });
    await m.fail(down);
    await m.advance(30_000);
    expect(m.events()).toEqual(['started', 'completed', 'completed']);
  });

  it('respects min interval for NEED_PEERS, and announces at once past it', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800, { minInterval: 120 }));
    await m.advance(30_000);
    m.actor.send({ type: 'NEED_PEERS' });
    await m.advance(89_999);
    expect(m.calls).toHaveLength(1);
    await m.advance(1);
    expect(m.events()).toEqual(['started', 'empty']);
    await m.answer(reply(1800)); // no min interval: 60 s floor
    await m.advance(60_000);
    expect(m.state()).toEqual({ waiting: 'ready' });
    expect(m.calls).toHaveLength(2);
    m.actor.send({ type: 'NEED_PEERS' });
    expect(m.events()).toEqual(['started', 'empty', 'empty']);
  });

  it('emits tracker warnings', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800, { warning: 'old client' }));
    expect(m.emitted.at(-1)).toEqual({ type: 'trackerWarning', message: 'old client' });
  });

  it('on STOP announces stopped, then finishes', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800));
    m.actor.send({ type: 'STOP' });
    expect(m.events()).toEqual(['started', 'stopped']);
    expect(m.actor.getSnapshot().status).toBe('active');
    await m.answer(reply(1800));
    expect(m.actor.getSnapshot().status).toBe('done');
  });

  it('gives the stopped announce a deadline and reports its failure', async () => {
    const m = start({ stopDeadlineSeconds: 10 });
    m.actor.send({ type: 'START' });
    await m.answer(reply(1800));
    m.actor.send({ type: 'STOP' });
    await m.advance(9_999);
    expect(m.actor.getSnapshot().status).toBe('active');
    await m.advance(1);
    expect(m.actor.getSnapshot().status).toBe('done');
    expect(m.calls[1]!.signal.aborted).toBe(true);

    const n = start();
    n.actor.send({ type: 'START' });
    await n.answer(reply(1800));
    n.actor.send({ type: 'STOP' });
    await n.fail(down);
    expect(n.actor.getSnapshot().status).toBe('done');
    expect(n.emitted.at(-1)).toEqual({ type: 'trackerError', error: down });
  });

  it('stops without a stopped announce when started was never accepted, cancelling the one in flight', async () => {
    const m = start();
    m.actor.send({ type: 'START' });
    m.actor.send({ type: 'STOP' });
    expect(m.actor.getSnapshot().status).toBe('done');
    expect(m.events()).toEqual(['started']);
    expect(m.calls[0]!.signal.aborted).toBe(true);

    const b = start();
    b.actor.send({ type: 'START' });
    await b.fail(down);
    b.actor.send({ type: 'STOP' });
    expect(b.actor.getSnapshot().status).toBe('done');
    expect(b.events()).toEqual(['started']);

    const i = start();
    i.actor.send({ type: 'STOP' });
    expect(i.actor.getSnapshot().status).toBe('done');
    expect(i.calls).toHaveLength(0);
  });

  it('without trackers announces nothing, whatever it is told, and finishes on STOP', async () => {
    const m = start({ noTrackers: true });
    m.actor.send({ type: 'START' });
    m.actor.send({ type: 'NEED_PEERS' });
    m.actor.send({ type: 'COMPLETED' });
    await m.advance(3_600_000);
    expect(m.calls).toHaveLength(0);
    expect(m.state()).toBe('idle');
    m.actor.send({ type: 'STOP' });
    expect(m.actor.getSnapshot().status).toBe('done');
    expect(m.calls).toHaveLength(0);
    expect(m.emitted).toEqual([]);
  });
});

