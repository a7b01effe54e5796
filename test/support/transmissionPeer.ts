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
 *
 * With `untilAnnounced`, it also waits for the tracker's answer to its `started` announce, so
 * the tracker lists it from then on. transmission-cli says so only in its debug log
 * (`TR_DEBUG_FD=2`): after a successful announce other than `stopped`, which it sends first,
 * it logs "Sending periodic reannounce in N seconds".
 */
export async function startTransmissionSeeder(
  torrentPath: string,
  dataDir: string,
  timeoutMs = 20_000,
  options: { readonly untilAnnounced?: boolean } = {},
): Promise<SeederProcess> {
  // freeLoopbackPort's number may be taken by another process before transmission binds it;
  // transmission-cli 3.00 then only logs "Couldn't bind port" and seeds unreachable: try another
  for (let attempt = 1; ; attempt++) {
    const started = await startOnFreePort(torrentPath, dataDir, timeoutMs, options);
    if (started !== PORT_TAKEN) return started;
    if (attempt === 3) throw new Error('transmission-cli could not bind a free loopback port 3 times');
  }
}

const PORT_TAKEN = Symbol('port taken');

async function startOnFreePort(
  torrentPath: string,
  dataDir: string,
  timeoutMs: number,
  options: { readonly untilAnnounced?: boolean },
): Promise<SeederProcess | typeof PORT_TAKEN> {
  const configDir = await mkdtemp(join(tmpdir(), 'statorrent-tr-'));
  const port = await freeLoopbackPort();
  await writeTransmissionConfig(configDir, port);
  const child = spawn('stdbuf', ['-o0', 'transmission-cli', '-g', configDir, '-w', dataDir, '-p', String(port), torrentPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.untilAnnounced === true ? { ...process.env, TR_DEBUG_FD: '2' } : process.env,
  });
  child.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(configDir, { recursive: true, force: true });
  };
  // at message-level 2 it logs its bind failure on stderr, before it verifies and says "Seeding"
  let bindFailed = false;
  let stderrTail = '';
  const watchBind = (chunk: Buffer): void => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-512);
    if (/Couldn't bind port/.test(stderrTail)) bindFailed = true;
  };
  child.stderr.on('data', watchBind);
  try {
    const announced = options.untilAnnounced === true
      ? waitForOutput(child, [child.stderr], /Sending periodic reannounce/, timeoutMs, 'transmission-cli announcing')
      : Promise.resolve();
    announced.catch(() => undefined); // awaited below, after "Seeding"
    await waitForOutput(child, [child.stdout], /Seeding/, timeoutMs, 'transmission-cli seeder');
    await announced;
    child.stderr.off('data', watchBind);
    child.stderr.resume(); // the debug log keeps coming: drain it, or the full pipe stalls transmission
    if (bindFailed) {
      await stop();
      return PORT_TAKEN;
    }
    return { port, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
