import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chokerMachine } from '../../machines/choker.machine.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { replayTrace } from '../../src/trace/traceReplay.js';

type Line = Record<string, unknown> & { kind: string; t: number; event?: { type: string } };

const RECHOKE = 'xstate.after.rechokeInterval.choker.running.waiting';
const ROTATE = 'xstate.after.optimisticInterval.choker.running';

describe('replaying timers that were due at the same moment', () => {
  let dir: string;
  let lines: Line[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-trace-timers-'));
    const path = join(dir, 'choker.jsonl');
    const clock = new SimulatedClock();
    const rec = await openTraceRecorder(path, { now: () => clock.now() });
    if (E.isLeft(rec)) throw new Error(rec.left);
    const readPeers = fromCallback(({ sendBack, receive }) => receive(() => sendBack({ type: 'PEERS_READ', peers: [], now: clock.now(), draw: 0.5 })));
    const actor = createActor(chokerMachine.provide({ actors: { readPeers } }), {
      input: {},
      clock,
      inspect: rec.right.inspect,
    }).start();
    for (let i = 0; i < 4; i++) clock.increment(10_000);
    actor.stop();
    await rec.right.close();
    lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the simulated recording rotated at 30 s, which cancelled the third rechoke', () => {
    const timerSteps = lines.filter((l) => l.kind === 'step' && l.event!.type.startsWith('xstate.after.'));
    expect(timerSteps.map((l) => [l.t, l.event!.type])).toEqual([
      [10_000, RECHOKE],
      [20_000, RECHOKE],
      [30_000, ROTATE],
      [40_000, RECHOKE],
    ]);
  });

  it('follows the recorded order when a real run let the rechoke win the tie', async () => {
    // what a real event loop can do: the rechoke due at 30 000 runs first, the rotation just after
    const rotation = lines.find((l) => l.kind === 'step' && l.event!.type === ROTATE)!;
    const rechoke = lines.find((l) => l.kind === 'step' && l.event!.type === RECHOKE)!;
    const edited = lines.flatMap((l) =>
      l === rotation ? [{ ...rechoke, t: 30_000 }, { ...rotation, t: 30_001 }] : l.kind === 'step' && l.t === 40_000 ? [{ ...l, t: 40_001 }] : [l],
    );
    const path = join(dir, 'tie.jsonl');
    await writeFile(path, `${edited.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const report = await replayTrace(path);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.divergence).toBeUndefined();
    expect(report.right).toMatchObject({ ok: true, actors: 1 });
  });
});
