import * as E from 'fp-ts/lib/Either.js';
import { readUint16, readUint32 } from '../wire/bytes.js';
import { seekSync } from './handshakeBuffer.js';
import { dhKeyPair, DH_KEY_LENGTH, mseCiphers, req1Hash, skeyMask, type DhKeyPair, type MseCiphers } from './mseKeys.js';
import { concatBytes, padOf, vcBlock, type MseRandom } from './mseRole.js';
import { MseSteps } from './mseSteps.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, MAX_IA, MAX_PAD, VC_LENGTH, VC_SYNC_LIMIT, type MseCrypto, type MseError, type MseEstablished } from './mseTypes.js';

/** What the initiator offers. */
export interface MseInitiatorOptions {
  /** The torrent we dial for (SKEY). */
  readonly infoHash: Uint8Array;
  /** crypto_provide: CRYPTO_RC4, or CRYPTO_PLAINTEXT | CRYPTO_RC4. */
  readonly provide: number;
  /** Initial payload sent inside the handshake (default none: the BitTorrent handshake follows it). */
  readonly ia?: Uint8Array;
  readonly random?: MseRandom;
}

type State =
  | { readonly s: 'yb' }
  | { readonly s: 'vc'; readonly keys: MseCiphers; readonly vc: Uint8Array; readonly scanned: number; readonly base: number }
  | { readonly s: 'select'; readonly keys: MseCiphers }
  | { readonly s: 'padD'; readonly keys: MseCiphers; readonly crypto: MseCrypto; readonly padD: number }
  | { readonly s: 'done' }
  | { readonly s: 'failed'; readonly error: MseError };

/**
 * The initiator (A) of an MSE handshake as bounded steps: `start()` gives Ya and PadA; feed it
 * what the socket delivers and send what it returns until `done` or an error.
 *
 *   B→A  Yb, PadB               once Yb is in we send HASH('req1', S), the SKEY mask and
 *                               ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA), IA)
 *   B→A  ENCRYPT(VC, …)         found within 616 bytes of the start of Yb, else error
 *   B→A  crypto_select, len(PadD), PadD   one bit we offered, PadD ≤ 512
 *
 * Bytes after PadD are payload, returned decrypted if RC4 was selected. Never throws.
 */
export class MseInitiator extends MseSteps<State> {
  protected state: State = { s: 'yb' };
  private readonly keyPair: DhKeyPair;

  constructor(private readonly options: MseInitiatorOptions) {
    super();
    this.keyPair = dhKeyPair(options.random?.privateKey);
  }

  /** Ya and PadA: the first bytes to send. */
  start(): Uint8Array {
    return concatBytes([this.keyPair.publicKey, padOf(this.options.random, 'PadA')]);
  }

  protected step(send: Uint8Array[]): E.Either<MseError, 'wait' | 'next' | MseEstablished> {
    const st = this.state;
    const buf = this.buf;
    const o = this.options;
    switch (st.s) {
      case 'yb': {
        if (buf.length < DH_KEY_LENGTH) return E.right('wait');
        const base = buf.consumed;
        const secret = this.keyPair.secret(buf.take(DH_KEY_LENGTH));
        if (secret === undefined) return E.left({ tag: 'badPublicKey' });
        const keys = mseCiphers(secret, o.infoHash);
        const ia = (o.ia ?? new Uint8Array(0)).subarray(0, MAX_IA);
        const head = vcBlock(o.provide, padOf(o.random, 'PadC'), ia);
        keys.a.processInPlace(head);
        send.push(concatBytes([req1Hash(secret), skeyMask(o.infoHash, secret), head]));
        // B's VC is the first 8 bytes of its keystream: known now, searched for in what follows
        const vc = keys.b.process(new Uint8Array(VC_LENGTH));
        this.state = { s: 'vc', keys, vc, scanned: 0, base };
        return E.right('next');
      }
      case 'vc': {
        const sync = seekSync(buf, st.vc, st.scanned, st.base + VC_SYNC_LIMIT);
        if (sync.kind === 'tooFar') return E.left({ tag: 'noVcSync' });
        if (sync.kind === 'wait') {
          this.state = { ...st, scanned: sync.scanned };
          return E.right('wait');
        }
        this.state = { s: 'select', keys: st.keys };
        return E.right('next');
      }
      case 'select': {
        if (buf.length < 6) return E.right('wait');
        const h = buf.take(6);
        st.keys.b.processInPlace(h);
        const selected = readUint32(h, 0);
        const padD = readUint16(h, 4);
        if ((selected !== CRYPTO_PLAINTEXT && selected !== CRYPTO_RC4) || (selected & o.provide) === 0) return E.left({ tag: 'badSelect', selected });
        if (padD > MAX_PAD) return E.left({ tag: 'padTooLong', which: 'PadD', length: padD });
        this.state = { s: 'padD', keys: st.keys, crypto: selected === CRYPTO_RC4 ? 'rc4' : 'plaintext', padD };
        return E.right('next');
      }
      case 'padD': {
        if (buf.length < st.padD) return E.right('wait');
        st.keys.b.processInPlace(buf.take(st.padD));
        const rest = buf.rest();
        if (st.crypto === 'rc4') st.keys.b.processInPlace(rest);
        this.state = { s: 'done' };
        return E.right({
          crypto: st.crypto,
          infoHash: o.infoHash,
          ...(st.crypto === 'rc4' ? { decrypt: st.keys.b, encrypt: st.keys.a } : {}),
          payload: rest,
        });
      }
      case 'done':
      case 'failed':
        return E.right('wait');
    }
  }
}
