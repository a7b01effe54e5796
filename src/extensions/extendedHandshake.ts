import * as E from 'fp-ts/lib/Either.js';
import * as D from 'io-ts/lib/Decoder.js';
import { pipe } from 'fp-ts/lib/function.js';
import { encode, type BEncodable, type BValue } from '../bencode/index.js';
import { ipFromBytes } from '../peers/ipAddress.js';
import { bdictRecord, bytes, nonNegativeInt, port, text } from '../tracker/client/replyDecoders.js';
import { checkShape, decodePayload } from './bencodedPayload.js';
import type { ExtensionError } from './extensionError.js';
import { MAX_EXTENDED_HANDSHAKE_BYTES } from './limits.js';

/** The extended message id of the handshake itself (BEP 10). */
export const EXTENDED_HANDSHAKE_ID = 0;

/** Extension names statorrent speaks, as they appear in `m` (BEP 9, BEP 11). */
export const UT_METADATA = 'ut_metadata';
export const UT_PEX = 'ut_pex';

/** An extended handshake (BEP 10), sent or received; every field is optional on the wire. */
export interface ExtendedHandshake {
  /**
   * `m`: extension name → the id the *sender* wants to receive it under (1..255).
   * An id of 0 means "disabled" (BEP 10); such entries are kept so a later handshake can turn
   * an extension off.
   */
  readonly m: ReadonlyMap<string, number>;
  /** `v`: client name and version, for display. */
  readonly v?: string;
  /** `p`: the sender's TCP listen port. */
  readonly p?: number;
  /** `reqq`: how many outstanding requests the sender queues; bounds our pipeline to it. */
  readonly reqq?: number;
  /** `yourip`: our address as the sender sees it (IPv4 or IPv6 text). */
  readonly yourip?: string;
  /** `metadata_size`: bytes of the info dictionary (BEP 9); judged later against our bound. */
  readonly metadataSize?: number;
}

/** A received handshake plus the keys that were present but of the wrong type (dropped). */
export interface DecodedExtendedHandshake extends ExtendedHandshake {
  readonly dropped: readonly string[];
}

/** Longest `v` kept (clients send ~20 characters). */
const MAX_CLIENT_NAME = 100;
/** Most entries of `m` kept. */
const MAX_EXTENSIONS = 128;

const extensionId: D.Decoder<unknown, number> = pipe(
  nonNegativeInt,
  D.refine((n): n is number => n <= 255, 'extension id 0..255'),
);
const positiveCount: D.Decoder<unknown, number> = pipe(
  nonNegativeInt,
  D.refine((n): n is number => n >= 1, 'positive integer'),
);
const ipBytes: D.Decoder<unknown, string> = pipe(
  bytes,
  D.refine((b): b is Uint8Array => b.length === 4 || b.length === 16, '4- or 16-byte address'),
  D.map(ipFromBytes),
);

/** Optional fields: a wrong type drops that field, not the handshake (clients vary; BEP 10 is loose). */
const fields = {
  v: text(MAX_CLIENT_NAME),
  p: port,
  reqq: positiveCount,
  yourip: ipBytes,
  metadata_size: nonNegativeInt,
} as const;

/**
 * Decodes an extended handshake payload (BEP 10). Rejected (close the connection) only when
 * it is over {@link MAX_EXTENDED_HANDSHAKE_BYTES}, not bencode within the budget, or not a
 * dictionary. Unknown keys and unknown extension names are ignored; a known key of the wrong
 * type is dropped and named in `dropped`.
 */
export function decodeExtendedHandshake(payload: Uint8Array): E.Either<ExtensionError, DecodedExtendedHandshake> {
  const what = 'extended handshake';
  return E.map((rec: Record<string, BValue>) => {
    const dropped: string[] = [];
    const m = new Map<string, number>();
    const rawM = rec['m'];
    if (rawM !== undefined) {
      const md = checkShape(rawM, what, bdictRecord);
      if (E.isLeft(md)) dropped.push('m');
      else {
        for (const [name, id] of Object.entries(md.right)) {
          const r = extensionId.decode(id);
          if (E.isLeft(r)) dropped.push(`m.${name}`);
          else if (m.size < MAX_EXTENSIONS) m.set(name, r.right);
        }
      }
    }
    const out: { -readonly [K in keyof DecodedExtendedHandshake]?: DecodedExtendedHandshake[K] } = { m, dropped };
    const take = <K extends keyof typeof fields>(key: K): D.TypeOf<(typeof fields)[K]> | undefined => {
      const raw = rec[key];
      if (raw === undefined) return undefined;
      const r = fields[key].decode(raw);
      if (E.isLeft(r)) {
        dropped.push(key);
        return undefined;
      }
      return r.right as D.TypeOf<(typeof fields)[K]>;
    };
    const v = take('v'), p = take('p'), reqq = take('reqq'), yourip = take('yourip'), metadataSize = take('metadata_size');
    if (v !== undefined) out.v = v;
    if (p !== undefined) out.p = p;
    if (reqq !== undefined) out.reqq = reqq;
    if (yourip !== undefined) out.yourip = yourip;
    if (metadataSize !== undefined) out.metadataSize = metadataSize;
    return out as DecodedExtendedHandshake;
  })(decodePayload(payload, MAX_EXTENDED_HANDSHAKE_BYTES, what, bdictRecord));
}

/** What we put in our own extended handshake. */
export interface OurExtendedHandshake {
  /** Extension name → the id we want to receive it under (1..255; 0 disables). */
  readonly m: Readonly<Record<string, number>>;
  readonly v?: string;
  readonly p?: number;
  readonly reqq?: number;
  /** The remote peer's address as we see it: 4 or 16 bytes. */
  readonly yourip?: Uint8Array;
  /** Our info dictionary's size, when we have the metadata (BEP 9). */
  readonly metadataSize?: number;
}

/** Encodes our extended handshake payload (send with extended id {@link EXTENDED_HANDSHAKE_ID}). */
export function encodeExtendedHandshake(h: OurExtendedHandshake): Uint8Array {
  const dict: Record<string, BEncodable | undefined> = {
    m: h.m,
    v: h.v,
    p: h.p,
    reqq: h.reqq,
    yourip: h.yourip,
    metadata_size: h.metadataSize,
  };
  return encode(dict);
}

/**
 * The extension ids negotiated with one peer: the ids *they* asked to receive each extension
 * under (what we put in outgoing messages). A later handshake updates the table (BEP 10: "the
 * handshake may be sent more than once"); id 0 removes an extension.
 */
export function negotiatedIds(previous: ReadonlyMap<string, number>, received: ExtendedHandshake): ReadonlyMap<string, number> {
  const next = new Map(previous);
  for (const [name, id] of received.m) {
    if (id === 0) next.delete(name);
    else next.set(name, id);
  }
  return next;
}

/**
 * How many requests we may keep outstanding with a peer, given its `reqq` (BEP 10: "the number
 * of outstanding request messages this client supports without dropping any"). Without one,
 * `ourDepth` stands; with one, the smaller of the two, and never below 1. The peer machine's
 * pipeline (pipelineDepth) is passed through this.
 */
export function boundByReqq(ourDepth: number, reqq: number | undefined): number {
  return Math.max(1, reqq === undefined ? ourDepth : Math.min(ourDepth, reqq));
}
