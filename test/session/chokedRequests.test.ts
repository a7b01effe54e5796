import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { firstValueFrom, filter } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { decodeHandshake, decodeMessage, encodeHandshake, encodeMessage, ourReserved, type WireMessage } from '../../src/wire/index.js';
import { MAX_REFUSED_REQUESTS } from '../../streams/uploadFlow.js';
import { RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

/** Reads length-prefixed messages until the other side closes the connection. */
async function readUntilClosed(raw: RawConnection): Promise<WireMessage[]> {
  const out: WireMessage[] = [];
  for (;;) {
    let body: Uint8Array;
    try {
      const len = new DataView((await raw.read(4)).buffer).getUint32(0);
      body = len === 0 ? new Uint8Array(0) : await raw.read(len);
    } catch {
      return out; // closed
    }
    if (body.length === 0) {
      out.push({ type: 'keepAlive' });
      continue;
    }
    const m = decodeMessage(body);
    if (E.isLeft(m)) throw new Error(`undecodable message from the seeder: ${JSON.stringify(m.left)}`);
    out.push(m.right);
  }
}

/**
 * BEP 6 acceptance: a statorrent seeder serving a statorrent leecher, while a third peer (a raw
 * fast-extension peer, never unchoked because it never says interested) keeps requesting
 * anyway. It hears only rejects, a bounded number of them, and is dropped; the leecher is not
 * disturbed.
 */
describe('a peer that keeps requesting while choked', () => {
  let dir: string;
  let metainfo: Metainfo;
  let seeder: StatorrentPeer;
  let leecher: StatorrentPeer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-choked-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 1_000_000 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    seeder = await startStatorrentPeer({ metainfo, downloadDir: join(dir, 'src'), useTrackers: false, skipCheck: true }, '127.0.0.1');
  });
  afterAll(async () => {
    await leecher?.close();
    await seeder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets only rejects, at most MAX_REFUSED_REQUESTS of them, and is dropped; a real leecher still completes', async () => {
    const seederEvents: TorrentEvent[] = [];
    seeder.handle.events$.subscribe((e) => seederEvents.push(e));
    const abuserClosed = firstValueFrom(seeder.handle.events$.pipe(filter((e) => e.type === 'peerClosed' && e.id.startsWith('127.0.0.2:'))));

    leecher = await startStatorrentPeer(
      { metainfo, downloadDir: join(dir, 'leech'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: seeder.session.port }] },
      '127.0.0.3',
    );

    const socket = connect({ host: '127.0.0.1', port: seeder.session.port, localAddress: '127.0.0.2' });
    await once(socket, 'connect');
    const raw = new RawConnection(socket);
    raw.write(encodeHandshake({ reserved: ourReserved(), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(0x61) }));
    const theirs = decodeHandshake(await raw.read(68));
    expect(E.isRight(theirs)).toBe(true);
    raw.write(encodeMessage({ type: 'haveNone' }));
    // never interested, so never unchoked; requests anyway, far past the bound
    const requests = 3 * MAX_REFUSED_REQUESTS;
    for (let i = 0; i < requests; i++) {
      raw.write(encodeMessage({ type: 'request', index: i % metainfo.pieceCount, begin: 0, length: 16_384 }));
    }
    const heard = await readUntilClosed(raw);

    const types = new Set(heard.map((m) => m.type));
    types.delete('haveAll'); // the seeder's announcement (BEP 6)
    types.delete('keepAlive');
    expect([...types]).toEqual(['reject']);
    const rejects = heard.filter((m) => m.type === 'reject').length;
    expect(rejects).toBeGreaterThan(0);
    expect(rejects).toBeLessThanOrEqual(MAX_REFUSED_REQUESTS);
    expect(heard.some((m) => m.type === 'piece')).toBe(false);
    expect(await abuserClosed).toMatchObject({ reason: expect.stringMatching(/kept requesting after \d+ refused requests/) });

    await leecher.handle.completed;
    // Buffer.equals: a deep toEqual over a megabyte takes seconds
    expect((await readFile(join(dir, 'leech', 'f.bin'))).equals(await readFile(join(dir, 'src', 'f.bin')))).toBe(true);
    expect(seederEvents.filter((e) => e.type === 'peerClosed' && !e.id.startsWith('127.0.0.2:'))).toEqual([]);
    // dropped alone it would just reconnect: its IP, and only its, is banned for the session
    expect(seederEvents.filter((e) => e.type === 'banned')).toEqual([{ type: 'banned', ip: '127.0.0.2', reason: expect.stringMatching(/kept requesting/) }]);
    expect(seeder.session.bans.has('127.0.0.2')).toBe(true);
  });
});
