/**
 * statorrent: the library entry point.
 * @packageDocumentation
 */
export * from './bencode/index.js';
export type { Metainfo, FileEntry } from './metainfo/types.js';
