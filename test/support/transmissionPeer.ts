import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild, waitForOutput } from './childLines.js';
import type { SeederProcess } from './libtorrentPeer.js';

/** A port the OS just gave us; transmission-cli needs a number, not 0. */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const a = s.address();
  s.close();
  await once(s, 'close');
  if (a === null || typeof a === 'string') throw new Error('no port');
  return a.port;
}

/**
 * Starts transmission-cli 3.00 seeding existing data (`dataDir` holds the torrent's file) on
 * 127.0.0.1 with DHT/LPD/PEX/uTP/port forwarding off and plaintext preferred, and resolves
 * once it reports "Seeding" (after its own verification). stdout is unbuffered via stdbuf:
 * transmission-cli only prints status lines there, ending in \r.
 */
export async function startTransmissionSeeder(torrentPath: string, dataDir: string, timeoutMs = 20_000): Promise<SeederProcess> {
  const configDir = await mkdtemp(join(tmpdir(), 'statorrent-tr-'));
  const port = await freePort();
  const settings = {
    'dht-enabled': false,
    'lpd-enabled': false,
    'pex-enabled': false,
    'utp-enabled': false,
    'port-forwarding-enabled': false,
    'blocklist-enabled': false,
    'bind-address-ipv4': '127.0.0.1',
    'bind-address-ipv6': '::1',
    'peer-port': port,
    'peer-port-random-on-start': false,
    'rpc-enabled': false,
    encryption: 0, // prefer plaintext: we do not speak MSE
    'incomplete-dir-enabled': false,
    'message-level': 2,
  };
  await writeFile(join(configDir, 'settings.json'), JSON.stringify(settings));
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
