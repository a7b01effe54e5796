import * as E from 'fp-ts/lib/Either.js';
import { Session } from '../../src/session/session.js';
import type { TorrentHandle, TorrentRunOptions } from '../../src/session/torrentRuntime.js';

/** One statorrent session on 127.0.0.1 running one torrent. */
export interface StatorrentPeer {
  readonly session: Session;
  readonly handle: TorrentHandle;
  /** Closes the session (announces `stopped`, closes sockets, flushes); safe to call twice. */
  close(): Promise<void>;
}

/** Starts a session on a free port of `host` (a loopback address) and adds one torrent to it. */
export async function startStatorrentPeer(options: TorrentRunOptions, host = '127.0.0.1'): Promise<StatorrentPeer> {
  const started = await Session.start({ host, port: 0 });
  if (E.isLeft(started)) throw new Error(started.left);
  const session = started.right;
  const added = await session.add(options);
  if (E.isLeft(added)) {
    await session.close();
    throw new Error(added.left);
  }
  let closing: Promise<void> | undefined;
  return { session, handle: added.right, close: () => (closing ??= session.close()) };
}
