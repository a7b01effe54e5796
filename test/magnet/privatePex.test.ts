import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { decodeExtendedHandshake, encodeExtendedHandshake, encodeUtPex, OUR_EXTENSION_IDS, UT_PEX, type DecodedExtendedHandshake } from '../../src/extensions/index.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import type { WireMessage } from '../../src/wire/index.js';
import { writeSample } from '../support/sampleContent.js';
import { rawPeer } from './rawExtensionPeer.js';

/**
 * BEP 27: a private torrent neither sends nor takes PEX. A scripted peer speaking ut_pex
 * connects to a statorrent seeder and sends a ut_pex message naming another peer, then
 * `interested`. For the private torrent our extended handshake does not offer ut_pex and the
 * message never reaches the peer machine (it is ignored as an id we never gave); the same
 * exchange with the public twin of the torrent is taken (the control).
 */
describe('private torrents and PEX (BEP 27)', () => {
  let dir: string;
  const made: Record<'private' | 'public', Metainfo> = {} as never;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-private-pex-'));
    await writeSample(join(dir, 'content'), [{ path: 'a.bin', length: 100_000 }]);
    for (const kind of ['private', 'public'] as const) {
      const t = await createTorrentTask({ path: join(dir, 'content'), private: kind === 'private', pieceLength: 16_384, creationDate: null })();
      if (E.isLeft(t)) throw new Error(t.left.message);
      made[kind] = t.right.metainfo;
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const exchange = async (metainfo: Metainfo) => {
    const started = await Session.start({ host: '127.0.0.1', port: 0 });
    if (E.isLeft(started)) throw new Error(started.left);
    const session = started.right;
    const machineEvents: string[] = [];
    const inspect = (e: InspectionEvent): void => {
      if (e.type === '@xstate.event' && ((e.actorRef as { id?: string }).id ?? '').startsWith('127.0.0.31:')) machineEvents.push(e.event.type);
    };
    try {
      const added = await session.add({ metainfo, downloadDir: dir, skipCheck: true, useTrackers: false, inspect });
      if (E.isLeft(added)) throw new Error(added.left);
      const events: TorrentEvent[] = [];
      added.right.events$.subscribe((e) => events.push(e));
      await added.right.completed;
      const socket = connect({ host: '127.0.0.1', port: session.port, localAddress: '127.0.0.31' });
      const peer = rawPeer(socket, metainfo.infoHash, Uint8Array.from(Buffer.from('-SC0001-private-test', 'latin1')), true);
      let ours: DecodedExtendedHandshake | undefined;
      const heard: WireMessage[] = [];
      let sawInterestedEffect: () => void = () => undefined;
      const unchoked = new Promise<void>((r) => (sawInterestedEffect = r));
      peer.onMessage((m) => {
        heard.push(m);
        if (m.type === 'extended' && m.extendedId === 0) {
          const d = decodeExtendedHandshake(m.payload);
          if (E.isRight(d)) ours = d.right;
        }
        if (m.type === 'unchoke') sawInterestedEffect();
      });
      await peer.handshake;
      peer.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake({ m: { ut_pex: 7, ut_metadata: 3 } }) });
      peer.send({ type: 'extended', extendedId: OUR_EXTENSION_IDS[UT_PEX], payload: encodeUtPex({ added: [{ ip: '127.0.0.32', port: 6881, flags: 0 }], dropped: [] }) });
      peer.send({ type: 'interested' });
      // the choker unchokes an interested peer: by then every earlier message was handled
      await unchoked;
      peer.close();
      return { ours, events, machineEvents, heard };
    } finally {
      await session.close();
    }
  };

  it('private: ut_pex not offered, a received ut_pex message ignored, no peer taken from it', async () => {
    const r = await exchange(made.private);
    expect(r.ours?.m.has('ut_metadata')).toBe(true);
    expect(r.ours?.m.has(UT_PEX)).toBe(false);
    expect(r.machineEvents).toContain('PEER_INTERESTED');
    expect(r.machineEvents).not.toContain('PEER_PEX');
    expect(r.events.some((e) => e.type === 'peersDiscovered')).toBe(false);
  });

  it('public (control): ut_pex offered and the same message taken into the dialer', async () => {
    const r = await exchange(made.public);
    expect(r.ours?.m.get(UT_PEX)).toBe(OUR_EXTENSION_IDS[UT_PEX]);
    expect(r.machineEvents).toContain('PEER_PEX');
    expect(r.events).toContainEqual(expect.objectContaining({ type: 'peersDiscovered', source: 'pex', peers: 1 }));
  });
});
