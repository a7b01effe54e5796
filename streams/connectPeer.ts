import * as E from 'fp-ts/lib/Either.js';
import { connect } from 'node:net';
import { clientNameFromPeerId, ourReserved, supportsDht, supportsExtensionProtocol, supportsFastExtension, type WireMessage } from '../src/wire/index.js';
import { startPeerLink } from './peerLink.js';
import { mseDialled } from './mseHandshake.js';
import { isPeerReset } from './wireSocket.js';
import { DEFAULT_ENCRYPTION_POLICY, type EncryptionPolicy, type PeerEncryption } from '../src/mse/mseTypes.js';

/** Where to dial and for which torrent. */
export interface ConnectPeerOptions {
  readonly ip: string;
  readonly port: number;
  readonly infoHash: Uint8Array;
  /** Our peer id. */
  readonly peerId: Uint8Array;
  /** `null` for a magnet link (metadata not fetched): pieces are reported as counted, not judged. */
  readonly pieceCount: number | null;
  /** Whole probe budget: connect, handshake and first availability message. */
  readonly timeoutMs: number;
  readonly reserved?: Uint8Array;
  /** Source address to dial from, e.g. another 127.x address (clients that keep one peer per IP). */
  readonly localAddress?: string;
  /**
   * `require`: dial with an MSE handshake (RC4 payload); otherwise plain BitTorrent. With
   * {@link connectPeerRetryingRefusal}, `accept` (the default there) retries a refusal with MSE.
   */
  readonly encryption?: EncryptionPolicy;
}

/** What the peer has, as its first availability message said. */
export type PeerAvailability =
  | { readonly kind: 'bitfield'; readonly bitfield: Uint8Array }
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  /** Handshake done but no bitfield before the timeout: BEP 3 lets a peer with nothing skip it. */
  | { readonly kind: 'unknown' };

/** A successful probe. */
export interface PeerProbe {
  readonly peerId: Uint8Array;
  readonly client: string;
  readonly reserved: Uint8Array;
  readonly extensions: { readonly extensionProtocol: boolean; readonly fast: boolean; readonly dht: boolean };
  readonly availability: PeerAvailability;
  /** Pieces the peer has (pieceCount for have-all, counted bits for a bitfield). */
  readonly piecesHave: number | undefined;
  /** Messages seen before the availability message, e.g. BEP 10 extended handshake. */
  readonly firstMessages: readonly WireMessage[];
  /** How the connection was carried: plain, or MSE with plaintext or RC4 payload. */
  readonly encryption: PeerEncryption;
}

/** Why a probe failed; `message` is one line. */
export interface ProbeError {
  /** `refused`: TCP connected, but the peer hung up before its handshake. */
  readonly code: 'connectFailed' | 'refused' | 'timeout' | 'closed' | 'protocol';
  readonly message: string;
}

const popcount = (bytes: Uint8Array): number => {
  let n = 0;
  for (const b of bytes) {
    let v = b;
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
};

/**
 * Dials a peer, lets a peer machine exchange handshakes (the same path a torrent's peers take:
 * it checks theirs and announces our empty set, have-none under BEP 6), waits for the peer's
 * bitfield / have-all / have-none, then closes. For `statorrent peers`. Resolves (never
 * rejects) with a value or a typed error.
 */
export function connectPeer(o: ConnectPeerOptions): Promise<E.Either<ProbeError, PeerProbe>> {
  return probePeer(o, o.encryption === 'require');
}

/** {@link connectPeer}, dialling with an MSE handshake that offers what `o.encryption` allows when `mse`. */
function probePeer(o: ConnectPeerOptions, mse: boolean): Promise<E.Either<ProbeError, PeerProbe>> {
  const reserved = o.reserved ?? ourReserved();
  return new Promise((resolve) => {
    const socket = connect({ host: o.ip, port: o.port, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) });
    const link = startPeerLink({
      socket: mse ? mseDialled(socket, o.infoHash, o.encryption ?? DEFAULT_ENCRYPTION_POLICY) : socket,
      input: { infoHash: o.infoHash, peerId: o.peerId, pieceCount: o.pieceCount ?? 0, outgoing: true, reserved },
      ...(o.pieceCount === null ? { unknownPieces: true } : {}),
    });
    let handshake: { peerId: Uint8Array; reserved: Uint8Array } | undefined;
    const firstMessages: WireMessage[] = [];
    let done = false;
    // the peer hung up on an open connection (FIN or reset), as opposed to TCP failing or us closing
    let peerHungUp = false;
    socket.once('connect', () => {
      socket.once('end', () => (peerHungUp = true));
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (isPeerReset(e)) peerHungUp = true;
      });
    });

    const finish = (result: E.Either<ProbeError, PeerProbe>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (link.actor.getSnapshot().status === 'active') link.actor.send({ type: 'CLOSE', message: 'probe finished' });
      resolve(result);
    };
    const probe = (availability: PeerAvailability, piecesHave: number | undefined): E.Either<ProbeError, PeerProbe> => {
      const h = handshake!;
      return E.right({
        peerId: h.peerId,
        client: clientNameFromPeerId(h.peerId),
        reserved: h.reserved,
        extensions: {
          extensionProtocol: supportsExtensionProtocol(h.reserved),
          fast: supportsFastExtension(h.reserved),
          dht: supportsDht(h.reserved),
        },
        availability,
        piecesHave,
        firstMessages,
        encryption: link.wire.encryption,
      });
    };

    const timer = setTimeout(() => {
      finish(
        handshake === undefined
          ? E.left({ code: 'timeout', message: `no handshake from ${o.ip}:${o.port} within ${o.timeoutMs} ms` })
          : probe({ kind: 'unknown' }, undefined),
      );
    }, o.timeoutMs);

    link.onFrame((f) => {
      if (f.kind === 'handshake') {
        handshake = f.handshake;
        return;
      }
      if (f.kind !== 'message') return;
      const m = f.message;
      if (m.type === 'bitfield') return finish(probe({ kind: 'bitfield', bitfield: m.bitfield.slice() }, popcount(m.bitfield)));
      if (m.type === 'haveAll') return finish(probe({ kind: 'all' }, o.pieceCount ?? undefined));
      if (m.type === 'haveNone') return finish(probe({ kind: 'none' }, 0));
      if (firstMessages.length < 16) firstMessages.push(m.type === 'piece' ? { ...m, block: m.block.slice() } : m);
    });

    void link.closed.then((reason) => {
      // our handshake goes out once TCP is up: a close after it and before theirs is a refusal;
      // so is the peer hanging up in the middle of our MSE handshake, which comes before it
      const handshakeSent = link.commands.includes('handshake');
      const midMse = mse && peerHungUp && !handshakeSent;
      const connected = handshakeSent || midMse;
      if (handshake === undefined && connected && reason.code !== 'local' && reason.code !== 'protocol') {
        // e.g. not serving this torrent, or (Transmission 3) still holding our previous
        // connection from this IP: it keeps one peer per address until its next peer pulse
        const why = '(not seeding this torrent, or still holding a connection from our address)';
        return finish(E.left({ code: 'refused', message: midMse ? `hung up during the encrypted handshake ${why}` : `${reason.message} before its handshake ${why}` }));
      }
      const code: ProbeError['code'] =
        reason.code === 'protocol' ? 'protocol' : handshake === undefined && (reason.code === 'connectFailed' || reason.code === 'socketError') ? 'connectFailed' : 'closed';
      finish(E.left({ code, message: reason.message }));
    });
  });
}

/** Pause before each retry of a refused probe: Transmission 3 purges closed peers every 0.5 s. */
const REFUSED_RETRY_MS = 1000;
/**
 * Retries of a refused probe at most: Transmission under load can take over a second to let go
 * of our previous connection (seen in the interop suite), and a peer refusing for good costs a
 * few seconds of the probe's own timeout at worst.
 */
const REFUSED_RETRIES = 2;
/** Least time left worth a retry (Transmission takes up to ~1 s to answer a handshake). */
const RETRY_MIN_BUDGET_MS = 1500;

/**
 * {@link connectPeer}, again after {@link REFUSED_RETRY_MS} (up to {@link REFUSED_RETRIES}
 * times) while the peer refuses, all within `timeoutMs`. Clients that keep one connection per IP (Transmission)
 * refuse a new one from our address until they notice the previous one (say, the last
 * `statorrent peers` run) closed. Under `accept` (the default) the retry is an MSE handshake
 * offering plaintext or RC4 payload, as a session redials such a peer: the refusal may mean the
 * peer takes only encrypted connections (libtorrent's in_enc_policy=pe_forced), and clients
 * that refuse for the other reason take MSE as well; under `off` it is plain again.
 */
export async function connectPeerRetryingRefusal(o: ConnectPeerOptions): Promise<E.Either<ProbeError, PeerProbe>> {
  const started = Date.now();
  let result = await connectPeer(o);
  for (let retry = 0; retry < REFUSED_RETRIES && E.isLeft(result) && result.left.code === 'refused'; retry++) {
    const budget = o.timeoutMs - (Date.now() - started) - REFUSED_RETRY_MS;
    if (budget < RETRY_MIN_BUDGET_MS) break;
    await new Promise((ok) => setTimeout(ok, REFUSED_RETRY_MS));
    result = await probePeer({ ...o, timeoutMs: budget }, (o.encryption ?? DEFAULT_ENCRYPTION_POLICY) !== 'off');
  }
  return result;
}
