import type { Metainfo } from '../metainfo/types.js';
import type { MagnetLink } from './magnetLink.js';

/** What {@link formatMagnet} writes; the parsed {@link MagnetLink} fits. */
export interface MagnetFields {
  readonly infoHashHex: string;
  readonly name?: string;
  readonly trackers?: readonly string[];
  readonly webSeeds?: readonly string[];
  readonly peers?: MagnetLink['peers'];
}

/** Lone UTF-16 surrogates become U+FFFD: they have no UTF-8 form, and encodeURIComponent throws on them. */
const wellFormed = (s: string): string => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const enc = (s: string): string => encodeURIComponent(wellFormed(s));

/**
 * Writes a magnet link (BEP 9): `xt=urn:btih:<hex>`, then `dn`, every `tr`, `ws` and `x.pe`,
 * each value percent-encoded so `&`, `#`, `=` and non-ASCII survive the trip. Never throws.
 */
export function formatMagnet(f: MagnetFields): string {
  const parts = [`xt=urn:btih:${f.infoHashHex.toLowerCase()}`];
  if (f.name !== undefined) parts.push(`dn=${enc(f.name)}`);
  for (const t of f.trackers ?? []) parts.push(`tr=${enc(t)}`);
  for (const w of f.webSeeds ?? []) parts.push(`ws=${enc(w)}`);
  for (const p of f.peers ?? []) parts.push(`x.pe=${enc(p.ip.includes(':') ? `[${p.ip}]:${p.port}` : `${p.ip}:${p.port}`)}`);
  return `magnet:?${parts.join('&')}`;
}

/** The magnet link of a torrent: its info hash, name, every tracker (tiers flattened) and web seeds. */
export function magnetLink(m: Metainfo): string {
  return formatMagnet({ infoHashHex: m.infoHashHex, name: m.name, trackers: m.announceList.flat(), webSeeds: m.urlList });
}
