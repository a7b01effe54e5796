import { magnetLink } from '../magnet/formatMagnet.js';
import type { Metainfo } from '../metainfo/types.js';
import { formatBytes } from '../text/formatBytes.js';
import { terminalText } from '../text/terminalText.js';

/** The `statorrent info --json` document: stable field names for scripts. */
export interface MetainfoJson {
  readonly name: string;
  readonly infoHash: string;
  readonly private: boolean;
  readonly multiFile: boolean;
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly totalLength: number;
  readonly announceList: readonly (readonly string[])[];
  readonly urlList: readonly string[];
  readonly comment: string | null;
  readonly createdBy: string | null;
  /** Seconds since the Unix epoch. */
  readonly creationDate: number | null;
  readonly files: readonly { readonly path: readonly string[]; readonly length: number; readonly offset: number; readonly padding: boolean }[];
  /** The torrent's magnet link (BEP 9): info hash, name, trackers, web seeds. */
  readonly magnet: string;
}

/** Metainfo as the `--json` document. */
export function metainfoJson(m: Metainfo): MetainfoJson {
  return {
    name: m.name,
    infoHash: m.infoHashHex,
    private: m.private,
    multiFile: m.multiFile,
    pieceLength: m.pieceLength,
    pieceCount: m.pieceCount,
    totalLength: m.totalLength,
    announceList: m.announceList,
    urlList: m.urlList,
    comment: m.comment ?? null,
    createdBy: m.createdBy ?? null,
    creationDate: m.creationDate ?? null,
    files: m.files.map((f) => ({ path: f.path, length: f.length, offset: f.offset, padding: f.padding })),
    magnet: magnetLink(m),
  };
}

const field = (label: string, value: string): string => `${`${label}:`.padEnd(15)}${value}`;
const continuation = (value: string): string => `${' '.repeat(15)}${value}`;

/** Metainfo as text for people, one field per line, then the file list. */
export function metainfoText(m: Metainfo): string {
  const lines: string[] = [];
  lines.push(field('name', terminalText(m.name)));
  lines.push(field('info hash', m.infoHashHex));
  lines.push(field('magnet', terminalText(magnetLink(m))));
  lines.push(field('private', m.private ? 'yes (BEP 27: trackers only, no DHT/PEX)' : 'no'));
  if (m.announceList.length === 0) lines.push(field('trackers', 'none'));
  m.announceList.forEach((tier, i) => {
    const text = `tier ${i + 1}: ${tier.map(terminalText).join(', ')}`;
    lines.push(i === 0 ? field('trackers', text) : continuation(text));
  });
  m.urlList.forEach((u, i) => lines.push(i === 0 ? field('web seeds', terminalText(u)) : continuation(terminalText(u))));
  lines.push(field('piece length', `${formatBytes(m.pieceLength)} (${m.pieceLength} bytes)`));
  lines.push(field('pieces', String(m.pieceCount)));
  lines.push(field('total size', `${formatBytes(m.totalLength)} (${m.totalLength} bytes)`));
  if (m.createdBy !== undefined) lines.push(field('created by', terminalText(m.createdBy)));
  if (m.creationDate !== undefined) lines.push(field('created on', creationDateText(m.creationDate)));
  if (m.comment !== undefined) lines.push(field('comment', terminalText(m.comment)));
  const real = m.files.filter((f) => !f.padding);
  const pads = m.files.length - real.length;
  lines.push(`files (${real.length}${pads > 0 ? `, plus ${pads} padding` : ''}):`);
  for (const f of real) lines.push(`  ${formatBytes(f.length).padStart(10)}  ${f.path.map(terminalText).join('/')}`);
  return `${lines.join('\n')}\n`;
}

function creationDateText(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace(/\.000Z$/, 'Z');
}
