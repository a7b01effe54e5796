import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { assertLoopbackOnly, CLI_PATH, REPO_ROOT } from '../support/cliRunner.js';

/** A built CLI running in the background (for commands that run until a signal). */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/bundle/statorrent.cjs ...args` and collects its output. */
export function spawnStatorrent(args: readonly string[]): CliProcess {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run npm run build first`);
  assertLoopbackOnly(args);
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The `--json` lines of a run, parsed (throws on any line that is not JSON). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Resolves with the first match of `pattern` in everything the process printed on stdout,
 * including output from before the call; rejects if it exits first or `timeoutMs` passes.
 */
export function waitForStdout(p: CliProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = pattern.exec(p.stdout());
      if (m === null) return false;
      cleanup();
      resolve(m);
      return true;
    };
    const onExit = (): void => {
      if (check()) return;
      cleanup();
      reject(new Error(`exited before printing ${pattern}; stdout: ${p.stdout().slice(-500)} stderr: ${p.stderr().slice(-500)}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${p.stdout().slice(-500)}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      p.child.stdout.off('data', onData);
      p.child.off('exit', onExit);
    };
    // our own 'data' listener runs after the collector registered in spawnStatorrent
    const onData = (): void => void check();
    p.child.stdout.on('data', onData);
    p.child.once('exit', onExit);
    check();
  });
}
