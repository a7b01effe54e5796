import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeExtendedHandshake, encodeDontHave, encodeExtendedHandshake, LT_DONTHAVE } from '../../src/extensions/index.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { decodeHandshake, encodeHandshake, encodeMessage, ourReserved, type WireMessage } from '../../src/wire/index.js';
import { RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

const PIECE_LENGTH = 32_768;
const PIECES = 16;
/** The piece the raw peer says it lost, as soon as it is asked for it. */
const LOST = 5;


/**
 * BEP 54 end to end: a raw peer announces every piece, serves all but one and, when asked for
 * that one, says lt_donthave. The leecher withdraws what it asked (cancel), never asks that
 * peer for the piece again, loses interest in it once the rest is done (it has nothing else we
 * want) and waits; a seeder that joins later supplies the piece, and the raw peer hears `have`.
 */
describe('a peer that sends lt_donthave', () => {
  let dir: string;
  let metainfo: Metainfo;
  let source: Buffer;
  let leecher: StatorrentPeer;
  let seeder: StatorrentPeer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-donthave-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: PIECES * PIECE_LENGTH }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: PIECE_LENGTH })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    source = await readFile(join(dir, 'src', 'f.bin'));
    leecher = await startStatorrentPeer({ metainfo, downloadDir: join(dir, 'leech'), useTrackers: false, peers: [] }, '127.0.0.1');
    // connections that arrive while it checks its folder are refused
    await firstValueFrom(leecher.handle.progress$.pipe(filter((p) => p.state === 'downloading')));
  });
  afterAll(async () => {
    await seeder?.close();
    await leecher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops requesting that piece from it, cancels what it asked, and fetches the piece from another peer', async () => {
    let completed = false;
    void leecher.handle.completed.then(() => (completed = true));
    const socket = connect({ host: '127.0.0.1', port: leecher.session.port, localAddress: '127.0.0.2' });
    await once(socket, 'connect');
    const raw = new RawConnection(socket);
    raw.write(encodeHandshake({ reserved: ourReserved(), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(0x61) }));
    expect(E.isRight(decodeHandshake(await raw.read(68)))).toBe(true);
    raw.write(encodeMessage({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { [LT_DONTHAVE]: 9 } }) }));
    raw.write(encodeMessage({ type: 'haveAll' }));
    raw.write(encodeMessage({ type: 'unchoke' }));

    let theirId: number | undefined;
    let saidDontHave = false;
    const askedLost = new Set<number>(); // offsets of LOST requested before the leecher withdrew
    const cancelledLost = new Set<number>();
    let askedAfterCancel = 0;
    const served = new Set<number>();
    // phase 1: serve every other piece until the leecher has nothing left to want from us
    for (;;) {
      const m = await raw.message();
      if (m.type === 'extended' && m.extendedId === 0) {
        const h = decodeExtendedHandshake(m.payload);
        if (E.isRight(h)) theirId = h.right.m.get(LT_DONTHAVE);
      } else if (m.type === 'request' && m.index === LOST) {
        if (cancelledLost.size > 0) askedAfterCancel++;
        else askedLost.add(m.begin);
        if (!saidDontHave) {
          expect(theirId).toBeDefined(); // advertised in its extended handshake, sent before any request
          raw.write(encodeMessage({ type: 'extended', extendedId: theirId!, payload: encodeDontHave(LOST) }));
          saidDontHave = true;
        }
      } else if (m.type === 'request') {
        const at = m.index * PIECE_LENGTH + m.begin;
        raw.write(encodeMessage({ type: 'piece', index: m.index, begin: m.begin, block: source.subarray(at, at + m.length) }));
        served.add(m.index);
      } else if (m.type === 'cancel' && m.index === LOST) {
        cancelledLost.add(m.begin);
      } else if (m.type === 'notInterested') {
        break;
      }
    }
    expect(saidDontHave).toBe(true);
    expect(askedLost.size).toBeGreaterThan(0);
    expect([...cancelledLost].sort((x, y) => x - y)).toEqual([...askedLost].sort((x, y) => x - y)); // everything it asked, withdrawn
    expect(askedAfterCancel).toBe(0);
    expect(served.size).toBe(PIECES - 1);
    // it waits for the piece: every other one verified, not complete
    await expect.poll(async () => (await firstValueFrom(leecher.handle.progress$)).verifiedPieces, { timeout: 5_000 }).toBe(PIECES - 1);
    expect(completed).toBe(false);

    // phase 2: a seeder arrives; the leecher completes, and tells the raw peer it has the piece now
    const later: WireMessage[] = [];
    const reading = (async () => {
      for (;;) later.push(await raw.message());
    })().catch(() => undefined); // ends when the socket closes
    seeder = await startStatorrentPeer(
      { metainfo, downloadDir: join(dir, 'src'), useTrackers: false, skipCheck: true, peers: [{ ip: '127.0.0.1', port: leecher.session.port }] },
      '127.0.0.3',
    );
    await leecher.handle.completed;
    expect((await readFile(join(dir, 'leech', 'f.bin'))).equals(source)).toBe(true);
    await expect.poll(() => later.some((m) => m.type === 'have' && m.index === LOST), { timeout: 5_000 }).toBe(true);
    expect(later.filter((m) => m.type === 'request')).toEqual([]);
    socket.destroy();
    await reading;
  });
});
