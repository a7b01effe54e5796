import { formatBytes } from '../text/formatBytes.js';
import { terminalText } from '../text/terminalText.js';
import type { PeerSummary, TraceSummary } from './traceSummary.js';

const ms = (t: number | null): string => (t === null ? '-' : `${t < 10_000 ? t.toFixed(1) : Math.round(t)} ms`);

const times = (list: readonly number[], total: number): string => {
  if (total === 0) return 'never';
  const shown = list.slice(0, 5).map((t) => ms(t)).join(', ');
  return total > 5 ? `${shown} (+${total - 5} more)` : shown;
};

/** When 25/50/75/100 % of this run's verified pieces were done. */
const progressMarks = (verifiedAt: readonly number[]): string[] => {
  const n = verifiedAt.length;
  if (n === 0) return [];
  const marks = new Set([Math.ceil(n / 4), Math.ceil(n / 2), Math.ceil((3 * n) / 4), n]);
  return [...marks].filter((k) => k > 0).map((k) => `${String(k).padStart(6)} at ${ms(verifiedAt[k - 1]!)}`);
};

const peerLines = (p: PeerSummary): string[] => {
  const who = [terminalText(p.id), p.client !== null ? terminalText(p.client) : 'client unknown', p.outgoing === null ? '' : p.outgoing ? 'outgoing' : 'incoming']
    .filter((s) => s !== '')
    .join('  ');
  return [
    `  ${who}`,
    `    spawned ${ms(p.spawnedAt)}, connected ${ms(p.connectedAt)}, handshake ${ms(p.handshakeAt)}`,
    `    unchoked us: ${times(p.unchokedUsAt, p.unchokes)}; choked us: ${times(p.chokedUsAt, p.chokes)}`,
    `    gave us ${p.blocksIn} blocks (${formatBytes(p.bytesIn)}) for ${p.requestsOut} requests${p.rejectsIn > 0 ? `, rejected ${p.rejectsIn}` : ''}`,
    `    took ${p.blocksOut} blocks (${formatBytes(p.bytesOut)}) of ${p.requestsIn} requests`,
    `    ${p.closedAt === null ? 'still open at the end of the trace' : `closed ${ms(p.closedAt)}: ${terminalText(p.closeReason ?? '')}`}`,
  ];
};

/** The summary as text for a terminal (everything from the file passes through terminalText). */
export function summaryText(s: TraceSummary): string {
  const title = [s.name !== null ? terminalText(s.name) : null, s.infoHash !== null ? terminalText(s.infoHash) : null].filter((x) => x !== null).join(' ');
  const out: string[] = [
    `trace${title !== '' ? ` of ${title}` : ''}: started ${terminalText(s.startedAt)}, ${ms(s.durationMs)}, ${s.lines} lines${s.complete ? '' : ' (no end line: the recorder was not closed)'}`,
  ];
  if (s.droppedLines > 0) out.push(`warning: ${s.droppedLines} lines were dropped while recording (disk too slow)`);
  out.push('torrent', '  states:');
  for (const { t, state } of s.torrent.states) out.push(`    ${ms(t).padStart(10)}  ${terminalText(state)}`);
  if (s.torrent.states.length === 0) out.push('    (no torrent machine in this trace)');
  const start = s.torrent.verifiedAtStart;
  out.push(`  pieces verified in this run: ${s.torrent.verifiedAt.length}${start !== null ? ` (${start} already on disk)` : ''}`);
  out.push(...progressMarks(s.torrent.verifiedAt).map((l) => `  ${l}`));
  out.push(s.torrent.announces.length === 0 ? '  tracker announces: none' : '  tracker announces:');
  for (const a of s.torrent.announces) {
    const what =
      a.phase === 'request'
        ? `request (${terminalText(a.event)})`
        : a.phase === 'reply'
          ? `reply to ${terminalText(a.event)}: ${a.peers ?? 0} peers${a.interval !== undefined ? `, interval ${a.interval} s` : ''}${a.seeders !== undefined ? `, ${a.seeders} seeders` : ''}${a.leechers !== undefined ? `, ${a.leechers} leechers` : ''}`
          : `error on ${terminalText(a.event)}: ${terminalText(a.message ?? '')}`;
    out.push(`    ${ms(a.t).padStart(10)}  ${what}`);
  }
  out.push(`peers (${s.peers.length})`);
  for (const p of s.peers) out.push(...peerLines(p));
  return `${out.join('\n')}\n`;
}
