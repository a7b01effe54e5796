import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, latin1 } from '../../../src/bencode/index.js';
import { httpScrape, scrapeUrlOf } from '../../../src/tracker/client/index.js';
import { percentDecodeBytes } from '../../../src/tracker/client/percentEncoding.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from './scriptedHttpTracker.js';

let t: ScriptedHttpTracker;
beforeAll(async () => {
  t = await startScriptedHttpTracker();
});
afterAll(() => t.close());

const h1 = new Uint8Array(20).fill(0xab);
const h2 = new Uint8Array(20).fill(0x26); // '&'

describe('scrape (BEP 48)', () => {
  it('derives the scrape URL only when the last segment starts with announce', () => {
    expect(scrapeUrlOf('http://t/announce')).toBe('http://t/scrape');
    expect(scrapeUrlOf('http://t/x/announce.php?pk=1')).toBe('http://t/x/scrape.php?pk=1');
    expect(scrapeUrlOf('http://t/a/announce/x')).toBeUndefined();
    expect(scrapeUrlOf('http://t/tracker')).toBeUndefined();
  });

  it('asks for each info hash and returns stats by hex hash', async () => {
    t.requests.length = 0;
    t.reply((_q, res) => {
      res.end(encode(new Map([['files', new Map([[latin1(h1), { complete: 5, incomplete: 2, downloaded: 9 }]])]])));
    });
    const r = await httpScrape(`${t.base}/announce?pk=1`, [h1, h2])();
    expect(r).toEqual(E.right(new Map([['ab'.repeat(20), { complete: 5, incomplete: 2, downloaded: 9 }]])));
    const q = t.requests[0]!;
    expect(q.startsWith('/scrape?pk=1&info_hash=')).toBe(true);
    const hashes = q.split('&').filter((kv) => kv.startsWith('info_hash=')).map((kv) => percentDecodeBytes(kv.slice(10)));
    expect(hashes).toEqual([h1, h2]);
  });

  it('surfaces failure reasons and refuses trackers without a scrape URL', async () => {
    t.reply((_q, res) => res.end(encode({ 'failure reason': 'no scrape here' })));
    expect(await httpScrape(`${t.base}/announce`, [h1])()).toMatchObject(E.left({ _tag: 'failure-reason', reason: 'no scrape here' }));
    expect(await httpScrape(`${t.base}/tracker`, [h1])()).toMatchObject(E.left({ _tag: 'unsupported-scheme' }));
  });
});
