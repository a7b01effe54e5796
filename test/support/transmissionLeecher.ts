import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './childLines.js';
import { waitForFile } from './fileAppears.js';
import { freeLoopbackPort } from './freePort.js';
import { waitForPortAccepting } from './portAccepting.js';
import { writeTransmissionConfig } from './transmissionConfig.js';

/** A transmission-cli 3.00 leecher child process. */
export interface TransmissionLeecher {
  /** Its peer port on 127.0.0.1: dial it, since Transmission never dials loopback tracker peers. */
  readonly port: number;
  /**
   * Resolves when Transmission's own "torrent done" script has run (every piece received and
   * SHA-1 checked by Transmission); rejects after `timeoutMs` or if the process exits first.
   */
  readonly done: Promise<void>;
  /** Last lines it printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts transmission-cli downloading `torrentPath` into `outDir`, bound to 127.0.0.1 with DHT,
 * LPD, PEX, uTP and port forwarding off and plaintext preferred (statorrent has no MSE), and
 * resolves once its peer port accepts connections. Completion is its `-f` done-script touching
 * a marker file (transmission-cli never exits by itself).
 */
export async function startTransmissionLeecher(torrentPath: string, outDir: string, timeoutMs = 40_000): Promise<TransmissionLeecher> {
  const runDir = await mkdtemp(join(tmpdir(), 'statorrent-trl-'));
  const configDir = join(runDir, 'config');
  const marker = join(runDir, 'done.marker');
  const hook = join(runDir, 'on-done.sh');
  await writeFile(hook, `#!/bin/sh\n: > '${marker}'\n`);
  await chmod(hook, 0o755);
  const port = await freeLoopbackPort();
  await mkdir(configDir);
  await writeTransmissionConfig(configDir, port, {
    'download-dir': outDir,
    // nothing may slow the transfer under test
    'speed-limit-down-enabled': false,
    'speed-limit-up-enabled': false,
    'alt-speed-enabled': false,
    'ratio-limit-enabled': false,
  });
  const child = spawn('transmission-cli', ['-g', configDir, '-w', outDir, '-p', String(port), '-f', hook, torrentPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined);
  let seen = '';
  const keep = (d: Buffer): void => {
    seen = (seen + d.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`transmission-cli exited (${String(code)}) before finishing; last output: ${seen.slice(-500)}`);
  });
  exited.catch(() => undefined);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(runDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPortAccepting(port, 10_000), exited]);
  } catch (e) {
    await stop();
    throw e;
  }
  const done = Promise.race([waitForFile(marker, timeoutMs), exited]);
  done.catch(() => undefined);
  return { port, done, output: () => seen, stop };
}
