import { UT_METADATA, UT_PEX, type OurExtendedHandshake } from './extendedHandshake.js';
import { OUR_EXTENSION_IDS } from './extensionMessage.js';
import { LT_DONTHAVE } from './ltDontHave.js';

/** What decides our extended handshake for one torrent. */
export interface OurHandshakeFacts {
  /** BEP 27: a private torrent neither sends nor takes PEX, so ut_pex is not advertised. */
  readonly private: boolean;
  /** Bytes of our info dictionary, when we have it (BEP 9 `metadata_size`). */
  readonly metadataSize?: number;
  /** Our TCP listen port (`p`). */
  readonly port?: number;
  /** Client name and version (`v`). */
  readonly client?: string;
  /** Requests we queue per peer before refusing (`reqq`). */
  readonly reqq?: number;
  /**
   * The torrent's pieces are known (not a magnet link still fetching its metadata): we take
   * BEP 54 lt_donthave, whose piece index is judged against them.
   */
  readonly knowsPieces?: boolean;
}

/**
 * Our extended handshake (BEP 10) for a torrent: ut_metadata always (every statorrent peer
 * answers metadata requests, BEP 9), ut_pex unless the torrent is private (BEP 27),
 * lt_donthave once the pieces are known (BEP 54).
 */
export function ourExtendedHandshake(f: OurHandshakeFacts): OurExtendedHandshake {
  const m: Record<string, number> = { [UT_METADATA]: OUR_EXTENSION_IDS[UT_METADATA] };
  if (!f.private) m[UT_PEX] = OUR_EXTENSION_IDS[UT_PEX];
  if (f.knowsPieces === true) m[LT_DONTHAVE] = OUR_EXTENSION_IDS[LT_DONTHAVE];
  return {
    m,
    ...(f.client !== undefined ? { v: f.client } : {}),
    ...(f.port !== undefined && f.port > 0 ? { p: f.port } : {}),
    ...(f.reqq !== undefined ? { reqq: f.reqq } : {}),
    ...(f.metadataSize !== undefined ? { metadataSize: f.metadataSize } : {}),
  };
}

/** The extensions a handshake advertises: the ones whose messages we decode. */
export const advertisedExtensions = (h: OurExtendedHandshake): ReadonlySet<string> => new Set(Object.entries(h.m).filter(([, id]) => id > 0).map(([name]) => name));
