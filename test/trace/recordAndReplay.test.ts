import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerMachine } from '../../machines/peer.machine.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { replayTrace } from '../../src/trace/traceReplay.js';
import { summarizeTrace } from '../../src/trace/traceSummary.js';

type Line = Record<string, unknown> & { kind: string; t: number };

const infoHash = new Uint8Array(20).fill(7);
const ourId = new Uint8Array(20).fill(1);
const theirId = Uint8Array.from(Buffer.from('-LT2080-abcdefghijkl', 'latin1'));

/**
 * Records one peer machine on a simulated clock through its whole life, timers included:
 * connect, handshake, choke traffic, a hostile event, a keep-alive timer, then the idle timeout.
 */
async function recordPeerLife(path: string): Promise<void> {
  const clock = new SimulatedClock();
  const rec = await openTraceRecorder(path, { infoHash: 'aa'.repeat(20), name: 'sample', now: () => clock.now() });
  if (E.isLeft(rec)) throw new Error(rec.left);
  const r = rec.right;
  const actor = createActor(peerMachine, {
    input: { infoHash, peerId: ourId, pieceCount: 8, outgoing: true },
    id: '127.0.0.1:6881', // as the torrent names its peers: the wire lines' peer id
    clock,
    inspect: r.inspect,
  });
  actor.start();
  const cyclic: Record<string, unknown> = {};
  cyclic.me = cyclic;
  clock.increment(5);
  actor.send({ type: 'CONNECTED' });
  clock.increment(5);
  actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: { reserved: new Uint8Array(8), infoHash, peerId: theirId } });
  r.onWire('127.0.0.1:6881', 'in', { type: 'bitfield', bitfield: new Uint8Array([0xff]) });
  actor.send({ type: 'PEER_BITFIELD', bitfield: new Uint8Array([0xff]) }); // the machine becomes interested itself
  r.onWire('127.0.0.1:6881', 'out', { type: 'interested' });
  clock.increment(10);
  r.onWire('127.0.0.1:6881', 'in', { type: 'unchoke' });
  actor.send({ type: 'PEER_UNCHOKE' });
  r.onWire('127.0.0.1:6881', 'out', { type: 'request', index: 3, begin: 16384, length: 16384 });
  r.onWire('127.0.0.1:6881', 'in', { type: 'piece', index: 3, begin: 16384, block: new Uint8Array(16384).fill(0xab) });
  r.onWire('127.0.0.1:6881', 'in', { type: 'bitfield', bitfield: new Uint8Array(1000).fill(0x0f) });
  r.onWire('127.0.0.1:6881', 'in', { type: 'extended', extendedId: 0, payload: new Uint8Array(211) });
  actor.send({ type: 'DATA_RECEIVED' });
  // not a peer event at all: the machine ignores it, the recorder must survive it
  actor.send({ type: 'HOSTILE', big: 1n << 80n, cyclic, ref: actor, map: new Map([[1, 2]]) } as never);
  clock.increment(120_000); // keep-alive timer fires (the machine raises KEEPALIVE_DUE itself)
  clock.increment(120_000); // another keep-alive, and 240 s without ACTIVITY: idle timeout
  expect(actor.getSnapshot().value).toBe('closed');
  await r.close();
}

const readLines = async (path: string): Promise<Line[]> =>
  (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

const writeLines = (path: string, lines: readonly Line[]): Promise<void> => writeFile(path, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);

describe('recording and replaying a peer machine on a simulated clock', () => {
  let dir: string;
  let path: string;
  let lines: Line[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-trace-unit-'));
    path = join(dir, 'peer.jsonl');
    await recordPeerLife(path);
    lines = await readLines(path);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a header first and an end line last', () => {
    expect(lines[0]).toMatchObject({ t: 0, kind: 'header', format: 'statorrent-trace', version: 1, infoHash: 'aa'.repeat(20), name: 'sample' });
    expect(typeof lines[0]!.startedAt).toBe('string');
    expect(lines.at(-1)).toMatchObject({ kind: 'end', lines: lines.length, dropped: 0 });
    const times = lines.map((l) => l.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('records wire messages without payload bytes', async () => {
    const wire = lines.filter((l) => l.kind === 'wire');
    expect(wire).toContainEqual(expect.objectContaining({ dir: 'in', type: 'piece', index: 3, begin: 16384, length: 16384, peer: '127.0.0.1:6881' }));
    expect(wire).toContainEqual(expect.objectContaining({ dir: 'out', type: 'request', index: 3, begin: 16384, length: 16384 }));
    expect(wire).toContainEqual(expect.objectContaining({ type: 'bitfield', set: 8, bytes: 1, hex: 'ff' }));
    const big = wire.find((l) => l.type === 'bitfield' && l.bytes === 1000)!;
    expect(big).toMatchObject({ set: 4000 });
    expect(big).not.toHaveProperty('hex');
    expect(wire).toContainEqual(expect.objectContaining({ type: 'extended', extendedId: 0, length: 211 }));
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('abab');
  });

  it('records spawn, every processed event with its fields and the state after it', () => {
    const actor = lines.find((l) => l.kind === 'actor')!;
    expect(actor).toMatchObject({ machine: 'peer', parent: null, input: { infoHash: { $hex: '07'.repeat(20) }, pieceCount: 8, outgoing: true } });
    // the peer's own steps (its invoked connection actor is recorded too, receiving the machine's commands)
    const steps = lines.filter((l) => l.kind === 'step' && l.actor === actor.actor);
    const types = steps.map((s) => (s.event as { type: string }).type);
    const connection = lines.find((l) => l.kind === 'actor' && l.parent === actor.actor)!;
    const commands = lines.filter((l) => l.kind === 'step' && l.actor === connection.actor).map((s) => (s.event as { type: string }).type);
    expect(commands.slice(0, 3)).toEqual(['xstate.init', 'handshake', 'ready']);
    expect(commands).toContain('send'); // interested, keep-alives
    expect(types.slice(0, 3)).toEqual(['xstate.init', 'CONNECTED', 'HANDSHAKE_RECEIVED']);
    expect(types).toContain('KEEPALIVE_DUE');
    expect(types.at(-1)).toBe('IDLE_TIMEOUT');
    expect(steps[0]).toMatchObject({ value: 'connecting', status: 'active' });
    expect(steps[1]).toMatchObject({ value: 'handshaking' });
    const handshake = steps[2]!.event as { handshake: { peerId: unknown } };
    expect(handshake.handshake.peerId).toEqual({ $hex: Buffer.from(theirId).toString('hex') });
    expect(steps.find((s) => (s.event as { type: string }).type === 'KEEPALIVE_DUE')).toMatchObject({ self: true, t: 120_020 });
    expect(steps.at(-1)).toMatchObject({ value: 'closed', status: 'done', self: true });
    expect(lines).toContainEqual(expect.objectContaining({ kind: 'stop', status: 'done' }));
    expect(lines.filter((l) => l.kind === 'send').length).toBeGreaterThanOrEqual(steps.length - 3);
  });

  it('serializes hostile event fields instead of throwing', () => {
    const hostile = lines.find((l) => l.kind === 'step' && (l.event as { type: string }).type === 'HOSTILE')!;
    expect(hostile.event).toMatchObject({ big: { $bigint: (1n << 80n).toString() }, cyclic: { me: { $cycle: true } }, ref: { $actor: expect.any(String) }, map: { $map: [[1, 2]] } });
  });

  it('replays: the fresh machine raises the same timers at the same moments', async () => {
    const report = await replayTrace(path);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right).toMatchObject({ ok: true, actors: 1, droppedLines: 0 });
    const peer = lines.find((l) => l.kind === 'actor' && l.machine === 'peer')!;
    expect(report.right.events).toBe(lines.filter((l) => l.kind === 'step' && l.actor === peer.actor).length - 1);
  });

  it('reports a timer the recording says fired too early for the machine', async () => {
    const early = join(dir, 'early.jsonl');
    await writeLines(
      early,
      lines.map((l) => (l.kind === 'step' && (l.event as { type: string }).type === 'KEEPALIVE_DUE' && l.t === 120_020 ? { ...l, t: 60_000 } : l)),
    );
    const report = await replayTrace(early);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.ok).toBe(false);
    expect(report.right.divergence).toMatchObject({ machine: 'peer', event: 'KEEPALIVE_DUE', got: null });
    expect(report.right.divergence!.reason).toMatch(/next timer is due at 120010 ms, but KEEPALIVE_DUE fired at 60000 ms/);
  });

  it('reports a changed input: a self-connection is rejected at the handshake', async () => {
    const selfId = join(dir, 'self.jsonl');
    await writeLines(
      selfId,
      lines.map((l) =>
        l.kind === 'actor' ? { ...l, input: { ...(l.input as object), peerId: { $hex: Buffer.from(theirId).toString('hex') } } } : l,
      ),
    );
    const report = await replayTrace(selfId);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.divergence).toMatchObject({ step: 2, event: 'HANDSHAKE_RECEIVED', got: { value: 'closed', status: 'done' } });
  });

  it('summarizes a peer: client, unchoke time, blocks and the close reason', async () => {
    const s = await summarizeTrace(path);
    if (E.isLeft(s)) throw new Error(s.left);
    expect(s.right.infoHash).toBe('aa'.repeat(20)); // from the header
    expect(s.right.peers).toHaveLength(1);
    expect(s.right.peers[0]).toMatchObject({
      client: 'libtorrent 2.0.8.0',
      outgoing: true,
      connectedAt: 5,
      handshakeAt: 10,
      unchokedUsAt: [20],
      blocksIn: 1,
      bytesIn: 16384,
      requestsOut: 1,
      closedAt: 240_020,
      closeReason: 'peer sent nothing for too long',
    });
  });

  it('names the torrent from the peers when the header does not', async () => {
    const anonymous = join(dir, 'anonymous.jsonl');
    await writeLines(anonymous, lines.map((l) => (l.kind === 'header' ? { t: 0, kind: 'header', format: l.format, version: l.version, startedAt: l.startedAt } : l)));
    const s = await summarizeTrace(anonymous);
    if (E.isLeft(s)) throw new Error(s.left);
    expect(s.right.infoHash).toBe('07'.repeat(20));
    expect(s.right.name).toBeNull();
  });

  it('survives mangled traces: every outcome is a report or a one-line error', async () => {
    const mangled = join(dir, 'mangled.jsonl');
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('field' as const), at: fc.nat(), key: fc.constantFrom('t', 'value', 'event', 'status', 'input', 'self', 'actor'), v: fc.jsonValue() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const out = [...lines];
        for (const m of mutations) {
          const i = 1 + (m.at % (out.length - 1)); // keep the header
          if (m.op === 'delete') out.splice(i, 1);
          else if (m.op === 'duplicate') out.splice(i, 0, out[i]!);
          else out[i] = { ...out[i]!, [m.key]: m.v };
        }
        await writeLines(mangled, out);
        const report = await replayTrace(mangled);
        if (E.isLeft(report)) expect(report.left).not.toContain('\n');
        else expect(typeof report.right.ok).toBe('boolean');
        const summary = await summarizeTrace(mangled);
        if (E.isLeft(summary)) expect(summary.left).not.toContain('\n');
      }),
      { numRuns: 60 },
    );
  });

  it('a recorded input the machine cannot start from is a divergence, never an unhandled throw', async () => {
    const broken = join(dir, 'broken-input.jsonl');
    // found by the mangling property: a peer input without pieceCount fails in the machine's context
    await writeLines(broken, lines.map((l) => (l.kind === 'actor' && l.machine === 'peer' ? { ...l, input: { outgoing: true } } : l)));
    const report = await replayTrace(broken);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.ok).toBe(false);
    expect(report.right.divergence?.reason).toMatch(/^the machine could not start: .*bitfield length/);
    await new Promise((resolve) => setTimeout(resolve, 20)); // xstate's rethrow would land here
  });

  it('says in one line why a trace cannot be opened', async () => {
    const rec = await openTraceRecorder(join(dir, 'no', 'such', 'dir', 'x.jsonl'));
    expect(E.isLeft(rec) && rec.left).toMatch(/^cannot write trace .*x\.jsonl: ENOENT[^\n]*$/);
  });

  it('refuses files that are not traces, with one line saying why', async () => {
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"kind":"wire"}\n');
    expect(await replayTrace(bad)).toEqual(E.left(`${bad}: not a statorrent trace (no header line)`));
    await writeFile(bad, `${JSON.stringify(lines[0])}\n{"kind":"wire","t":1}\n`);
    expect(await replayTrace(bad)).toEqual(E.left(`${bad}:2: bad wire line: required property "peer"`));
    await writeFile(bad, `${JSON.stringify(lines[0])}\nnot json\n`);
    expect(await summarizeTrace(bad)).toEqual(E.left(`${bad}:2: not JSON`));
    expect(E.isLeft(await replayTrace(join(dir, 'missing.jsonl')))).toBe(true);
  });
});
