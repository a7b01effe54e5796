/**
 * KRPC messages (BEP 5 "KRPC Protocol"): one bencoded dictionary per UDP datagram, `t` the
 * transaction id, `y` the kind (`q` query, `r` response, `e` error). Decoding is bounded (size,
 * depth, item count), validated with io-ts, ignores keys it does not know (BEP 5 asks for that,
 * so that extensions such as BEP 42/43/44 pass through older nodes) and never throws.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as D from 'io-ts/lib/Decoder.js';
import { decode as bdecode, encode as bencode, type BEncodable, type BValue } from '../bencode/index.js';
import { bdictRecord, blist, bytes, drawOneLine } from '../tracker/client/replyDecoders.js';
import { COMPACT_PEER_BYTES, decodeCompactNodes, decodeCompactPeer, encodeCompactNodes, encodeCompactPeer, type Contact, type Endpoint } from './compactInfo.js';
import { ID_BYTES, type NodeId } from './nodeId.js';

/** Largest datagram decoded; real KRPC messages stay well under one Ethernet MTU. */
export const MAX_KRPC_BYTES = 8192;
/** Deepest nesting of a KRPC message (dict → dict → list → string is 3). */
export const MAX_KRPC_DEPTH = 6;
/** Most bencode values in one message (a full `values` list in 8 KiB is ~1,000). */
export const MAX_KRPC_ITEMS = 2048;
/** Longest transaction id accepted: it is echoed back, so it must not grow replies. */
export const MAX_TRANSACTION_BYTES = 16;
/** Longest `token` accepted from another node. */
export const MAX_TOKEN_BYTES = 64;

/** The four BEP 5 queries, plus any other method (answered with error 204). */
export type KrpcQueryBody =
  | { readonly method: 'ping' }
  | { readonly method: 'find_node'; readonly target: NodeId }
  | { readonly method: 'get_peers'; readonly infoHash: NodeId }
  | {
      readonly method: 'announce_peer';
      readonly infoHash: NodeId;
      readonly port: number;
      readonly token: Uint8Array;
      /** BEP 5: use the UDP source port instead of `port` (peers behind NAT / uTP). */
      readonly impliedPort: boolean;
    }
  | { readonly method: 'unknown'; readonly name: string };

/** A query, as sent or received. */
export type KrpcQuery = {
  readonly kind: 'query';
  readonly t: Uint8Array;
  /** The querying node's id. */
  readonly id: NodeId;
  /** BEP 43: the sender is read-only and must not be added to routing tables. */
  readonly readOnly: boolean;
} & KrpcQueryBody;

/** A response; which fields are present depends on the query it answers. */
export interface KrpcResponse {
  readonly kind: 'response';
  readonly t: Uint8Array;
  /** The responding node's id. */
  readonly id: NodeId;
  readonly nodes?: readonly Contact[];
  /** Peers for a `get_peers` (IPv4 entries only; IPv6 ones are skipped). */
  readonly values?: readonly Endpoint[];
  readonly token?: Uint8Array;
  /** BEP 42: our address as the responder saw it. */
  readonly ip?: Endpoint;
}

/** An error message (BEP 5 "Errors": 201 generic, 202 server, 203 protocol, 204 method unknown). */
export interface KrpcErrorReply {
  readonly kind: 'error';
  readonly t: Uint8Array;
  readonly code: number;
  readonly message: string;
}

/** Any KRPC message. */
export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcErrorReply;

/** Why a datagram is not a KRPC message we accept. */
export interface KrpcDecodeError {
  readonly _tag: 'KrpcDecodeError';
  readonly code: 'too-large' | 'bencode' | 'schema';
  readonly message: string;
}

const fail = (code: KrpcDecodeError['code'], message: string): E.Either<KrpcDecodeError, never> =>
  E.left({ _tag: 'KrpcDecodeError', code, message: `krpc: ${message}` });

const bytesBetween = (min: number, max: number, what: string): D.Decoder<unknown, Uint8Array> =>
  D.refine((b: Uint8Array): b is Uint8Array => b.length >= min && b.length <= max, what)(bytes);
const nodeId = bytesBetween(ID_BYTES, ID_BYTES, '20-byte id');
const ascii = (max: number): D.Decoder<unknown, string> =>
  D.map((b: Uint8Array) => String.fromCharCode(...b))(bytesBetween(1, max, `string of 1..${max} bytes`));
const int: D.Decoder<unknown, number> = D.fromRefinement((u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u), 'integer');
const flag: D.Decoder<unknown, boolean> = D.map((n: number) => n !== 0)(int);
const port: D.Decoder<unknown, number> = D.refine((n: number): n is number => n >= 0 && n <= 65535, 'port 0..65535')(int);

const tid = bytesBetween(0, MAX_TRANSACTION_BYTES, `transaction id of at most ${MAX_TRANSACTION_BYTES} bytes`);
const token = bytesBetween(0, MAX_TOKEN_BYTES, `token of at most ${MAX_TOKEN_BYTES} bytes`);
const kind = ascii(1);
const dict = <A>(d: D.Decoder<unknown, A>): D.Decoder<unknown, A> => pipe(bdictRecord, D.compose(d));
/** One decoder per whole message, chosen by `y` (and `q`), so each datagram is walked once. */
const query = <A>(args: D.Decoder<unknown, A>) =>
  dict(D.struct({ t: tid, y: kind, a: dict(pipe(D.struct({ id: nodeId }), D.intersect(D.partial({ ro: flag })), D.intersect(args))) }));
const pingQuery = query(D.struct({}));
const findNodeQuery = query(D.struct({ target: nodeId }));
const getPeersQuery = query(D.struct({ info_hash: nodeId }));
const announceQuery = query(pipe(D.struct({ info_hash: nodeId, port, token }), D.intersect(D.partial({ implied_port: flag }))));
const unknownQuery = dict(D.struct({ t: tid, y: kind, q: ascii(64), a: dict(pipe(D.struct({ id: nodeId }), D.intersect(D.partial({ ro: flag })))) }));
const compactNodes: D.Decoder<unknown, Contact[]> = D.parse((b: Uint8Array) => {
  const c = decodeCompactNodes(b);
  return c === undefined ? D.failure(b, 'compact node info (a multiple of 26 bytes)') : D.success(c);
})(bytes);
/** Liberal: IPv6 (18-byte) and odd entries in `values` are skipped, not fatal. */
const peerValues: D.Decoder<unknown, Endpoint[]> = D.map((list: BValue[]) =>
  list.flatMap((v) => (v instanceof Uint8Array && v.length === COMPACT_PEER_BYTES ? [decodeCompactPeer(v)] : [])).filter((e) => e.port !== 0),
)(blist);
const responseMessage = dict(
  pipe(
    D.struct({ t: tid, y: kind, r: dict(pipe(D.struct({ id: nodeId }), D.intersect(D.partial({ nodes: compactNodes, values: peerValues, token })))) }),
    D.intersect(D.partial({ ip: bytes })),
  ),
);
const errorMessage = dict(D.struct({ t: tid, y: kind, e: blist }));

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes one datagram. Unknown keys are ignored; anything malformed is a typed error. */
export function decodeKrpc(datagram: Uint8Array): E.Either<KrpcDecodeError, KrpcMessage> {
  if (datagram.length > MAX_KRPC_BYTES) return fail('too-large', `datagram of ${datagram.length} bytes (at most ${MAX_KRPC_BYTES})`);
  const b = bdecode(datagram, { maxDepth: MAX_KRPC_DEPTH, maxItems: MAX_KRPC_ITEMS });
  if (E.isLeft(b)) return fail('bencode', b.left.message);
  const schema = <A>(r: E.Either<D.DecodeError, A>): E.Either<KrpcDecodeError, A> =>
    E.isLeft(r) ? fail('schema', drawOneLine(r.left).replace(/^reply/, 'message')) : E.right(r.right);
  const m = b.right;
  // Dispatch on `y` and `q` by a peek; the chosen decoder then validates the whole message.
  const y = m instanceof Map ? m.get('y') : undefined;
  const y0 = y instanceof Uint8Array && y.length === 1 ? String.fromCharCode(y[0]!) : '';
  if (y0 === 'q') return decodeQuery(m, schema);
  if (y0 === 'r') {
    const r = schema(responseMessage.decode(m));
    if (E.isLeft(r)) return r;
    const { t, r: body, ip } = r.right;
    return E.right({
      kind: 'response',
      t,
      id: body.id,
      ...(body.nodes === undefined ? {} : { nodes: body.nodes }),
      ...(body.values === undefined ? {} : { values: body.values }),
      ...(body.token === undefined ? {} : { token: body.token }),
      ...(ip !== undefined && ip.length === COMPACT_PEER_BYTES ? { ip: decodeCompactPeer(ip) } : {}),
    });
  }
  if (y0 === 'e') {
    const r = schema(errorMessage.decode(m));
    if (E.isLeft(r)) return r;
    const [code, message] = r.right.e;
    return E.right({
      kind: 'error',
      t: r.right.t,
      code: typeof code === 'number' ? code : 0,
      message: message instanceof Uint8Array ? utf8.decode(message.subarray(0, 200)) : '',
    });
  }
  if (!(m instanceof Map)) return fail('schema', 'message: expected dictionary');
  return fail('schema', y === undefined ? 'missing y' : 'y: expected "q", "r" or "e"');
}

function decodeQuery(
  m: BValue,
  schema: <A>(r: E.Either<D.DecodeError, A>) => E.Either<KrpcDecodeError, A>,
): E.Either<KrpcDecodeError, KrpcQuery> {
  const q = (m as Map<string, BValue>).get('q');
  const name = q instanceof Uint8Array && q.length <= 64 ? String.fromCharCode(...q) : '';
  const base = (x: { t: Uint8Array; a: { id: NodeId; ro?: boolean } }) => ({ kind: 'query' as const, t: x.t, id: x.a.id, readOnly: x.a.ro ?? false });
  switch (name) {
    case 'ping':
      return E.map((x: { t: Uint8Array; a: { id: NodeId; ro?: boolean } }) => ({ ...base(x), method: 'ping' as const }))(schema(pingQuery.decode(m)));
    case 'find_node':
      return E.map((x: { t: Uint8Array; a: { id: NodeId; ro?: boolean; target: NodeId } }) => ({ ...base(x), method: 'find_node' as const, target: x.a.target }))(schema(findNodeQuery.decode(m)));
    case 'get_peers':
      return E.map((x: { t: Uint8Array; a: { id: NodeId; ro?: boolean; info_hash: NodeId } }) => ({ ...base(x), method: 'get_peers' as const, infoHash: x.a.info_hash }))(schema(getPeersQuery.decode(m)));
    case 'announce_peer':
      return E.map((x: { t: Uint8Array; a: { id: NodeId; ro?: boolean; info_hash: NodeId; port: number; token: Uint8Array; implied_port?: boolean } }) => ({
        ...base(x),
        method: 'announce_peer' as const,
        infoHash: x.a.info_hash,
        port: x.a.port,
        token: x.a.token,
        impliedPort: x.a.implied_port ?? false,
      }))(schema(announceQuery.decode(m)));
    default:
      return E.map((x: { t: Uint8Array; q: string; a: { id: NodeId; ro?: boolean } }) => ({ ...base(x), method: 'unknown' as const, name: x.q }))(schema(unknownQuery.decode(m)));
  }
}

/** Our client/version tag in `v` (BEP 5: two letters of client id + two of version). */
export const KRPC_VERSION = Uint8Array.from([0x53, 0x54, 0x00, 0x01]); // "ST" 0.1

/** Encodes a query (an `unknown` method cannot be sent). */
export function encodeQuery(q: KrpcQuery): Uint8Array {
  const a: Record<string, BEncodable> = { id: q.id };
  let name: string;
  switch (q.method) {
    case 'ping':
      name = 'ping';
      break;
    case 'find_node':
      name = 'find_node';
      a['target'] = q.target;
      break;
    case 'get_peers':
      name = 'get_peers';
      a['info_hash'] = q.infoHash;
      break;
    case 'announce_peer':
      name = 'announce_peer';
      a['info_hash'] = q.infoHash;
      a['port'] = q.port;
      a['token'] = q.token;
      if (q.impliedPort) a['implied_port'] = 1;
      break;
    case 'unknown':
      throw new RangeError('krpc: cannot encode a query of unknown method');
  }
  if (q.readOnly) a['ro'] = 1;
  return bencode({ t: q.t, y: 'q', q: name, a, v: KRPC_VERSION });
}

/** Encodes a response. */
export function encodeResponse(r: Omit<KrpcResponse, 'kind'>): Uint8Array {
  const body: Record<string, BEncodable> = { id: r.id };
  if (r.nodes !== undefined) body['nodes'] = encodeCompactNodes(r.nodes);
  if (r.values !== undefined) body['values'] = r.values.flatMap((v) => { const c = encodeCompactPeer(v); return c === undefined ? [] : [c]; });
  if (r.token !== undefined) body['token'] = r.token;
  const ip = r.ip === undefined ? undefined : encodeCompactPeer(r.ip);
  return bencode({ t: r.t, y: 'r', r: body, ...(ip === undefined ? {} : { ip }), v: KRPC_VERSION });
}

/** Encodes an error reply. */
export function encodeError(e: Omit<KrpcErrorReply, 'kind'>): Uint8Array {
  return bencode({ t: e.t, y: 'e', e: [e.code, e.message], v: KRPC_VERSION });
}
