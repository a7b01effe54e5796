import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cliIo.js';
import { runCli } from '../../src/cli/runCli.js';
import { idKey } from '../../src/dht/nodeId.js';
import { DhtNode } from '../../src/session/dhtNode.js';
import { runStatorrent } from '../support/cliRunner.js';

const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await runCli(args, io);
  return { code, out, err };
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function node(host: string, bootstrap: { ip: string; port: number }[] = []): Promise<DhtNode> {
  const r = await DhtNode.start({ host, port: 0, stateDir: null, bootstrap, queryTimeoutMs: 500 });
  if (E.isLeft(r)) throw new Error(r.left);
  cleanups.push(() => r.right.stop());
  return r.right;
}
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'statorrent-dht-cli-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('statorrent dht', () => {
  it('explains usage mistakes in one line, before any socket is opened', async () => {
    for (const [args, msg] of [
      [['dht'], /say 'lookup <infohash>' or 'node'/],
      [['dht', 'lookup', 'abc'], /not a 40-hex-digit info hash/],
      [['dht', 'lookup', 'a'.repeat(40), '--dht-bootstrap', 'nope'], /not HOST:PORT/],
      [['dht', 'node', '--dht-port', '70000'], /--dht-port must be a whole number in 0..65535/],
      [['dht', 'lookup', 'magnet:?xt=urn:btih:' + 'a'.repeat(40)], /magnet links are not read yet/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const help = await cli(['dht', '--help']);
    expect(help.out).toMatch(/^usage: statorrent dht lookup/);
  });

  it('dht lookup prints each round, the peers found and why it stopped', async () => {
    const a = await node('127.0.0.81');
    const b = await node('127.0.0.82', [a.address]);
    const c = await node('127.0.0.83', [a.address]);
    await Promise.all([b.whenJoined(), c.whenJoined()]);
    const ih = new Uint8Array(20).fill(0x77);
    await lastValueFrom(c.announce(ih, 6999).pipe(toArray()));
    const r = await cli(['dht', 'lookup', idKey(ih), '--dht-bootstrap', `127.0.0.81:${a.address.port}`, '--dht-host', '127.0.0.84', '--dht-port', '0', '--data-dir', await tempDir()]);
    expect(r.err).not.toMatch(/statorrent dht:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^round 1: asked \d+ nodes? \(\d+(\.\.\d+)? bits shared with the target\), \d+ answered/m);
    expect(r.out).toContain('  peer 127.0.0.83:6999');
    expect(r.out).toMatch(/^done: .*; \d+ queries, 1 peer found$/m);
  });

  it('dht node (the built command) joins and shows its routing table', async () => {
    const a = await node('127.0.0.85');
    const dir = await tempDir();
    const r = await runStatorrent(['dht', 'node', '--dht-host', '127.0.0.86', '--dht-port', '0', '--dht-bootstrap', `127.0.0.85:${a.address.port}`, '--data-dir', dir, '--for', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dht node [0-9a-f]{40} on 127\.0\.0\.86:\d+$/m);
    expect(r.stdout).toMatch(/^routing table: 1 node in 1 bucket/m);
    expect(r.stdout).toMatch(new RegExp(`127\\.0\\.0\\.85:${a.address.port} +good`));
    expect(r.stderr).toMatch(/dht: joined with 1 good node/);
  });
});
