import * as E from 'fp-ts/lib/Either.js';
import { readUint16, readUint32 } from '../wire/bytes.js';
import { seekSync } from './handshakeBuffer.js';
import { dhKeyPair, DH_KEY_LENGTH, mseCiphers, req1Hash, req3Hash, type DhKeyPair, type MseCiphers } from './mseKeys.js';
import { concatBytes, padOf, vcBlock, type MseRandom } from './mseRole.js';
import { MseSteps } from './mseSteps.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, MAX_IA, MAX_PAD, REQ1_SYNC_LIMIT, VC_LENGTH, type MseCrypto, type MseError, type MseEstablished } from './mseTypes.js';

/** How the responder decides. */
export interface MseResponderOptions {
  /**
   * The info hash whose HASH('req2', info hash) equals `req2`, if we serve it (the session keeps
   * a map of its torrents' req2 hashes).
   */
  readonly findInfoHash: (req2: Uint8Array) => Uint8Array | undefined;
  /** crypto_provide bits we take; plaintext is chosen when both sides allow it (speed). */
  readonly allowed: number;
  readonly random?: MseRandom;
}

type State =
  | { readonly s: 'ya' }
  | { readonly s: 'req1'; readonly secret: Uint8Array; readonly req1: Uint8Array; readonly scanned: number }
  | { readonly s: 'skey'; readonly secret: Uint8Array }
  | { readonly s: 'header'; readonly keys: MseCiphers; readonly infoHash: Uint8Array }
  | { readonly s: 'padC'; readonly keys: MseCiphers; readonly infoHash: Uint8Array; readonly crypto: MseCrypto; readonly padC: number }
  | { readonly s: 'ia'; readonly keys: MseCiphers; readonly infoHash: Uint8Array; readonly crypto: MseCrypto; readonly ia: number }
  | { readonly s: 'done' }
  | { readonly s: 'failed'; readonly error: MseError };

/**
 * The responder (B) of an MSE handshake as bounded steps over received bytes: feed it what the
 * socket delivers, send what it returns, until it reports `done` or an error.
 *
 *   A→B  Ya, PadA                 we answer Yb, PadB once Ya is in
 *   A→B  HASH('req1', S)          found within 628 bytes of the stream start, else error
 *   A→B  HASH('req2', SKEY)^HASH('req3', S)   names the torrent: unknown → error
 *   A→B  ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA)
 *   B→A  ENCRYPT(VC, crypto_select, len(PadD), PadD), then the payload
 *
 * The initial payload (IA, usually the BitTorrent handshake) comes back decrypted at the head
 * of `payload`. Nothing here throws: every malformed input is an {@link MseError}.
 */
export class MseResponder extends MseSteps<State> {
  protected state: State = { s: 'ya' };
  private readonly keyPair: DhKeyPair;

  constructor(private readonly options: MseResponderOptions) {
    super();
    this.keyPair = dhKeyPair(options.random?.privateKey);
  }

  protected step(send: Uint8Array[]): E.Either<MseError, 'wait' | 'next' | MseEstablished> {
    const st = this.state;
    const buf = this.buf;
    switch (st.s) {
      case 'ya': {
        if (buf.length < DH_KEY_LENGTH) return E.right('wait');
        const secret = this.keyPair.secret(buf.take(DH_KEY_LENGTH));
        if (secret === undefined) return E.left({ tag: 'badPublicKey' });
        send.push(concatBytes([this.keyPair.publicKey, padOf(this.options.random, 'PadB')]));
        this.state = { s: 'req1', secret, req1: req1Hash(secret), scanned: 0 };
        return E.right('next');
      }
      case 'req1': {
        // positions are counted from the stream start: Ya (96) + PadA (≤ 512) + the hash (20)
        const sync = seekSync(buf, st.req1, st.scanned, REQ1_SYNC_LIMIT);
        if (sync.kind === 'tooFar') return E.left({ tag: 'noReq1Sync' });
        if (sync.kind === 'wait') {
          this.state = { ...st, scanned: sync.scanned };
          return E.right('wait');
        }
        this.state = { s: 'skey', secret: st.secret };
        return E.right('next');
      }
      case 'skey': {
        if (buf.length < 20) return E.right('wait');
        const req2 = buf.take(20);
        const r3 = req3Hash(st.secret);
        for (let i = 0; i < 20; i++) req2[i]! ^= r3[i]!;
        const infoHash = this.options.findInfoHash(req2);
        if (infoHash === undefined) return E.left({ tag: 'unknownTorrent' });
        this.state = { s: 'header', keys: mseCiphers(st.secret, infoHash), infoHash };
        return E.right('next');
      }
      case 'header': {
        if (buf.length < VC_LENGTH + 6) return E.right('wait');
        const h = buf.take(VC_LENGTH + 6);
        st.keys.a.processInPlace(h);
        for (let i = 0; i < VC_LENGTH; i++) if (h[i] !== 0) return E.left({ tag: 'badVc' });
        const provide = readUint32(h, VC_LENGTH);
        const padC = readUint16(h, VC_LENGTH + 4);
        if (padC > MAX_PAD) return E.left({ tag: 'padTooLong', which: 'PadC', length: padC });
        const common = provide & this.options.allowed;
        const crypto: MseCrypto | undefined = common & CRYPTO_PLAINTEXT ? 'plaintext' : common & CRYPTO_RC4 ? 'rc4' : undefined;
        if (crypto === undefined) return E.left({ tag: 'noCommonCrypto', offered: provide });
        this.state = { s: 'padC', keys: st.keys, infoHash: st.infoHash, crypto, padC };
        return E.right('next');
      }
      case 'padC': {
        if (buf.length < st.padC + 2) return E.right('wait');
        const p = buf.take(st.padC + 2);
        st.keys.a.processInPlace(p);
        const ia = readUint16(p, st.padC);
        if (ia > MAX_IA) return E.left({ tag: 'iaTooLong', length: ia });
        // our answer needs nothing from IA: send it now
        const reply = vcBlock(st.crypto === 'rc4' ? CRYPTO_RC4 : CRYPTO_PLAINTEXT, padOf(this.options.random, 'PadD'));
        st.keys.b.processInPlace(reply);
        send.push(reply);
        this.state = { s: 'ia', keys: st.keys, infoHash: st.infoHash, crypto: st.crypto, ia };
        return E.right('next');
      }
      case 'ia': {
        if (buf.length < st.ia) return E.right('wait');
        const ia = buf.take(st.ia);
        st.keys.a.processInPlace(ia); // IA is RC4 whatever is selected
        const rest = buf.rest();
        if (st.crypto === 'rc4') st.keys.a.processInPlace(rest);
        this.state = { s: 'done' };
        return E.right({
          crypto: st.crypto,
          infoHash: st.infoHash,
          ...(st.crypto === 'rc4' ? { decrypt: st.keys.a, encrypt: st.keys.b } : {}),
          payload: concatBytes([ia, rest]),
        });
      }
      case 'done':
      case 'failed':
        return E.right('wait');
    }
  }
}
