/**
 * What a DHT node keeps across restarts: its id (other nodes' tables know it under that id) and
 * the nodes that were good, so the next start asks them instead of the bootstrap routers.
 * A bencoded dictionary `{id, nodes (compact node info), v}`; decoding is bounded and typed,
 * and a bad file is an error the caller reports before starting afresh.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as D from 'io-ts/lib/Decoder.js';
import { decode, encode } from '../bencode/index.js';
import { bdictRecord, bytes, drawOneLine } from '../tracker/client/replyDecoders.js';
import { COMPACT_NODE_BYTES, decodeCompactNodes, encodeCompactNodes, type Contact } from './compactInfo.js';
import { ID_BYTES, type NodeId } from './nodeId.js';

/** Most nodes saved (a full table near our id holds far fewer). */
export const MAX_SAVED_NODES = 1000;
const FORMAT_VERSION = 1;

/** The saved state. */
export interface DhtState {
  readonly id: NodeId;
  readonly nodes: readonly Contact[];
}

/** Encodes the state file. */
export function encodeDhtState(s: DhtState): Uint8Array {
  return encode({ id: s.id, nodes: encodeCompactNodes(s.nodes.slice(0, MAX_SAVED_NODES)), v: FORMAT_VERSION });
}

const schema = pipe(
  bdictRecord,
  D.compose(
    D.struct({
      id: D.refine((b: Uint8Array): b is Uint8Array => b.length === ID_BYTES, '20-byte node id')(bytes),
      nodes: D.refine((b: Uint8Array): b is Uint8Array => b.length % COMPACT_NODE_BYTES === 0 && b.length <= MAX_SAVED_NODES * COMPACT_NODE_BYTES, 'compact node info')(bytes),
      v: D.literal(FORMAT_VERSION),
    }),
  ),
);

/** Decodes a state file; the error is one line. */
export function decodeDhtState(b: Uint8Array): E.Either<string, DhtState> {
  if (b.length > 64 + MAX_SAVED_NODES * COMPACT_NODE_BYTES) return E.left(`DHT state file of ${b.length} bytes is too large`);
  const v = decode(b, { maxDepth: 4, maxItems: 16 });
  if (E.isLeft(v)) return E.left(`DHT state file is not bencode: ${v.left.message}`);
  const s = schema.decode(v.right);
  if (E.isLeft(s)) return E.left(`DHT state file: ${drawOneLine(s.left)}`);
  return E.right({ id: s.right.id, nodes: decodeCompactNodes(s.right.nodes) ?? [] });
}
