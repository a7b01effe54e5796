/** Magnet links (BEP 9): parsing, formatting, and turning fetched metadata into a torrent. */
export * from './magnetLink.js';
export { parseMagnet, isMagnet } from './parseMagnet.js';
export { formatMagnet, magnetLink, type MagnetFields } from './formatMagnet.js';
export { base32Decode, base32Encode } from './base32.js';
export { metainfoFromMetadata } from './metainfoFromMetadata.js';
