import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliIo.js';
import { runCli } from '../../src/cli/runCli.js';
import { downloadPlan, seedPlan } from '../../src/cli/transferArgs.js';
import { TransferView } from '../../src/cli/transferView.js';

const bufferIo = (): CliIo & { out: { text: string }; err: { text: string } } => {
  const out = { text: '', isTTY: false, columns: 100, write(s: string) { this.text += s; return true; } };
  const err = { text: '', write(s: string) { this.text += s; return true; } };
  return { out, err };
};

describe('--encryption', () => {
  it('defaults to accept and takes accept, require, off on download and seed', () => {
    const plan = (p: ReturnType<typeof downloadPlan>) => (E.isRight(p) && !p.right.help ? p.right.plan.encryption : undefined);
    expect(plan(downloadPlan(['x.torrent'], bufferIo()))).toBe('accept');
    for (const mode of ['accept', 'require', 'off'] as const) {
      expect(plan(downloadPlan(['x.torrent', '--encryption', mode], bufferIo()))).toBe(mode);
      expect(plan(seedPlan(['x.torrent', 'dir', `--encryption=${mode}`], bufferIo()))).toBe(mode);
    }
  });

  it('refuses anything else with a usage error (exit 2) naming the choices', async () => {
    expect(downloadPlan(['x.torrent', '--encryption', 'rc4'], bufferIo())).toEqual(E.left('--encryption "rc4": use accept, require or off'));
    const io = bufferIo();
    expect(await runCli(['seed', 'x.torrent', 'dir', '--encryption', 'maybe'], io)).toBe(2);
    expect(io.err.text).toMatch(/--encryption "maybe": use accept, require or off/);
    const peers = bufferIo();
    expect(await runCli(['peers', 'x.torrent', '--no-dht', '--no-trackers', '--peer', '127.0.0.1:1', '--encryption', 'RC4'], peers)).toBe(2);
    expect(peers.err.text).toBe('statorrent peers: --encryption "RC4": use accept, require or off (see statorrent peers --help)\n');
  });

  it('is in the help of download, seed and peers, and --verbose says how a peer is carried', async () => {
    for (const cmd of ['download', 'seed', 'peers']) {
      const io = bufferIo();
      await runCli([cmd, '--help'], io);
      expect(io.out.text).toMatch(/--encryption MODE/);
    }
    const io = bufferIo();
    const view = new TransferView(io, { mode: 'plain', verbose: true });
    view.event({ type: 'peerConnected', id: '127.0.0.1:1', client: 'libtorrent 2.0.8.0', source: 'incoming', encryption: 'mse-rc4' });
    expect(io.out.text).toMatch(/peer 127\.0\.0\.1:1 connected: libtorrent 2\.0\.8\.0 \(.*\), encrypted \(MSE, RC4\)/);
  });
});
