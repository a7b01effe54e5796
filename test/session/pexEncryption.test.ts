import { connect } from 'node:net';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeUtPex, encodeExtendedHandshake, encodeUtPex, OUR_EXTENSION_IDS, PexFlags, prefersEncryption, UT_PEX, type PexPeer } from '../../src/extensions/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { EncryptionPolicy } from '../../src/mse/mseTypes.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { rawPeer } from '../magnet/rawExtensionPeer.js';
import { smallSeedForSuite } from '../support/smallSeed.js';

/** The ut_pex id the scripted teller asks for in its extended handshake. */
const TELLER_PEX_ID = 7;

/**
 * BEP 11's "prefers encryption" flag (0x01 of `added.f`) between sessions: a scripted peer (the
 * teller, 127.0.0.41) tells seeder A of peer B (another session, on 127.0.0.42) with some flags;
 * A dials B, and its own first ut_pex message (5 s later) tells the teller of B with the flags
 * A's connection to B earned.
 */
describe('PEX "prefers encryption" flag', () => {
  let dir: string;
  let metainfo: Metainfo;
  let runs = 0;

  smallSeedForSuite('st-pex-enc-', (seed) => ({ dir, metainfo } = seed));

  /** A's `peerConnected` for B, and (with `advertised`) the flags A's ut_pex gives B. */
  async function tellOfB(policy: EncryptionPolicy, flags: number, advertised: boolean): Promise<{ connected: TorrentEvent; flags: number | undefined }> {
    const sessions: Session[] = [];
    const start = async (host: string, encryption: EncryptionPolicy): Promise<Session> => {
      const s = await Session.start({ host, port: 0, encryption });
      if (E.isLeft(s)) throw new Error(s.left);
      sessions.push(s.right);
      return s.right;
    };
    try {
      const a = await start('127.0.0.1', policy);
      const seeding = await a.add({ metainfo, downloadDir: dir, skipCheck: true, useTrackers: false });
      if (E.isLeft(seeding)) throw new Error(seeding.left);
      const b = await start('127.0.0.42', 'accept');
      const leeching = await b.add({ metainfo, downloadDir: join(dir, `b${runs++}`), useTrackers: false });
      if (E.isLeft(leeching)) throw new Error(leeching.left);
      const bId = `127.0.0.42:${b.port}`;
      const connected = new Promise<TorrentEvent>((resolve) => seeding.right.events$.subscribe((e) => e.type === 'peerConnected' && e.id === bId && resolve(e)));
      await seeding.right.completed;

      const teller = rawPeer(connect({ host: '127.0.0.1', port: a.port, localAddress: '127.0.0.41' }), metainfo.infoHash, Uint8Array.from(Buffer.from('-SC0001-pex-teller-2', 'latin1')), true);
      const bInPex = new Promise<PexPeer>((resolve) =>
        teller.onMessage((m) => {
          if (m.type !== 'extended' || m.extendedId !== TELLER_PEX_ID) return;
          const pex = decodeUtPex(m.payload);
          const entry = E.isRight(pex) ? pex.right.added.find((p) => p.ip === '127.0.0.42' && p.port === b.port) : undefined;
          if (entry !== undefined) resolve(entry);
        }),
      );
      await teller.handshake;
      teller.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { ut_pex: TELLER_PEX_ID } }) });
      teller.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_PEX], payload: encodeUtPex({ added: [{ ip: '127.0.0.42', port: b.port, flags }], dropped: [] }) });
      const event = await connected;
      const entry = advertised ? await bInPex : undefined;
      teller.close();
      return { connected: event, flags: entry?.flags };
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  }

  it('under accept, a peer flagged 0x01 is dialled with MSE, and advertised onwards with 0x01', async () => {
    // reserved bits set too: they are ignored, not a reason to refuse the message
    const { connected, flags } = await tellOfB('accept', PexFlags.prefersEncryption | PexFlags.reachable | 0x80, true);
    // B (accept) selects the plaintext payload our MSE handshake offers first
    expect(connected).toMatchObject({ type: 'peerConnected', source: 'pex', encryption: 'mse-plaintext' });
    expect(flags).toBeDefined();
    expect(prefersEncryption(flags!)).toBe(true);
    expect(flags! & PexFlags.reachable).toBe(PexFlags.reachable);
  });

  it('under accept, a peer without the flag is dialled plain, and advertised without 0x01', async () => {
    const { connected, flags } = await tellOfB('accept', PexFlags.reachable, true);
    expect(connected).toMatchObject({ type: 'peerConnected', source: 'pex', encryption: 'none' });
    expect(flags).toBeDefined();
    expect(prefersEncryption(flags!)).toBe(false);
    expect(flags! & PexFlags.reachable).toBe(PexFlags.reachable);
  });

  it('under off, the flag changes nothing: the peer is dialled plain', async () => {
    const { connected } = await tellOfB('off', PexFlags.prefersEncryption, false);
    expect(connected).toMatchObject({ type: 'peerConnected', source: 'pex', encryption: 'none' });
  });
});
