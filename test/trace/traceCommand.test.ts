import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chokerMachine } from '../../machines/choker.machine.js';
import { runTraceCommand } from '../../src/cli/traceCommand.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { bufferIo } from '../support/bufferIo.js';



describe('statorrent trace', () => {
  let dir: string;
  let trace: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-trace-cli-'));
    trace = join(dir, 'choker.jsonl');
    // a choker through rechokes, an optimistic rotation and peer changes, its peers read from a reader
    const clock = new SimulatedClock();
    const rec = await openTraceRecorder(trace, { name: 'choker\u001b[31m', now: () => clock.now() });
    if (E.isLeft(rec)) throw new Error(rec.left);
    const peers = [{ id: 'a', interested: true, rate: 10, snubbed: false, connectedAt: 0 }];
    const readPeers = fromCallback(({ sendBack, receive }) => receive(() => sendBack({ type: 'PEERS_READ', peers, now: clock.now(), draw: 0.5 })));
    const actor = createActor(chokerMachine.provide({ actors: { readPeers } }), {
      input: {},
      clock,
      inspect: rec.right.inspect,
    }).start();
    clock.increment(10_000);
    actor.send({ type: 'PEERS_CHANGED' });
    clock.increment(25_000);
    peers.push({ id: 'b', interested: true, rate: 0, snubbed: false, connectedAt: 35_000 });
    actor.send({ type: 'PEERS_CHANGED' });
    clock.increment(1_000);
    actor.send({ type: 'PEERS_CHANGED' });
    clock.increment(10_000);
    actor.stop();
    await rec.right.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replay prints the verdict and exits 0', async () => {
    const io = bufferIo();
    expect(await runTraceCommand(['replay', trace], io)).toBe(0);
    expect(io.outText()).toMatch(/^replay ok: 1 actors, \d+ events\n$/);
  });

  it('replay --steps shows each step as it replays, timers marked', async () => {
    const io = bufferIo();
    expect(await runTraceCommand(['replay', trace, '--steps'], io)).toBe(0);
    const lines = io.outText().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+0\.0 ms {2}choker x:0\s+xstate\.init -> running\.waiting$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\s+10000\.0 ms {2}choker x:0\s+xstate\.after\.rechokeInterval\.choker\.running\.waiting \(timer\) -> running\.waiting$/));
    expect(lines).toContainEqual(expect.stringMatching(/PEERS_CHANGED -> running\.waiting$/));
    expect(lines).toContainEqual(expect.stringMatching(/PEERS_READ -> running\.waiting$/));
    expect(lines.at(-1)).toMatch(/^replay ok: 1 actors, \d+ events$/);
  });

  it('replay --json prints the report', async () => {
    const io = bufferIo();
    expect(await runTraceCommand(['replay', trace, '--json'], io)).toBe(0);
    const report = JSON.parse(io.outText()) as { ok: boolean; actors: number; events: number };
    expect(report).toMatchObject({ ok: true, actors: 1 });
    // the 10 s rechokes, the 30 s rotation, three PEERS_CHANGED, a PEERS_READ for each, the stop
    expect(report.events).toBeGreaterThanOrEqual(8);
  });

  it('summary sanitizes text from the file before printing it', async () => {
    const io = bufferIo();
    expect(await runTraceCommand(['summary', trace], io)).toBe(0);
    expect(io.outText()).toContain('trace of choker?[31m');
    expect(io.outText()).not.toContain('\u001b');
  });

  it('says what is wrong with the command line (exit 2) or the file (exit 1)', async () => {
    const help = bufferIo();
    expect(await runTraceCommand(['--help'], help)).toBe(0);
    expect(help.outText()).toMatch(/^usage: statorrent trace/);
    for (const argv of [[], ['explain', trace], ['replay'], ['replay', trace, 'extra'], ['summary', trace, '--bogus']]) {
      const io = bufferIo();
      expect(await runTraceCommand(argv, io)).toBe(2);
      expect(io.errText()).toMatch(/^statorrent trace: .+ \(see statorrent trace --help\)\n$/);
    }
    const missing = bufferIo();
    expect(await runTraceCommand(['summary', join(dir, 'nope.jsonl')], missing)).toBe(1);
    expect(missing.errText()).toMatch(/^statorrent trace: cannot read trace .*nope\.jsonl: ENOENT/);
  });
});
