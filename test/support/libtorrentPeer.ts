import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './childLines.js';

/** A real seeder running as a child process on 127.0.0.1. */
export interface SeederProcess {
  readonly port: number;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./lt_seed.py', import.meta.url));

/**
 * Starts a python3-libtorrent seeder (Debian's python3-libtorrent, hence /usr/bin/python3, not
 * whatever python3 is first on PATH) for `torrentPath` with data under `savePath`, and resolves
 * once it prints that it is seeding, with the port it listens on. `settings`: more libtorrent
 * settings (e.g. `{ in_enc_policy: 0, allowed_enc_level: 2 }`: encrypted connections only, RC4).
 */
export async function startLibtorrentSeeder(torrentPath: string, savePath: string, timeoutMs = 20_000, settings?: Readonly<Record<string, number | string | boolean>>): Promise<SeederProcess> {
  const child = spawn('/usr/bin/python3', [SCRIPT, torrentPath, savePath, ...(settings === undefined ? [] : [JSON.stringify(settings)])], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // reported through 'exit' / the wait below
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await stopChild(child);
  };
  try {
    const ready = await waitForOutput(child, [child.stdout], /READY (\d+)/, timeoutMs, 'libtorrent seeder');
    return { port: Number(ready[1]), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
