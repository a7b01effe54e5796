import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import { CLI_PATH, REPO_ROOT, runStatorrent } from '../support/cliRunner.js';

const SLOW_READER = join(REPO_ROOT, 'test', 'support', 'slowReader.mjs');

let dir: string;
let big: string;

/** A multi-file torrent whose `info --json` is well over one 64 KiB pipe buffer. */
async function writeBigTorrent(path: string): Promise<void> {
  const files = Array.from({ length: 3000 }, (_, i) => ({ length: 1000 + i, path: ['folder', `file-number-${i}-with-a-longish-name.bin`] }));
  const total = files.reduce((s, f) => s + f.length, 0);
  const pieceLength = 1 << 20;
  const pieces = new Uint8Array(Math.ceil(total / pieceLength) * 20);
  await writeFile(path, encode({ announce: 'http://127.0.0.1:1/announce', info: { files, name: 'big', 'piece length': pieceLength, pieces } }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-drain-'));
  big = join(dir, 'big.torrent');
  await writeBigTorrent(big);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `sh -c` and returns its stdout, stderr and exit code. */
function shell(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal === null ? null : -1), stdout, stderr }));
  });
}

describe('no output lost', () => {
  it('info --json through a slow pipe reader delivers every byte, exit 0', async () => {
    const direct = await runStatorrent(['info', big, '--json']);
    expect(direct.code).toBe(0);
    const expected = Buffer.byteLength(direct.stdout);
    expect(expected).toBeGreaterThan(3 * 65_536);
    const r = await shell(
      'node "$CLI" info "$TORRENT" --json | node "$READER" 300 5; echo "status ${PIPESTATUS[0]}" >&2',
      { CLI: CLI_PATH, TORRENT: big, READER: SLOW_READER },
    );
    expect(r.stdout.trim()).toBe(String(expected));
    expect(r.stderr).toBe('status 0\n');
  });

  it('a full disk (/dev/full) is exit status 1 with the reason on stderr', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI_PATH, 'info', big, '--json'], { stdio: ['ignore', fd, 'pipe'] });
        let stderr = '';
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^statorrent: cannot write output: ENOSPC \(no space left on device\)\n$/);
    } finally {
      closeSync(fd);
    }
  });

  it('a reader that stops early (| head) is not an error', async () => {
    const r = await shell('node "$CLI" info "$TORRENT" --json | head -c 100 > /dev/null; echo "status ${PIPESTATUS[0]}" >&2', { CLI: CLI_PATH, TORRENT: big });
    expect(r.stderr).toBe('status 0\n');
  });
});
