import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { parseWhitelist, startTracker, type TrackerStats } from '../tracker/server/index.js';

/** Where the command writes and what makes it stop; injectable so tests need no real signals. */
export interface TrackerCommandIo {
  readonly out: { write(s: string): unknown; readonly isTTY?: boolean };
  readonly err: { write(s: string): unknown };
  /** Resolves when the tracker should stop; default: the first SIGINT or SIGTERM. */
  readonly stop?: Promise<unknown>;
  /** Ms between live status lines; default 1000. */
  readonly statusEveryMs?: number;
}

const USAGE = `usage: statorrent tracker [--port P] [--host 127.0.0.1] [--interval S] [--whitelist FILE]
  --port P          TCP (HTTP) and UDP port, 0 picks a free one (default 6969)
  --host ADDR       IP address to listen on (default 127.0.0.1)
  --interval S      announce interval told to clients, seconds (default 1800)
  --whitelist FILE  serve only the info hashes listed (40 hex digits per line)
`;

/**
 * `statorrent tracker`: runs the HTTP and UDP tracker until SIGINT/SIGTERM, printing the announce
 * URLs and a live status line. Exit codes: 0 after a clean stop, 2 for usage errors, 1 for runtime
 * failures (port in use, unreadable whitelist), each with a one-line message.
 */
export async function runTrackerCommand(argv: string[], io: TrackerCommandIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const usage = (msg: string): number => {
    io.err.write(`statorrent tracker: ${msg}\n${USAGE}`);
    return 2;
  };
  let values: { port?: string; host?: string; interval?: string; whitelist?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, interval: { type: 'string' }, whitelist: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  if (values.help === true) {
    io.out.write(USAGE);
    return 0;
  }
  const port = intArg(values.port ?? '6969', 0, 65535);
  if (port === undefined) return usage('--port must be an integer in 0..65535');
  const interval = intArg(values.interval ?? '1800', 1, 86_400);
  if (interval === undefined) return usage('--interval must be a number of seconds in 1..86400');
  const host = values.host ?? '127.0.0.1';
  if (isIP(host) === 0) return usage('--host must be an IP address');

  let whitelist: ReadonlySet<string> | undefined;
  if (values.whitelist !== undefined) {
    let text: string;
    try {
      text = await readFile(values.whitelist, 'utf8');
    } catch (e) {
      io.err.write(`statorrent tracker: cannot read whitelist ${values.whitelist}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 1;
    }
    const parsed = parseWhitelist(text);
    if (E.isLeft(parsed)) {
      io.err.write(`statorrent tracker: ${values.whitelist}: ${parsed.left}\n`);
      return 1;
    }
    whitelist = parsed.right;
  }

  let server;
  try {
    server = await startTracker({ host, httpPort: port, udpPort: port, interval, ...(whitelist === undefined ? {} : { whitelist }) });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use on ${host}` : code === 'EADDRNOTAVAIL' ? `address ${host} is not available on this machine` : code === 'EACCES' ? `no permission to listen on port ${port}` : e instanceof Error ? e.message : String(e);
    io.err.write(`statorrent tracker: ${why}\n`);
    return 1;
  }
  // With --port 0 the two sockets get different free ports; both URLs say which.
  io.out.write(`tracker ready${whitelist === undefined ? '' : ` (${whitelist.size} whitelisted torrents)`}\n  http: ${server.httpAnnounceUrl ?? '-'}\n  udp:  ${server.udpAnnounceUrl ?? '-'}\n`);

  const tty = io.out.isTTY === true;
  let last = '';
  const render = (): void => {
    const line = statusLine(server.stats());
    if (line === last) return;
    last = line;
    io.out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  const timer = setInterval(render, io.statusEveryMs ?? 1000);
  await (io.stop ?? firstSignal());
  clearInterval(timer);
  await server.close();
  render();
  io.out.write(`${tty ? '\n' : ''}tracker stopped\n`);
  return 0;
}

/** One status line: what the live display shows. */
export function statusLine(s: TrackerStats): string {
  return `torrents ${s.torrents}  peers ${s.peers} (${s.seeders} seeding, ${s.leechers} leeching)  announces ${s.announces}  scrapes ${s.scrapes}  rejected ${s.rejected}`;
}

function intArg(s: string, min: number, max: number): number | undefined {
  if (!/^[0-9]{1,6}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min && n <= max ? n : undefined;
}

function firstSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
