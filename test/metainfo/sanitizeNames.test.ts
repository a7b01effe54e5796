import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { MAX_COMPONENT_BYTES, MAX_PATH_DEPTH, parseMetainfo, sanitizeComponent, sanitizePath } from '../../src/metainfo/index.js';
import { multiInfo, torrent } from './torrentFixtures.js';

const bytesOf = (s: string): number => Buffer.byteLength(s, 'utf8');

describe('deceptive characters in names', () => {
  it.each([
    ['right-to-left override (shows "exe.txt")', 'invoice\u202etxt.exe', 'invoice_txt.exe'],
    ['bidi isolates and marks', '\u2066a\u2069\u200fb\u061c', '_a__b_'],
    ['zero-width space and word joiner', 'pay\u200bpal\u2060.com', 'pay_pal_.com'],
    ['byte order mark and soft hyphen', '\ufeffre\u00adport', '_re_port'],
    ['Hangul filler (an invisible letter)', '\u3164.txt', '_.txt'],
    ['invisible tag characters', `a${String.fromCodePoint(0xe0041)}b`, 'a_b'],
  ])('%s', (_what, raw, expected) => {
    expect(sanitizeComponent(raw)).toBe(expected);
    expect(sanitizeComponent(expected)).toBe(expected);
  });

  it('leaves ZWJ emoji, ZWNJ words and accents alone', () => {
    for (const name of ['👩\u200d💻 notes.md', 'می\u200cخواهم.txt', 'café – résumé.pdf', '日本語.mkv']) {
      expect(sanitizeComponent(name)).toBe(name);
    }
  });

  it('reaches file names through parseMetainfo', () => {
    const r = parseMetainfo(torrent(multiInfo([['dir\u202e', 'a\u200bb.txt']], [40000], { name: 'top\u2067' })));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.files[0]!.path).toEqual(['top_', 'dir_', 'a_b.txt']);
  });
});

describe('path depth and component length are bounded', () => {
  it(`a path deeper than ${MAX_PATH_DEPTH} keeps ${MAX_PATH_DEPTH} components, the rest joined into the last`, () => {
    const deep = Array.from({ length: 1000 }, (_, i) => `d${i}`);
    const safe = sanitizePath(deep);
    expect(safe.length).toBe(MAX_PATH_DEPTH);
    expect(safe.slice(0, MAX_PATH_DEPTH - 1)).toEqual(deep.slice(0, MAX_PATH_DEPTH - 1));
    expect(safe[MAX_PATH_DEPTH - 1]!.startsWith(`d${MAX_PATH_DEPTH - 1}_d${MAX_PATH_DEPTH}_`)).toBe(true);
    expect(bytesOf(safe[MAX_PATH_DEPTH - 1]!)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
  });

  it('a long name keeps its extension when cut', () => {
    const cut = sanitizeComponent(`${'x'.repeat(400)}.mkv`);
    expect(bytesOf(cut)).toBe(MAX_COMPONENT_BYTES);
    expect(cut.endsWith('x.mkv')).toBe(true);
  });

  it('long names that cut alike still map to distinct paths, each component within 255 bytes (property)', () => {
    const unit = fc.constantFrom('a', 'é', '日', '😀', '.', ' ');
    const stem = fc.string({ unit, minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.string({ unit, minLength: 200, maxLength: 300 }),
        fc.uniqueArray(fc.tuple(stem, fc.constantFrom('', '.txt', '.tar.gz', '.' + 'e'.repeat(40))), { minLength: 2, maxLength: 8, selector: ([s, e]) => s + e }),
        fc.boolean(),
        (prefix, tails, asFolder) => {
          // every name shares a prefix longer than 255 bytes: they all cut to the same start
          const paths = tails.map(([s, e]) => (asFolder ? [`${prefix}${s}${e}`, 'f'] : [`${prefix}${s}${e}`]));
          const r = parseMetainfo(torrent(multiInfo(paths, paths.map(() => 100))));
          if (E.isLeft(r)) throw new Error(r.left.message);
          const joined = r.right.files.map((f) => f.path.join('/'));
          expect(new Set(joined).size).toBe(joined.length);
          for (const f of r.right.files) for (const c of f.path) expect(bytesOf(c)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
        },
      ),
      { numRuns: 300 },
    );
  });
});
