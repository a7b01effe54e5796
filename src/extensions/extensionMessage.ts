import * as E from 'fp-ts/lib/Either.js';
import { decodeExtendedHandshake, EXTENDED_HANDSHAKE_ID, UT_METADATA, UT_PEX, type DecodedExtendedHandshake } from './extendedHandshake.js';
import { extensionError, type ExtensionError } from './extensionError.js';
import { MAX_EXTENSION_MESSAGE_BYTES } from './limits.js';
import { decodeUtMetadata, type UtMetadataMessage } from './utMetadata.js';
import { decodeUtPex, type PexMessage } from './utPex.js';

/**
 * The ids we ask peers to use when sending us each extension (our handshake's `m`). Receiving
 * is keyed by these; sending uses the ids the peer gave (see negotiatedIds).
 */
export const OUR_EXTENSION_IDS: Readonly<Record<typeof UT_METADATA | typeof UT_PEX, number>> = { [UT_METADATA]: 1, [UT_PEX]: 2 };

/** A decoded incoming extended message (BEP 10), by extension. */
export type ExtensionMessage =
  | { readonly extension: 'handshake'; readonly handshake: DecodedExtendedHandshake }
  | { readonly extension: typeof UT_METADATA; readonly message: UtMetadataMessage }
  | { readonly extension: typeof UT_PEX; readonly message: PexMessage }
  /** An id we never advertised: ignored (BEP 10), never an error. */
  | { readonly extension: 'unknown'; readonly extendedId: number };

/**
 * Decodes the payload of a wire `{type: 'extended', extendedId, payload}` message sent to us.
 * `enabled` lists the extensions we advertised on this connection (e.g. without ut_pex for a
 * private torrent); a message under any other id is `unknown` and ignored. Every payload is
 * bounded ({@link MAX_EXTENSION_MESSAGE_BYTES} overall, tighter per extension); errors close.
 */
export function decodeExtensionMessage(
  extendedId: number,
  payload: Uint8Array,
  enabled: ReadonlySet<string> = new Set([UT_METADATA, UT_PEX]),
): E.Either<ExtensionError, ExtensionMessage> {
  if (payload.length > MAX_EXTENSION_MESSAGE_BYTES) {
    return E.left(extensionError('too-large', 'extension message', `${payload.length} bytes, over the ${MAX_EXTENSION_MESSAGE_BYTES}-byte limit`));
  }
  if (extendedId === EXTENDED_HANDSHAKE_ID) return E.map((handshake: DecodedExtendedHandshake) => ({ extension: 'handshake' as const, handshake }))(decodeExtendedHandshake(payload));
  if (extendedId === OUR_EXTENSION_IDS[UT_METADATA] && enabled.has(UT_METADATA)) {
    return E.map((message: UtMetadataMessage): ExtensionMessage => ({ extension: UT_METADATA, message }))(decodeUtMetadata(payload));
  }
  if (extendedId === OUR_EXTENSION_IDS[UT_PEX] && enabled.has(UT_PEX)) {
    return E.map((message: PexMessage): ExtensionMessage => ({ extension: UT_PEX, message }))(decodeUtPex(payload));
  }
  return E.right({ extension: 'unknown', extendedId });
}
