import { connect } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeUtPex, encodeExtendedHandshake, PexFlags, type PexPeer } from '../../src/extensions/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { rawPeer, type RawPeer } from '../magnet/rawExtensionPeer.js';
import { seedingSession, smallSeedForSuite } from '../support/smallSeed.js';

const PEX_ID = 7;

/**
 * Whom our ut_pex names (BEP 11): peers that dialled us arrive from an ephemeral port, so they
 * are named at the port their extended handshake gave (BEP 10 `p`), as libtorrent does; never
 * flagged reachable (we did not reach them), never named without `p`, and never to themselves.
 */
describe('PEX names peers that dialled us at their listen port', () => {
  let dir: string;
  let metainfo: Metainfo;

  smallSeedForSuite('st-pex-incoming-', (seed) => ({ dir, metainfo } = seed));

  it('names ip:p of each peer that gave p, not one that did not, and no peer to itself', async () => {
    const { session, torrent } = await seedingSession(metainfo, dir);
    const peers: RawPeer[] = [];
    try {
      await torrent.completed;
      /** A scripted peer dialling us from `ip`; resolves with the first ut_pex message we send it. */
      const dial = async (ip: string, p: number | undefined): Promise<{ firstPex: Promise<PexPeer[]> }> => {
        const peer = rawPeer(connect({ host: '127.0.0.1', port: session.port, localAddress: ip }), metainfo.infoHash, Uint8Array.from(Buffer.from(`-SC0001-${`pex-in-${ip.slice(-2)}`.padEnd(12, '-')}`, 'latin1')), true);
        peers.push(peer);
        const firstPex = new Promise<PexPeer[]>((resolve) =>
          peer.onMessage((m) => {
            if (m.type !== 'extended' || m.extendedId !== PEX_ID) return;
            const pex = decodeUtPex(m.payload);
            if (E.isRight(pex)) resolve([...pex.right.added]);
          }),
        );
        await peer.handshake;
        peer.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { ut_pex: PEX_ID }, ...(p === undefined ? {} : { p }) }) });
        return { firstPex }; // wrapped: an async function would wait for a promise it returns
      };
      const toFirst = await dial('127.0.0.45', 7777);
      const toSecond = await dial('127.0.0.47', 8888);
      const toQuiet = await dial('127.0.0.46', undefined);
      // our first ut_pex goes 5 s after the handshakes (the peer machine's pexFirst)
      const [heardByFirst, heardBySecond, heardByQuiet] = await Promise.all([toFirst.firstPex, toSecond.firstPex, toQuiet.firstPex]);
      const named = (list: readonly PexPeer[]): string[] => list.map((p) => `${p.ip}:${p.port}`).sort();
      expect(named(heardByQuiet)).toEqual(['127.0.0.45:7777', '127.0.0.47:8888']);
      expect(heardByQuiet.every((p) => (p.flags & PexFlags.reachable) === 0)).toBe(true);
      expect(named(heardByFirst)).toEqual(['127.0.0.47:8888']);
      expect(named(heardBySecond)).toEqual(['127.0.0.45:7777']);
    } finally {
      for (const p of peers) p.close();
      await session.close();
    }
  }, 20_000);
});
