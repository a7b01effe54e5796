import type { TorrentProgress } from '../session/types.js';
import { formatBytes } from '../text/formatBytes.js';
import { formatDuration } from './formatDuration.js';

const rate = (bytesPerSecond: number): string => `${formatBytes(Math.round(bytesPerSecond))}/s`;
const percentOf = (done: number, total: number): number => (total > 0 ? Math.min(100, (done / total) * 100) : 100);

function bar(fraction: number, width: number): string {
  const w = Math.max(5, width);
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * w);
  return `[${'#'.repeat(filled)}${'.'.repeat(w - filled)}]`;
}

/**
 * One status line for a torrent, fitted to `width` columns (the bar shrinks first):
 * - checking:    `checking    [###.....]  37.5%  150/400 pieces`
 * - downloading: `downloading [###.....]  37.5%  10.2 MiB / 27.3 MiB  down 5.10 MiB/s  up 0 B/s  peers 3  ETA 4s`
 * - seeding:     `seeding     27.3 MiB  up 1.20 MiB/s  uploaded 54.6 MiB  peers 2`
 * Pure, so the display logic is testable without a terminal.
 */
export function renderTransferLine(p: TorrentProgress, width = 80, label?: string): string {
  const prefix = label === undefined ? '' : `${label} `;
  if (p.state === 'fetchingMetadata') {
    const m = p.metadata ?? { received: 0, total: 0 };
    const tail = m.total === 0 ? `  waiting for a peer with the metadata  peers ${p.peers}` : `  ${m.received}/${m.total} metadata pieces  peers ${p.peers}`;
    return fit(`${prefix}metadata    `, m.total === 0 ? 0 : m.received / m.total, tail, width);
  }
  if (p.state === 'checking') {
    const pct = percentOf(p.checkedPieces, p.pieceCount);
    const tail = `  ${pct.toFixed(1).padStart(5)}%  ${p.checkedPieces}/${p.pieceCount} pieces`;
    return fit(`${prefix}checking    `, pct / 100, tail, width);
  }
  if (p.state === 'seeding') {
    return `${prefix}seeding     ${formatBytes(p.totalBytes)}  up ${rate(p.uploadRate)}  uploaded ${formatBytes(p.uploaded)}  peers ${p.peers}`.slice(0, width);
  }
  const pct = percentOf(p.verifiedBytes, p.totalBytes);
  const eta = p.etaSeconds === undefined ? '' : `  ETA ${formatDuration(p.etaSeconds)}`;
  const tail = `  ${pct.toFixed(1).padStart(5)}%  ${formatBytes(p.verifiedBytes)} / ${formatBytes(p.totalBytes)}  down ${rate(p.downloadRate)}  up ${rate(p.uploadRate)}  peers ${p.peers}${eta}`;
  return fit(`${prefix}${p.state.padEnd(11)} `, pct / 100, tail, width);
}

/**
 * Head + bar + tail in `width` columns: the bar gets what is left (5 to 30 cells), and a line
 * still too long is cut, since a wrapped line breaks the in-place redraw.
 */
function fit(head: string, fraction: number, tail: string, width: number): string {
  const barWidth = Math.min(30, width - head.length - tail.length - 2);
  return `${head}${bar(fraction, barWidth)}${tail}`.slice(0, width);
}

/** Whole percent of verified bytes, for plain-text milestones. */
export function verifiedPercent(p: TorrentProgress): number {
  return Math.floor(percentOf(p.verifiedBytes, p.totalBytes));
}
