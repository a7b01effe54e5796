/**
 * The 8 reserved handshake bytes announce extensions. Bits are named by the BEPs; each
 * helper reads or sets exactly one bit so call sites never hard-code masks.
 */

/** Number of reserved bytes in the handshake (BEP 3). */
export const RESERVED_LENGTH = 8;

const EXTENSION_PROTOCOL = { byte: 5, mask: 0x10 } as const; // BEP 10: 20th bit from the right
const FAST_EXTENSION = { byte: 7, mask: 0x04 } as const; // BEP 6
const DHT = { byte: 7, mask: 0x01 } as const; // BEP 5

type Bit = { readonly byte: number; readonly mask: number };

const isSet = (reserved: Uint8Array, bit: Bit): boolean => ((reserved[bit.byte] ?? 0) & bit.mask) !== 0;

const withBit = (reserved: Uint8Array, bit: Bit, on: boolean): Uint8Array => {
  const out = Uint8Array.from(reserved);
  const cur = out[bit.byte] ?? 0;
  out[bit.byte] = on ? cur | bit.mask : cur & ~bit.mask;
  return out;
};

/** True when the peer supports the extension protocol (BEP 10). */
export const supportsExtensionProtocol = (reserved: Uint8Array): boolean => isSet(reserved, EXTENSION_PROTOCOL);
/** True when the peer supports the fast extension (BEP 6). */
export const supportsFastExtension = (reserved: Uint8Array): boolean => isSet(reserved, FAST_EXTENSION);
/** True when the peer runs a DHT node and may send `port` (BEP 5). */
export const supportsDht = (reserved: Uint8Array): boolean => isSet(reserved, DHT);

/** A copy of `reserved` with the extension protocol bit (BEP 10) set or cleared. */
export const setExtensionProtocol = (reserved: Uint8Array, on = true): Uint8Array =>
  withBit(reserved, EXTENSION_PROTOCOL, on);
/** A copy of `reserved` with the fast extension bit (BEP 6) set or cleared. */
export const setFastExtension = (reserved: Uint8Array, on = true): Uint8Array => withBit(reserved, FAST_EXTENSION, on);
/** A copy of `reserved` with the DHT bit (BEP 5) set or cleared. */
export const setDht = (reserved: Uint8Array, on = true): Uint8Array => withBit(reserved, DHT, on);

/** Eight zero bytes: no extension announced. */
export const emptyReserved = (): Uint8Array => new Uint8Array(RESERVED_LENGTH);

/**
 * What statorrent announces: the fast extension (BEP 6) and the extension protocol (BEP 10);
 * the peer machine sends an extended handshake whenever both sides set the BEP 10 bit.
 */
export const ourReserved = (): Uint8Array => setExtensionProtocol(setFastExtension(emptyReserved()));

/** True when both sides announced the fast extension, so BEP 6 messages are legal. */
export const fastNegotiated = (ours: Uint8Array, theirs: Uint8Array): boolean =>
  supportsFastExtension(ours) && supportsFastExtension(theirs);
