import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { decodeHandshake, encodeHandshake, encodeMessage, ourReserved } from '../../src/wire/index.js';
import { RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';


/**
 * BEP 3 `have` end to end, now that our pieces reach peer machines in batches: a leecher
 * downloading from a seeder tells a third peer (which has nothing) of every piece exactly once,
 * whatever batch it was in, and its completion reaches that peer.
 */
describe('have announcements while downloading', () => {
  let dir: string;
  let metainfo: Metainfo;
  let seeder: StatorrentPeer | undefined;
  let leecher: StatorrentPeer;
  /** Every `have` the leecher's wire observer saw it send, with the connection it went to. */
  const haveSent: { peer: string; index: number }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-haves-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 4 * 1024 * 1024 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 16_384 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    leecher = await startStatorrentPeer(
      {
        metainfo,
        downloadDir: join(dir, 'leech'),
        useTrackers: false,
        peers: [],
        onWire: (peer, direction, m) => {
          if (direction === 'out' && m.type === 'have') haveSent.push({ peer, index: m.index });
        },
      },
      '127.0.0.1',
    );
  });
  afterAll(async () => {
    await seeder?.close();
    await leecher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a peer with no pieces hears have for each of the 256 pieces exactly once', async () => {
    // the leecher turns connections away while it checks its folder
    await firstValueFrom(leecher.handle.progress$.pipe(filter((p) => p.state === 'downloading')));
    const socket = connect({ host: '127.0.0.1', port: leecher.session.port, localAddress: '127.0.0.2' });
    await once(socket, 'connect');
    const raw = new RawConnection(socket);
    raw.write(encodeHandshake({ reserved: ourReserved(), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(0x61) }));
    expect(E.isRight(decodeHandshake(await raw.read(68)))).toBe(true);
    raw.write(encodeMessage({ type: 'haveNone' }));
    const first = await raw.message();
    expect(first.type).toBe('haveNone'); // the leecher has nothing yet (BEP 6)

    // the seeder dials the leecher: the download starts only now, with the raw peer listening
    seeder = await startStatorrentPeer(
      { metainfo, downloadDir: join(dir, 'src'), useTrackers: false, skipCheck: true, peers: [{ ip: '127.0.0.1', port: leecher.session.port }] },
      '127.0.0.3',
    );
    const announced = new Map<number, number>();
    const heard: number[] = [];
    while (announced.size < metainfo.pieceCount) {
      const m = await raw.message();
      if (m.type !== 'have') continue;
      announced.set(m.index, (announced.get(m.index) ?? 0) + 1);
      heard.push(m.index);
    }
    await leecher.handle.completed;
    expect([...announced.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: metainfo.pieceCount }, (_, i) => i));
    expect([...announced.values()].every((n) => n === 1)).toBe(true);
    // haves leave a batch at a time (one write), yet the wire observer (--trace, the demo's
    // ledger) still sees each one, in the order the peer heard them
    expect(haveSent.filter((h) => h.peer.startsWith('127.0.0.2:')).map((h) => h.index)).toEqual(heard);
    socket.destroy();
  });
});
