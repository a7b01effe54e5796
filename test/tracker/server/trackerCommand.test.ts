import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrackerCommand } from '../../../src/cli/trackerCommand.js';
import { httpGetDict, id20, query } from './support/rawTrackerRequests.js';

/** Captures output and lets a test wait until some text has been written. */
class Capture {
  text = '';
  private waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  write(s: string): boolean {
    this.text += s;
    this.waiters = this.waiters.filter((w) => {
      const m = this.text.match(w.re);
      if (m !== null) w.resolve(m);
      return m === null;
    });
    return true;
  }
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(re);
    return m !== null ? Promise.resolve(m) : new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const out = new Capture(), err = new Capture();
  const code = await runTrackerCommand(argv, { out, err, stop: Promise.resolve() });
  return { code, out: out.text, err: err.text };
};

describe('statorrent tracker command', () => {
  it('exits 2 with a usage message for bad arguments', async () => {
    for (const argv of [['--bogus'], ['--port', 'abc'], ['--port', '70000'], ['--interval', '0'], ['--host', 'example.org'], ['extra']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^statorrent tracker: .*\nusage: /);
    }
  });

  it('exits 1 with one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    try {
      const r = await run(['--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`statorrent tracker: port ${port} is already in use on 127.0.0.1\n`);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 for a missing or malformed whitelist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'statorrent-tracker-'));
    try {
      expect((await run(['--port', '0', '--whitelist', join(dir, 'absent')])).err).toMatch(/cannot read whitelist .*ENOENT/);
      await writeFile(join(dir, 'bad'), `${'a'.repeat(40)}\nnot-a-hash\n`);
      const r = await run(['--port', '0', '--whitelist', join(dir, 'bad')]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/line 2: expected a 40-hex-digit info hash/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('serves, shows live counts, and stops cleanly with exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'statorrent-tracker-'));
    const hash = id20('cli');
    await writeFile(join(dir, 'wl'), `# allowed\n${Buffer.from(hash).toString('hex')}\n`);
    const out = new Capture(), err = new Capture();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => { stop = resolve; });
    const exit = runTrackerCommand(['--port', '0', '--interval', '60', '--whitelist', join(dir, 'wl')], { out, err, stop: stopped, statusEveryMs: 5 });
    try {
      const [, port] = await out.waitFor(/http: http:\/\/127\.0\.0\.1:(\d+)\/announce/);
      expect(out.text).toMatch(/tracker ready \(1 whitelisted torrents\)/);
      expect(out.text).toMatch(/udp: {2}udp:\/\/127\.0\.0\.1:\d+\/announce/);
      const reply = await httpGetDict(Number(port), `/announce?${query([['info_hash', hash], ['peer_id', id20('me')], ['port', '1234'], ['left', '0'], ['event', 'started']])}`);
      expect(reply.get('complete')).toBe(1);
      await out.waitFor(/torrents 1 {2}peers 1 \(1 seeding, 0 leeching\) {2}announces 1/);
    } finally {
      stop();
    }
    expect(await exit).toBe(0);
    expect(out.text).toMatch(/tracker stopped\n$/);
    expect(err.text).toBe('');
    await rm(dir, { recursive: true, force: true });
  });
});
