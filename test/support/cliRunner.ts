import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is test/support/cliRunner.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI, as the package bin runs it (the bundle; see scripts/bundle.ts). */
export const CLI_PATH = join(REPO_ROOT, 'dist', 'bundle', 'statorrent.cjs');

/**
 * Nothing a test runs may leave loopback. `download`, `seed` and `peers` run a DHT node by default (and
 * `dht` commands always do), which would join through the public routers and write the user's
 * state folder: a test must say `--no-dht`, or bootstrap from 127.0.0.x with its own
 * `--data-dir`. Throws before anything is started when an argument list breaks that rule.
 */
export function assertLoopbackOnly(args: readonly string[]): void {
  const command = args[0];
  if (args.includes('--help') || args.includes('-h')) return;
  const bootstrap = args.flatMap((a, i) => (a === '--dht-bootstrap' ? [args[i + 1] ?? ''] : []));
  const outside = bootstrap.filter((b) => !b.startsWith('127.'));
  if (outside.length > 0) throw new Error(`test CLI run bootstraps the DHT outside loopback (${outside.join(', ')}): use 127.0.0.x`);
  const runsDht = command === 'dht' || ((command === 'download' || command === 'seed' || command === 'peers') && !args.includes('--no-dht'));
  if (!runsDht) return;
  if (bootstrap.length === 0) throw new Error(`test CLI run "${args.join(' ')}" would bootstrap the DHT from the public routers: pass --no-dht or --dht-bootstrap 127.0.0.x:PORT`);
  if (!args.includes('--data-dir')) throw new Error(`test CLI run "${args.join(' ')}" would write the user's DHT state: pass --data-dir with a temporary folder`);
}

/** What one CLI run did. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/bundle/statorrent.cjs ...args` to completion (the real executable, as users run it)
 * and returns its exit code and output. Kills it after `timeoutMs` so a hang fails the test
 * instead of stalling the run. Needs `npm run build` first (`npm test` does it).
 */
export function runStatorrent(args: readonly string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run npm run build first`);
  assertLoopbackOnly(args);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
