import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolve, sep } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { makePathsUnique, parseMetainfo, sanitizeComponent, sanitizePath } from '../../src/metainfo/index.js';
import { multiInfo, torrent } from './torrentFixtures.js';

const DIR = resolve('/srv/downloads/statorrent');

/** Components biased towards the dangerous: dots, separators, drive letters, controls. */
const nasty = fc.constantFrom('..', '.', '', '/', '\\', 'C:', '\u0000', '\u001b', '../', '..\\', 'con', ' ', '~', '%2e%2e', '\u202e');
const component = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((parts) => parts.join('')),
  nasty,
);

describe('sanitized paths never leave the download folder', () => {
  it('for any component list', () => {
    fc.assert(
      fc.property(fc.array(component, { maxLength: 8 }), (components) => {
        const safe = sanitizePath(components);
        expect(safe.length).toBeGreaterThan(0);
        const target = resolve(DIR, ...safe);
        expect(target.startsWith(DIR + sep)).toBe(true);
        for (const c of safe) {
          expect(c).not.toMatch(/[/\\\u0000-\u001f]/);
          expect(c === '.' || c === '..' || c === '').toBe(false);
          expect(sanitizeComponent(c)).toBe(c); // idempotent
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('for every file of any parsed torrent, and the paths are distinct with no file used as a folder', () => {
    fc.assert(
      fc.property(component, fc.array(fc.array(component, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), (name, paths) => {
        const r = parseMetainfo(torrent(multiInfo(paths, paths.map(() => 1000), { name })));
        if (E.isLeft(r)) throw new Error(r.left.message);
        const joined = r.right.files.map((f) => f.path.join('/'));
        for (const f of r.right.files) expect(resolve(DIR, ...f.path).startsWith(DIR + sep)).toBe(true);
        expect(new Set(joined).size).toBe(joined.length);
        for (const a of joined) for (const b of joined) expect(b.startsWith(`${a}/`)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('makePathsUnique keeps already-distinct paths unchanged', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', '.'), minLength: 1, maxLength: 3 }), { maxLength: 10 }), (names) => {
        const paths = names.map((n) => sanitizePath([n]));
        const keyed = new Set(paths.map((p) => p.join('/')));
        fc.pre(keyed.size === paths.length);
        expect(makePathsUnique(paths)).toEqual(paths);
      }),
    );
  });
});
