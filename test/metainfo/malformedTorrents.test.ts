import { describe, expect, it } from 'vitest';
import { resolve, sep } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { parseMetainfo, type MetainfoErrorCode } from '../../src/metainfo/index.js';
import { ascii, fakePieces, multiInfo, PIECE, singleInfo, torrent } from './torrentFixtures.js';

interface BadCase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly code: MetainfoErrorCode;
  readonly message: RegExp;
}

const TWO_52 = 2 ** 52;

const badCases: readonly BadCase[] = [
  { name: 'empty input', bytes: new Uint8Array(), code: 'bencode', message: /not bencode: input ends where a value was expected at byte 0/ },
  { name: 'truncated dictionary', bytes: ascii('d4:infod4:name'), code: 'bencode', message: /not bencode: .*at byte 14/ },
  { name: 'trailing garbage', bytes: Buffer.concat([torrent(singleInfo()), ascii('xx')]), code: 'bencode', message: /2 unexpected bytes after the value/ },
  { name: 'duplicate key', bytes: ascii('d4:infoi1e4:infoi2ee'), code: 'bencode', message: /duplicate dictionary key "info"/ },
  { name: 'absurd nesting', bytes: ascii('l'.repeat(500) + 'e'.repeat(500)), code: 'bencode', message: /nesting deeper than 100/ },
  { name: 'string length beyond input', bytes: ascii('d4:info99999:x'), code: 'bencode', message: /claims 99999 bytes/ },
  { name: 'top level is a list', bytes: ascii('le'), code: 'structure', message: /expected a dictionary, got a list of 0/ },
  { name: 'missing info', bytes: torrent(undefined), code: 'structure', message: /info: missing \(expected a dictionary\)/ },
  { name: 'info is a string', bytes: torrent('oops'), code: 'structure', message: /info: expected a dictionary, got a 4-byte string "oops"/ },
  { name: 'missing name', bytes: torrent(singleInfo({ name: undefined })), code: 'structure', message: /info > name: missing \(expected a byte string\)/ },
  { name: 'name is an integer', bytes: torrent(singleInfo({ name: 7 })), code: 'structure', message: /info > name: expected a byte string, got 7/ },
  { name: 'missing piece length', bytes: torrent(singleInfo({ 'piece length': undefined })), code: 'structure', message: /info > piece length: missing/ },
  { name: 'piece length 0', bytes: torrent(singleInfo({ 'piece length': 0 })), code: 'structure', message: /info > piece length: expected a positive integer, got 0/ },
  { name: 'negative piece length', bytes: torrent(singleInfo({ 'piece length': -16384 })), code: 'structure', message: /expected a positive integer, got -16384/ },
  { name: 'piece length beyond 2^53', bytes: torrent(singleInfo({ 'piece length': 2n ** 60n })), code: 'structure', message: /piece length: expected an integer below 2\^53/ },
  { name: 'piece length above 256 MiB', bytes: torrent(singleInfo({ 'piece length': 512 * 1024 * 1024, pieces: fakePieces(1) })), code: 'piece-length', message: /piece length 536870912 is larger than the 268435456-byte limit/ },
  { name: 'pieces not a multiple of 20', bytes: torrent(singleInfo({ pieces: fakePieces(3).subarray(0, 59) })), code: 'pieces-length', message: /pieces is 59 bytes, not a multiple of 20/ },
  { name: 'too few piece hashes', bytes: torrent(singleInfo({ pieces: fakePieces(2) })), code: 'piece-count', message: /pieces has 2 hashes but 40000 bytes in 16384-byte pieces need 3/ },
  { name: 'too many piece hashes', bytes: torrent(singleInfo({ pieces: fakePieces(4) })), code: 'piece-count', message: /pieces has 4 hashes .* need 3/ },
  { name: 'negative single-file length', bytes: torrent(singleInfo({ length: -1 })), code: 'structure', message: /info > length: expected a non-negative integer, got -1/ },
  { name: 'negative file length in files', bytes: torrent(multiInfo([['a'], ['b']], [10, 10], { files: [{ length: 10, path: ['a'] }, { length: -5, path: ['b'] }] })), code: 'structure', message: /info > files\[1\] > length: expected a non-negative integer, got -5/ },
  { name: 'file length beyond 2^53', bytes: torrent(multiInfo([['a']], [1], { files: [{ length: 2n ** 64n, path: ['a'] }] })), code: 'structure', message: /files\[0\] > length: expected an integer below 2\^53, got 18446744073709551616/ },
  { name: 'total beyond 2^53', bytes: torrent(multiInfo([['a']], [1], { files: [{ length: TWO_52, path: ['a'] }, { length: TWO_52, path: ['b'] }], pieces: fakePieces(1) })), code: 'total-length', message: /total size is beyond 2\^53 bytes/ },
  { name: 'empty files list', bytes: torrent(multiInfo([], [], { files: [] , pieces: fakePieces(0) })), code: 'no-files', message: /info.files is an empty list/ },
  { name: 'both length and files', bytes: torrent(multiInfo([['a']], [40000], { length: 40000 })), code: 'no-files', message: /both length .* and files/ },
  { name: 'neither length nor files', bytes: torrent(singleInfo({ length: undefined })), code: 'no-files', message: /neither length .* nor files/ },
  { name: 'total size 0', bytes: torrent(singleInfo({ length: 0, pieces: fakePieces(0) })), code: 'total-length', message: /total size is 0/ },
  { name: 'v2-only torrent', bytes: torrent({ 'file tree': {}, 'meta version': 2, name: 'x', 'piece length': PIECE }), code: 'unsupported-v2', message: /v2-only torrents \(BEP 52\) are not supported/ },
  { name: 'path is not a list', bytes: torrent(multiInfo([['a']], [10], { files: [{ length: 10, path: 'a' }] })), code: 'structure', message: /files\[0\] > path: expected a list, got a 1-byte string/ },
  { name: 'path component is a number', bytes: torrent(multiInfo([['a']], [10], { files: [{ length: 10, path: ['a', 3] }] })), code: 'structure', message: /files\[0\] > path\[1\]: expected a byte string, got 3/ },
  { name: 'file entry missing path', bytes: torrent(multiInfo([['a']], [10], { files: [{ length: 10 }] })), code: 'structure', message: /files\[0\] > path: missing/ },
  { name: 'announce-list is not tiers', bytes: torrent(singleInfo(), { 'announce-list': ['http://x/announce'] }), code: 'structure', message: /announce-list\[0\]: expected a list/ },
  { name: 'url-list is a number', bytes: torrent(singleInfo(), { 'url-list': 5 }), code: 'structure', message: /url-list: expected a URL or a list of URLs/ },
];

describe('malformed and hostile torrents are rejected with a specific error', () => {
  it('has at least 25 cases', () => expect(badCases.length).toBeGreaterThanOrEqual(25));
  it.each(badCases)('$name', ({ bytes, code, message }) => {
    const r = parseMetainfo(bytes);
    if (E.isRight(r)) throw new Error(`accepted: ${r.right.name}`);
    expect(r.left.code).toBe(code);
    expect(r.left.message).toMatch(message);
    expect(r.left.message).toMatch(/^invalid torrent: /);
    expect(r.left.message).not.toContain('\n');
  });

  it('structure errors carry a readable tree, not JSON', () => {
    const r = parseMetainfo(torrent(multiInfo([['a']], [10], { files: [{ length: -1, path: ['a', 3] }], 'piece length': 0 })));
    if (E.isRight(r)) throw new Error('accepted');
    expect(r.left.tree).toBeDefined();
    const tree = r.left.tree!;
    expect(tree).toContain('required key "info"');
    expect(tree).toContain('required key "piece length"');
    expect(tree).toMatch(/└─ expected a non-negative integer, got -1/);
    expect(tree).not.toContain('{');
    expect(r.left.message).toMatch(/and 2 more problems/);
  });
});

const DIR = resolve('/tmp/statorrent-download');
const inside = (components: readonly string[]): boolean => resolve(DIR, ...components).startsWith(DIR + sep);

/** Parses a one-file multi-file torrent with the given raw path (and name). */
const pathOf = (path: readonly string[], name = 'folder'): readonly string[] => {
  const r = parseMetainfo(torrent(multiInfo([path], [40000], { name })));
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right.files[0]!.path;
};

interface PathCase {
  readonly name: string;
  readonly raw: readonly string[];
  readonly torrentName?: string;
  readonly expected: readonly string[];
}

const pathCases: readonly PathCase[] = [
  { name: "'..' components", raw: ['..', '..', 'etc', 'passwd'], expected: ['folder', 'etc', 'passwd'] },
  { name: 'absolute component', raw: ['/etc', 'passwd'], expected: ['folder', '_etc', 'passwd'] },
  { name: "'a/../b' as one component", raw: ['a/../b'], expected: ['folder', 'a_.._b'] },
  { name: "'a', '..', 'b' as components", raw: ['a', '..', 'b'], expected: ['folder', 'a', 'b'] },
  { name: 'backslashes', raw: ['..\\..\\windows', 'x'], expected: ['folder', '.._.._windows', 'x'] },
  { name: 'NUL byte', raw: ['evil\u0000.txt'], expected: ['folder', 'evil.txt'] },
  { name: 'control characters and escapes', raw: ['\u001b[31mred\r\n.txt'], expected: ['folder', '[31mred.txt'] },
  { name: 'drive letter', raw: ['C:', 'Windows'], expected: ['folder', 'C_', 'Windows'] },
  { name: 'drive-absolute component', raw: ['C:\\boot.ini'], expected: ['folder', 'C__boot.ini'] },
  { name: 'empty components', raw: ['', 'a', '', 'b', ''], expected: ['folder', 'a', 'b'] },
  { name: "'.' components", raw: ['.', 'a', '.'], expected: ['folder', 'a'] },
  { name: 'path that sanitizes to nothing', raw: ['..', '.', ''], expected: ['folder', '_'] },
  { name: 'empty path list', raw: [], expected: ['folder', '_'] },
  { name: 'reserved characters', raw: ['a*b?c"d<e>f|g'], expected: ['folder', 'a_b_c_d_e_f_g'] },
  { name: 'Windows device name', raw: ['CON', 'nul.txt'], expected: ['folder', 'CON_', 'nul_.txt'] },
  { name: "torrent name '..'", raw: ['x'], torrentName: '..', expected: ['<hash>', 'x'] },
  { name: "torrent name '/'", raw: ['x'], torrentName: '/', expected: ['_', 'x'] },
  { name: 'torrent name with traversal', raw: ['x'], torrentName: '../../etc', expected: ['.._.._etc', 'x'] },
];

describe('hostile file paths are sanitized and stay inside the download folder', () => {
  it.each(pathCases)('$name', ({ raw, torrentName, expected }) => {
    const r = parseMetainfo(torrent(multiInfo([raw], [40000], { name: torrentName ?? 'folder' })));
    if (E.isLeft(r)) throw new Error(r.left.message);
    const got = r.right.files[0]!.path;
    expect(got).toEqual(expected.map((c) => (c === '<hash>' ? r.right.infoHashHex : c)));
    expect(inside(got)).toBe(true);
  });

  it('a very long component is cut to 255 UTF-8 bytes on a character boundary', () => {
    const [, got] = pathOf(['é'.repeat(300)]);
    expect(Buffer.byteLength(got!)).toBeLessThanOrEqual(255);
    expect(got).toBe('é'.repeat(127));
  });

  it('single-file name with traversal stays inside', () => {
    const r = parseMetainfo(torrent(singleInfo({ name: '../../../../etc/passwd' })));
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.files[0]!.path).toEqual(['.._.._.._.._etc_passwd']);
    expect(inside(r.right.files[0]!.path)).toBe(true);
  });

  it('paths that collide after sanitizing are made unique, the first keeping its name', () => {
    const r = parseMetainfo(
      torrent(multiInfo([['a', 'x.txt'], ['a', '.', 'x.txt'], ['a/', 'x.txt'], ['a', 'x.txt', 'y']], [10, 10, 10, 10])),
    );
    if (E.isLeft(r)) throw new Error(r.left.message);
    const paths = r.right.files.map((f) => f.path.join('/'));
    expect(paths[0]).toBe('folder/a/x.txt');
    expect(paths[1]).toBe('folder/a/x (1).txt');
    expect(paths[2]).toBe('folder/a_/x.txt');
    // "a/x.txt" is a file, so it cannot also be a folder: the folder is renamed.
    expect(paths[3]).toBe('folder/a/x (2).txt/y');
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('parseMetainfo never throws', () => {
  it('on random mutations of a valid torrent', async () => {
    const fc = (await import('fast-check')).default;
    const base = torrent(multiInfo([['a', 'b'], ['c']], [30000, 10000]));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(base.length), (edits, cut) => {
        const bytes = base.slice(0, Math.max(cut, base.length - 3));
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        const r = parseMetainfo(bytes);
        if (E.isLeft(r)) expect(r.left.message).not.toContain('\n');
        else for (const f of r.right.files) expect(inside(f.path)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
