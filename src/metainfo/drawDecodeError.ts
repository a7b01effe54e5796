import * as DE from 'io-ts/lib/DecodeError.js';
import * as FS from 'io-ts/lib/FreeSemigroup.js';
import type * as D from 'io-ts/lib/Decoder.js';
import { drawTree, make, type Tree } from 'fp-ts/lib/Tree.js';

/**
 * Renders io-ts decode errors for people. io-ts's own `draw` prints values with JSON.stringify,
 * which throws on bigint and prints byte strings as index maps; this describes bencode values
 * briefly instead, and also gives a one-line summary for error messages.
 */

/** A short, printable description of a decoded bencode value. */
export function describeValue(u: unknown): string {
  if (u === undefined) return 'nothing';
  if (typeof u === 'number' || typeof u === 'bigint') {
    const s = u.toString();
    return s.length > 24 ? `${s.slice(0, 24)}…` : s;
  }
  if (u instanceof Uint8Array) {
    const preview = Array.from(u.subarray(0, 24), (c) => (c >= 0x20 && c < 0x7f && c !== 0x22 ? String.fromCharCode(c) : '?')).join('');
    return `a ${u.length}-byte string "${preview}${u.length > 24 ? '…' : ''}"`;
  }
  if (Array.isArray(u)) return `a list of ${u.length}`;
  if (u instanceof Map) return 'a dictionary';
  if (typeof u === 'object' && u !== null) return 'a dictionary';
  return typeof u;
}

const leafText = (actual: unknown, expected: string): string =>
  actual === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${describeValue(actual)}`;

const keyLabel = (key: string): string => key.replace(/[^\x20-\x7e]/g, '?');

function toForest(e: D.DecodeError): Tree<string>[] {
  const forest: Tree<string>[] = [];
  const visit = (fs: FS.FreeSemigroup<DE.DecodeError<string>>): void => {
    if (fs._tag === 'Concat') {
      visit(fs.left);
      visit(fs.right);
    } else forest.push(toTree(fs.value));
  };
  visit(e);
  return forest;
}

function toTree(e: DE.DecodeError<string>): Tree<string> {
  switch (e._tag) {
    case 'Leaf':
      return make(leafText(e.actual, e.error));
    case 'Key':
      return make(`${e.kind} key "${keyLabel(e.key)}"`, toForest(e.errors));
    case 'Index':
      return make(`${e.kind} item ${e.index}`, toForest(e.errors));
    case 'Member':
      return make(`alternative ${e.index}`, toForest(e.errors));
    case 'Lazy':
      return make(`in ${e.id}`, toForest(e.errors));
    case 'Wrap':
      return make(e.error, toForest(e.errors));
  }
}

/** Every problem as an indented tree, one node per key or list item, optionally under `root`. */
export function drawDecodeError(e: D.DecodeError, root?: string): string {
  return root === undefined ? toForest(e).map(drawTree).join('\n') : drawTree(make(root, toForest(e)));
}

/** The problems as one-line paths, e.g. `info > files[3] > length: expected ...`. */
export function decodeErrorPaths(e: D.DecodeError): string[] {
  const out: string[] = [];
  const walk = (fs: FS.FreeSemigroup<DE.DecodeError<string>>, path: string): void => {
    if (fs._tag === 'Concat') {
      walk(fs.left, path);
      walk(fs.right, path);
      return;
    }
    const d = fs.value;
    switch (d._tag) {
      case 'Leaf':
        out.push(path === '' ? leafText(d.actual, d.error) : `${path}: ${leafText(d.actual, d.error)}`);
        return;
      case 'Key':
        return walk(d.errors, path === '' ? keyLabel(d.key) : `${path} > ${keyLabel(d.key)}`);
      case 'Index':
        return walk(d.errors, `${path}[${d.index}]`);
      case 'Member':
      case 'Lazy':
        return walk(d.errors, path);
      case 'Wrap': {
        // A Wrap replaces the nested detail with its own message (D.withMessage).
        out.push(path === '' ? `expected ${d.error}` : `${path}: expected ${d.error}`);
        return;
      }
    }
  };
  walk(e, '');
  return out;
}

/** One line: the first problem, plus how many more there are. */
export function summarizeDecodeError(e: D.DecodeError, prefix = ''): string {
  const paths = decodeErrorPaths(e);
  const first = paths[0] ?? 'malformed';
  const more = paths.length > 1 ? ` (and ${paths.length - 1} more problem${paths.length > 2 ? 's' : ''})` : '';
  return `${prefix}${first}${more}`;
}
