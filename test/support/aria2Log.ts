/**
 * The messages aria2 logged sending to one peer (`--log-level=info` writes one line per message,
 * e.g. `... CUID#13 - To: 127.0.0.1:43951 have none`), in order, without the prefix:
 * `handshake peerId=...`, `have none`, `bitfield ff87...`, `have index=3`, `request index=...`.
 */
export function aria2SentMessages(log: string, endpoint: string): string[] {
  const marker = ` - To: ${endpoint} `;
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const at = line.indexOf(marker);
    if (at >= 0) out.push(line.slice(at + marker.length).trim());
  }
  return out;
}

/** Whole-set announcements among `messages`: bitfield, have all, have none (BEP 3, BEP 6). */
export const pieceSetAnnouncements = (messages: readonly string[]): string[] =>
  messages.filter((m) => /^(bitfield|have all|have none)\b/.test(m));
