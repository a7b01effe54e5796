/**
 * The messages aria2 logged sending to the peer(s) at `ip` (on `port`, or on any port), in
 * order, without the prefix (`--log-level=info` writes one line per message, e.g.
 * `... CUID#13 - To: 127.0.0.1:43951 have none`): `handshake peerId=...`, `have none`,
 * `bitfield ff87...`, `have index=3`, `piece index=5, begin=0, length=16384`.
 */
export function aria2SentMessages(log: string, ip: string, port?: number): string[] {
  const to = new RegExp(` - To: ${ip.replace(/\./g, '\\.')}:${port ?? '\\d+'} (.*)$`);
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const m = to.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

/** Whole-set announcements among `messages`: bitfield, have all, have none (BEP 3, BEP 6). */
export const pieceSetAnnouncements = (messages: readonly string[]): string[] =>
  messages.filter((m) => /^(bitfield|have all|have none)\b/.test(m));

/** Payload bytes aria2 sent in `piece` messages among `messages`. */
export const pieceBytes = (messages: readonly string[]): number =>
  messages.reduce((n, m) => n + Number(/^piece index=\d+, begin=\d+, length=(\d+)/.exec(m)?.[1] ?? 0), 0);
