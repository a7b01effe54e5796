import * as E from 'fp-ts/lib/Either.js';
import { httpAnnounce } from '../../src/tracker/client/httpAnnounce.js';
import type { PeerAddress } from '../../src/tracker/types.js';

/** An address a peer listens on, as a tracker hands it out. */
export interface SwarmEndpoint {
  readonly ip: string;
  readonly port: number;
}

const POLL_MS = 50;

/**
 * Resolves with the tracker's peer list once it holds every one of `wanted` (their first
 * announces land some time after the clients report ready), and rejects with what the tracker
 * did list after `deadlineMs`. Each poll is a `started` announce from a watcher that listens
 * nowhere (port 1), followed at once by `stopped`, so the watcher leaves the swarm again
 * (BEP 3: `stopped` removes a peer).
 */
export async function waitForSwarmPeers(
  announceUrl: string,
  infoHash: Uint8Array,
  wanted: readonly SwarmEndpoint[],
  deadlineMs: number,
): Promise<readonly PeerAddress[]> {
  const watcher = {
    infoHash, peerId: Buffer.from('-WATCH-0000000000000'), port: 1,
    uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 200, compact: true,
  } as const;
  const deadline = Date.now() + deadlineMs;
  let last = 'no reply yet';
  for (;;) {
    const r = await httpAnnounce(announceUrl, watcher, { timeoutMs: 2000 })();
    await httpAnnounce(announceUrl, { ...watcher, event: 'stopped' }, { timeoutMs: 2000 })();
    if (E.isRight(r)) {
      const peers = r.right.peers;
      if (wanted.every((w) => peers.some((p) => p.ip === w.ip && p.port === w.port))) return peers;
      last = peers.map((p) => `${p.ip}:${p.port}`).join(', ') || 'no peers';
    } else {
      last = r.left.message;
    }
    if (Date.now() > deadline) {
      const names = wanted.map((w) => `${w.ip}:${w.port}`).join(', ');
      throw new Error(`tracker never listed ${names} within ${deadlineMs} ms; last: ${last}`);
    }
    await new Promise((ok) => setTimeout(ok, POLL_MS)); // gap between polls of a condition
  }
}
