import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliIo.js';
import type { MagnetJson } from '../../src/cli/magnetReport.js';
import { runCli } from '../../src/cli/runCli.js';
import { base32Encode } from '../../src/magnet/index.js';
import { runStatorrent } from '../support/cliRunner.js';

const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await runCli(args, io);
  return { code, out, err };
};

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const LINK = `magnet:?xt=urn:btih:${base32Encode(Buffer.from(HEX, 'hex'))}&dn=Big%20Buck%20Bunny&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr=udp://127.0.0.1:6969&x.pe=127.0.0.2:51413&x.pe=[::1]:6881&x.pe=seed.example:1`;

describe("statorrent info 'magnet:?…'", () => {
  it('prints what the link says without fetching anything', async () => {
    const r = await cli(['info', LINK]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        'name:          Big Buck Bunny',
        `info hash:     ${HEX}`,
        'trackers:      http://127.0.0.1:6969/announce',
        '               udp://127.0.0.1:6969',
        'peers:         127.0.0.2:51413',
        '               [::1]:6881',
        'note:          peer "seed.example:1" is a host name; only IP addresses are dialled',
        'files, size and pieces come with the metadata, fetched from peers when downloading (BEP 9)',
        '',
      ].join('\n'),
    );
  });

  it('--json gives the fields and the canonical link', async () => {
    const r = await cli(['info', '--json', LINK]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as MagnetJson;
    expect(j).toEqual({
      infoHash: HEX,
      name: 'Big Buck Bunny',
      trackers: ['http://127.0.0.1:6969/announce', 'udp://127.0.0.1:6969'],
      peers: ['127.0.0.2:51413', '[::1]:6881'],
      webSeeds: [],
      warnings: ['peer "seed.example:1" is a host name; only IP addresses are dialled'],
      magnet: `magnet:?xt=urn:btih:${HEX}&dn=Big%20Buck%20Bunny&tr=http%3A%2F%2F127.0.0.1%3A6969%2Fannounce&tr=udp%3A%2F%2F127.0.0.1%3A6969&x.pe=127.0.0.2%3A51413&x.pe=%5B%3A%3A1%5D%3A6881`,
    });
  });

  it('refuses a v2-only link and a broken hash with one clear line', async () => {
    const v2 = await cli(['info', `magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}`]);
    expect(v2.code).toBe(1);
    expect(v2.err).toBe('statorrent info: invalid magnet link: this is a BitTorrent v2-only link (urn:btmh:); statorrent needs a v1 or hybrid link with xt=urn:btih:\n');
    const bad = await cli(['info', 'magnet:?xt=urn:btih:abc']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^statorrent info: invalid magnet link: "urn:btih:abc" is not a 40-character hex or 32-character base32 info hash\n$/);
  });

  it('works from the built executable too (npm run build first)', async () => {
    const r = await runStatorrent(['info', LINK]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`info hash:     ${HEX}`);
  });
});
