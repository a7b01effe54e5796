import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { decodeHandshake, encodeHandshake } from '../../src/wire/index.js';
import { RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';

/** Dials the session from `localAddress` (a 127.0.0.x of our choice) and sends a handshake for `metainfo`. */
async function handshakeFrom(localAddress: string, port: number, metainfo: Metainfo): Promise<RawConnection> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  await once(socket, 'connect');
  const c = new RawConnection(socket);
  c.write(encodeHandshake({ reserved: new Uint8Array(8), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(9) }));
  return c;
}

describe('session ban list', () => {
  let dir: string;
  let metainfo: Metainfo;
  let session: Session;
  const events: TorrentEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-bans-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 50_000 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const t = await session.add({ metainfo, downloadDir: join(dir, 'src'), skipCheck: true, useTrackers: false });
    if (E.isLeft(t)) throw new Error(t.left);
    t.right.events$.subscribe((e) => events.push(e));
    await t.right.completed;
  });
  afterAll(async () => {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a banned IP before reading its handshake, and still answers others', async () => {
    expect(session.ban('127.0.0.5', 'sent bad blocks')).toBe(true);
    expect(session.ban('::ffff:127.0.0.5', 'again')).toBe(false); // one IP, whichever form
    expect(session.bans.reason('127.0.0.5')).toBe('sent bad blocks');
    const banned = await handshakeFrom('127.0.0.5', session.port, metainfo);
    await banned.closed;
    await expect(banned.read(1)).rejects.toThrow(/closed after 0 of 1 bytes/);
    const welcome = await handshakeFrom('127.0.0.6', session.port, metainfo);
    const reply = decodeHandshake(await welcome.read(68));
    expect(E.isRight(reply) && Buffer.from(reply.right.infoHash).equals(Buffer.from(metainfo.infoHash))).toBe(true);
    welcome.socket.destroy();
  });

  it('a ban ends connections already open from that IP (a ban by any torrent holds for all)', async () => {
    const peer = await handshakeFrom('127.0.0.7', session.port, metainfo);
    await peer.read(68); // connected: our handshake came back
    expect(session.ban('127.0.0.7', 'sent bad blocks for another torrent')).toBe(true);
    await peer.closed;
    expect(events).toContainEqual({ type: 'peerClosed', id: expect.stringMatching(/^127\.0\.0\.7:/), reason: 'banned: sent bad blocks for another torrent' });
  });
});
