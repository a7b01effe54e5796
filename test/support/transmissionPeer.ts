import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, waitForOutput } from './childLines.js';
import { freeLoopbackPort } from './freePort.js';
import type { SeederProcess } from './libtorrentPeer.js';
import { writeTransmissionConfig } from './transmissionConfig.js';

/**
 * Starts transmission-cli 3.00 seeding existing data (`dataDir` holds the torrent's file) on
 * 127.0.0.1 with DHT/LPD/PEX/uTP/port forwarding off and plaintext preferred, and resolves
 * once it reports "Seeding" (after its own verification). stdout is unbuffered via stdbuf:
 * transmission-cli only prints status lines there, ending in \r.
 */
export async function startTransmissionSeeder(torrentPath: string, dataDir: string, timeoutMs = 20_000): Promise<SeederProcess> {
  const configDir = await mkdtemp(join(tmpdir(), 'statorrent-tr-'));
  const port = await freeLoopbackPort();
  await writeTransmissionConfig(configDir, port);
  const child = spawn('stdbuf', ['-o0', 'transmission-cli', '-g', configDir, '-w', dataDir, '-p', String(port), torrentPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(configDir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(child, [child.stdout], /Seeding/, timeoutMs, 'transmission-cli seeder');
    return { port, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
