import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, SimulatedClock } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataMachine } from '../../machines/metadata.machine.js';
import { replayableMachines } from '../../src/trace/replayMachines.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { replayTrace } from '../../src/trace/traceReplay.js';

/**
 * The metadata machine (BEP 9) in traces: a fetch from two peers, one never answering (its
 * request times out), and one claiming 2^40 bytes, recorded with the trace recorder and replayed.
 */
describe('metadata machine traces', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-trace-metadata-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is replayable', () => {
    expect(replayableMachines).toContain('metadata');
  });

  it('records a fetch with a silent peer and an absurd size, and replays it up to the hash check', async () => {
    const info = new Uint8Array(20_000).map((_, i) => i % 251);
    const hex = createHash('sha1').update(info).digest('hex');
    const clock = new SimulatedClock();
    const path = join(dir, 'metadata.jsonl');
    const rec = await openTraceRecorder(path, { infoHash: hex, name: 'magnet', now: () => clock.now() });
    if (E.isLeft(rec)) throw new Error(rec.left);
    const actor = createActor(metadataMachine, { input: { infoHashHex: hex, maxRequestsPerPeer: 1 }, clock, inspect: rec.right.inspect });
    const asked: string[] = [];
    actor.on('requestPiece', (e) => asked.push(`${e.peerId}:${e.piece}`));
    actor.start();
    actor.send({ type: 'PEER_HAS_METADATA', peerId: 'silent', size: info.length });
    actor.send({ type: 'PEER_HAS_METADATA', peerId: 'honest', size: info.length });
    actor.send({ type: 'PEER_HAS_METADATA', peerId: 'huge', size: 2 ** 40 });
    expect(asked).toEqual(['silent:0', 'honest:1']);
    actor.send({ type: 'PIECE_RECEIVED', peerId: 'honest', piece: 1, totalSize: info.length, data: info.subarray(16_384) });
    clock.increment(20_000); // the silent peer never answers piece 0: it is asked no more
    expect(asked.at(-1)).toBe('honest:0');
    actor.send({ type: 'PIECE_RECEIVED', peerId: 'honest', piece: 0, totalSize: info.length, data: info.subarray(0, 16_384) });
    expect(actor.getSnapshot().status).toBe('done');
    await rec.right.close();
    const report = await replayTrace(path);
    if (E.isLeft(report)) throw new Error(report.left);
    // every step replays, the 20 s request timer included, up to the last piece: traces keep byte
    // arrays over 64 bytes as their length only, so the replayed assembly (zeros) cannot hash to
    // the info hash. The divergence is reported at exactly that step, not earlier.
    expect(report.right).toMatchObject({ ok: false, actors: 1 });
    expect(report.right.divergence).toMatchObject({ machine: 'metadata', event: 'PIECE_RECEIVED', step: 6, expected: { value: 'done' } });
  });
});
