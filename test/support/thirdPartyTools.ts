import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Drives the real third-party BitTorrent tools the interop tests compare against (Debian
 * packages installed by scripts/setup.sh): mktorrent, transmission-create, transmission-show and
 * python3-libtorrent. Each run is bounded by a timeout and killed if it overruns.
 */

/** Debian's python has the python3-libtorrent module; a python from PATH may not. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion; rejects if it cannot start, fails, or outlives `timeoutMs`. */
export function runTool(cmd: string, args: readonly string[], options: { timeoutMs?: number; cwd?: string; allowFailure?: boolean } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `${cmd} is not installed (run scripts/setup.sh)` : `${cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`${cmd} ${args.join(' ')}: timed out`));
      if (code !== 0 && options.allowFailure !== true) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`));
      resolve({ code, stdout, stderr });
    });
  });
}

/** mktorrent (v1): `pieceLengthLog2` is its `-l` (piece length 2^n). */
export async function mktorrent(target: string, out: string, options: { announce: string; pieceLengthLog2?: number; private?: boolean }): Promise<void> {
  await runTool('mktorrent', [
    '-a', options.announce,
    '-l', String(options.pieceLengthLog2 ?? 15),
    ...(options.private === true ? ['-p'] : []),
    '-o', out,
    target,
  ]);
}

/** transmission-create; note it leaves zero-length files out of the torrent. */
export async function transmissionCreate(target: string, out: string, options: { tracker: string; pieceKiB?: number }): Promise<void> {
  await runTool('transmission-create', [
    '-o', out,
    '-t', options.tracker,
    ...(options.pieceKiB === undefined ? [] : ['-s', String(options.pieceKiB)]),
    target,
  ]);
}

/** The info hash transmission-show reports (it exits non-zero on torrents it rejects). */
export async function transmissionShowInfoHash(torrent: string): Promise<string> {
  const r = await runTool('transmission-show', [torrent]);
  const m = /^\s*Hash: ([0-9a-f]{40})$/m.exec(r.stdout);
  if (m === null) throw new Error(`transmission-show printed no hash for ${torrent}: ${r.stdout.slice(0, 300)}`);
  return m[1]!;
}

/** What libtorrent made of a torrent after checking the data under `savePath`. */
export interface LibtorrentCheck {
  readonly checked: boolean;
  readonly infoHash: string;
  readonly numPieces: number;
  /** Pieces whose data on disk matched their hash. */
  readonly have: number;
  readonly name: string;
  readonly files: readonly string[];
}

// Loads the torrent (libtorrent throws on any malformed field), adds it with the data's parent
// folder as save_path, and waits for torrent_checked_alert (an event, with a deadline) before
// reporting how many pieces verified. Loopback only; DHT/LSD/UPnP/NAT-PMP off.
const CHECK_SCRIPT = `
import sys, json, time
import libtorrent as lt
ti = lt.torrent_info(sys.argv[1])
s = lt.session({'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
                'listen_interfaces': '127.0.0.1:0',
                'alert_mask': lt.alert_category.status | lt.alert_category.error | lt.alert_category.storage})
h = s.add_torrent({'ti': ti, 'save_path': sys.argv[2]})
deadline = time.monotonic() + float(sys.argv[3])
checked = False
while not checked and time.monotonic() < deadline:
    s.wait_for_alert(500)
    for a in s.pop_alerts():
        if isinstance(a, lt.torrent_checked_alert):
            checked = True
        elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
            print(a.message(), file=sys.stderr)
            sys.exit(3)
st = h.status()
print(json.dumps({'checked': checked, 'infoHash': str(ti.info_hashes().v1), 'numPieces': ti.num_pieces(),
                  'have': st.num_pieces, 'name': ti.name(),
                  'files': [ti.files().file_path(i) for i in range(ti.num_files())]}))
`;

/** Has python3-libtorrent load `torrent` and hash-check the data under `savePath`. */
export async function libtorrentCheck(torrent: string, savePath: string, deadlineSeconds = 15): Promise<LibtorrentCheck> {
  const r = await runTool(PYTHON, ['-c', CHECK_SCRIPT, torrent, savePath, String(deadlineSeconds)], { timeoutMs: (deadlineSeconds + 10) * 1000 });
  return JSON.parse(r.stdout) as LibtorrentCheck;
}
