import type fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { from } from 'rxjs';
import { decode } from '../src/bencode/index.js';
import { decodeKrpc } from '../src/dht/krpc.js';
import { decodeExtensionMessage } from '../src/extensions/extensionMessage.js';
import { LT_DONTHAVE } from '../src/extensions/ltDontHave.js';
import { parseMetainfo } from '../src/metainfo/index.js';
import { decodeAnnounceBody, decodeUdpReply } from '../src/tracker/client/index.js';
import { decodeFrame, decodeHandshake, describeWireError, type WireError } from '../src/wire/index.js';
import { wireFrames } from '../streams/frames.js';
import { CRYPTO_PLAINTEXT, CRYPTO_RC4, describeMseError, MseInitiator, MseResponder, type MseError } from '../src/mse/index.js';
import { bencodeInput, mseStreamInput, torrentInput, trackerReplyInput, udpPacketInput, wireStreamInput } from './arbitraries.js';

/** Every extension we may advertise, so each decoder is reached (lt_donthave judged against 1000 pieces). */
const FUZZ_EXTENSIONS: ReadonlySet<string> = new Set(['ut_metadata', 'ut_pex', LT_DONTHAVE]);

/**
 * One decoder of untrusted bytes under fuzz. `check` runs the decoder on one input and returns
 * what is wrong with its answer (`undefined`: fine); a throw is always wrong. Every answer must
 * come within `budgetMs`.
 */
export interface FuzzTarget {
  readonly name: string;
  readonly input: fc.Arbitrary<Uint8Array>;
  readonly check: (bytes: Uint8Array) => string | undefined;
  readonly budgetMs: number;
}

/** A typed error: a tag and a one-line message. */
const typedError = (e: unknown, tagKey: '_tag' | 'tag', tags?: readonly string[]): string | undefined => {
  if (typeof e !== 'object' || e === null) return `error is not an object: ${String(e)}`;
  const tag = (e as Record<string, unknown>)[tagKey];
  if (typeof tag !== 'string' || (tags !== undefined && !tags.includes(tag))) return `error has no known ${tagKey}: ${String(tag)}`;
  const message = (e as { message?: unknown }).message;
  if (message !== undefined && (typeof message !== 'string' || message === '' || message.includes('\n'))) {
    return `error message is not one line: ${JSON.stringify(message)}`;
  }
  return undefined;
};

const wireError = (e: WireError): string | undefined => {
  const text = describeWireError(e);
  return text === '' || text.includes('\n') ? `wire error text is not one line: ${JSON.stringify(text)}` : undefined;
};

/** Splits a stream at up to three points derived from its bytes (deterministic per input). */
const chunked = (bytes: Uint8Array): Uint8Array[] => {
  const cuts = [...new Set([bytes[0] ?? 0, (bytes[1] ?? 0) * 3, 68, 72].map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    out.push(bytes.subarray(at, c));
    at = c;
  }
  out.push(bytes.subarray(at));
  return out;
};

/**
 * Every decoder of untrusted bytes. Adding one (an extension or DHT message, say) is one entry
 * here; `npm run fuzz` and test/fuzz/decoders.fuzz.test.ts pick it up.
 */
export const fuzzTargets: readonly FuzzTarget[] = [
  {
    name: 'bencode',
    input: bencodeInput,
    budgetMs: 200,
    check: (b) => {
      const r = decode(b);
      return E.isLeft(r) ? typedError(r.left, '_tag', ['BencodeError']) : undefined;
    },
  },
  {
    name: 'metainfo',
    input: torrentInput,
    budgetMs: 200,
    check: (b) => {
      const r = parseMetainfo(b);
      return E.isLeft(r) ? typedError(r.left, '_tag', ['MetainfoError']) : undefined;
    },
  },
  {
    name: 'tracker HTTP reply',
    input: trackerReplyInput,
    budgetMs: 200,
    check: (b) => {
      const r = decodeAnnounceBody('http://127.0.0.1/announce', b);
      return E.isLeft(r) ? typedError(r.left, '_tag', ['invalid-reply', 'failure-reason']) : undefined;
    },
  },
  {
    name: 'tracker UDP packet',
    input: udpPacketInput,
    budgetMs: 200,
    check: (b) => {
      for (const family of [4, 6] as const) {
        const r = decodeUdpReply(b, 0x01020304, family);
        // an `error` reply's message is the tracker's own text (made one line where it becomes a
        // TrackerError), so only the tag is checked here
        const tags = ['connect', 'announce', 'error', 'ignore', 'invalid'];
        if (!tags.includes(r._tag)) return `unknown reply tag ${r._tag}`;
        if (r._tag === 'invalid' && (r.reason === '' || r.reason.includes('\n'))) return `reason is not one line: ${r.reason}`;
      }
      return undefined;
    },
  },
  {
    name: 'wire frames',
    input: wireStreamInput,
    budgetMs: 200,
    check: (b) => {
      const hs = decodeHandshake(b.subarray(0, 68));
      if (E.isLeft(hs) && wireError(hs.left) !== undefined) return wireError(hs.left);
      const frame = decodeFrame(b.subarray(68));
      if (E.isLeft(frame) && wireError(frame.left) !== undefined) return wireError(frame.left);
      let problem: string | undefined;
      let ended = false;
      from(chunked(b))
        .pipe(wireFrames({ pieceCount: 100 }))
        .subscribe({
          next: (ev) => {
            if (ended) problem ??= 'event after a protocol error';
            if (ev.kind === 'protocolError') {
              ended = true;
              problem ??= wireError(ev.error);
            }
          },
          error: (e: unknown) => {
            problem ??= `stream errored: ${String(e)}`;
          },
        });
      return problem;
    },
  },
  {
    name: 'DHT KRPC datagram',
    input: bencodeInput,
    budgetMs: 200,
    check: (b) => {
      const r = decodeKrpc(b);
      return E.isLeft(r) ? typedError(r.left, '_tag', ['KrpcDecodeError']) : undefined;
    },
  },
  {
    name: 'extension message (BEP 10 handshake, ut_metadata, ut_pex, lt_donthave)',
    input: bencodeInput,
    budgetMs: 200,
    check: (b) => {
      // the first byte picks the extended id: 0 handshake, 1 ut_metadata, 2 ut_pex, 3 lt_donthave, else unknown
      const r = decodeExtensionMessage((b[0] ?? 0) % 5, b.subarray(1), FUZZ_EXTENSIONS, 1_000);
      return E.isLeft(r) ? typedError(r.left, '_tag', ['ExtensionError']) : undefined;
    },
  },
  ...(['responder', 'initiator'] as const).map(
    (role): FuzzTarget => ({
      name: `MSE ${role} (encrypted handshake)`,
      input: mseStreamInput,
      budgetMs: 200,
      check: (b) => {
        const mse =
          role === 'responder'
            ? new MseResponder({ findInfoHash: () => undefined, allowed: CRYPTO_PLAINTEXT | CRYPTO_RC4 })
            : new MseInitiator({ infoHash: new Uint8Array(20), provide: CRYPTO_PLAINTEXT | CRYPTO_RC4 });
        if (mse instanceof MseInitiator) mse.start();
        let last: E.Either<MseError, unknown> = E.right(undefined);
        for (const c of chunked(b)) last = mse.feed(c);
        if (E.isRight(last)) {
          // random bytes never hold the sync hash/VC: past either bound the answer is an error
          return b.length >= 628 ? `no error after ${b.length} bytes` : undefined;
        }
        const text = describeMseError(last.left);
        return typedError(last.left, 'tag') ?? (text === '' || text.includes('\n') ? `MSE error text is not one line: ${JSON.stringify(text)}` : undefined);
      },
    }),
  ),
];
