import { MAX_COMPONENT_BYTES, MAX_PATH_DEPTH } from './limits.js';

/**
 * Turns untrusted path components from a torrent into ones that are safe to join under a
 * download folder. Like libtorrent, offending parts are dropped or replaced, never escaped:
 *
 * - `.` and `..` components and components that end up empty are dropped;
 * - control characters (U+0000–U+001F, U+007F–U+009F) are dropped;
 * - bidi overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) and
 *   invisible characters (zero-width space, word joiner, BOM, soft hyphen, fillers, tags) become
 *   `_`: they make a name look like another (`txt.exe` shown as `exe.txt`). ZWJ and ZWNJ stay,
 *   as scripts and emoji need them;
 * - path separators and characters Windows reserves (`/ \ : * ? " < > |`) become `_`, so a
 *   component can never be absolute, carry a drive letter (`C:` → `C_`) or split into more;
 * - Windows device names (`CON`, `nul.txt`, `COM1`, …) get a `_` after the device part;
 * - a component longer than 255 UTF-8 bytes is cut (on a character boundary), keeping a short
 *   extension;
 * - a path deeper than {@link MAX_PATH_DEPTH} components has the rest joined into its last one.
 *
 * The result of {@link sanitizePath} joined under a folder always stays inside that folder.
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const RESERVED = /[/\\:*?"<>|]/g;
/** Bidi controls and invisible characters (see above); astral tag characters need the `u` flag. */
const DECEPTIVE =
  /[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|[\u{e0001}\u{e0020}-\u{e007f}]/gu;
/** Anything the replacements below would change (non-global: `test` keeps no state). */
const NEEDS_CLEANING =
  /[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]|[\u{e0001}\u{e0020}-\u{e007f}]/u;
/** Longest extension kept when a long component is cut, UTF-8 bytes. */
const MAX_KEPT_EXTENSION = 32;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(?=\.|$)/i;

const utf8 = new TextEncoder();

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(s: string, max: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no encoding to know they fit.
  if (s.length * 3 <= max || utf8.encode(s).length <= max) return s;
  let out = '';
  let size = 0;
  for (const ch of s) {
    const n = utf8.encode(ch).length;
    if (size + n > max) break;
    out += ch;
    size += n;
  }
  return out;
}

/** Cuts a component to {@link MAX_COMPONENT_BYTES}, keeping a short extension (`.mkv`) whole. */
function truncateComponent(s: string): string {
  if (s.length * 3 <= MAX_COMPONENT_BYTES) return s;
  const dot = s.lastIndexOf('.');
  const ext = dot > 0 ? s.slice(dot) : '';
  const extBytes = utf8.encode(ext).length;
  if (ext === '' || extBytes > MAX_KEPT_EXTENSION) return truncateUtf8(s, MAX_COMPONENT_BYTES);
  if (utf8.encode(s).length <= MAX_COMPONENT_BYTES) return s;
  return truncateUtf8(s.slice(0, dot), MAX_COMPONENT_BYTES - extBytes) + ext;
}

/** Sanitizes one component; returns `''` when nothing usable is left (the caller drops it). */
export function sanitizeComponent(raw: string): string {
  let s = NEEDS_CLEANING.test(raw) ? raw.replace(CONTROL, '').replace(RESERVED, '_').replace(DECEPTIVE, '_') : raw;
  if (s === '.' || s === '..') return '';
  s = s.replace(WINDOWS_DEVICE, '$1_');
  s = truncateComponent(s);
  // Truncation can leave a bare "." or ".." (e.g. a long run of dots).
  return s === '.' || s === '..' ? '' : s;
}

/** Placeholder for a file path with no usable component left. */
export const EMPTY_PATH_PLACEHOLDER = '_';

/**
 * Sanitizes a path given as components: each is cleaned with {@link sanitizeComponent}, empty
 * results are dropped, components past {@link MAX_PATH_DEPTH} are joined with `_` into the last
 * one, and an entirely empty path becomes `[placeholder]`.
 */
export function sanitizePath(components: readonly string[], placeholder = EMPTY_PATH_PLACEHOLDER): string[] {
  const out: string[] = [];
  for (const c of components) {
    const s = sanitizeComponent(c);
    if (s !== '') out.push(s);
  }
  if (out.length > MAX_PATH_DEPTH) {
    const rest = sanitizeComponent(out.slice(MAX_PATH_DEPTH - 1).join('_'));
    out.length = MAX_PATH_DEPTH - 1;
    out.push(rest === '' ? placeholder : rest);
  }
  return out.length > 0 ? out : [placeholder];
}

/**
 * Makes sanitized file paths distinct and free of file/folder clashes (two files that became the
 * same path, or a file whose path is another file's folder). Works in torrent order, so the first
 * file keeps its name; later ones get ` (1)`, ` (2)`… before their extension. Paths marked `skip`
 * (padding files, never written) are returned unchanged and reserve nothing.
 */
export function makePathsUnique(paths: readonly (readonly string[])[], skip: (index: number) => boolean = () => false): string[][] {
  return makePathsUniqueInPlace(paths.map((p) => [...p]), skip);
}

/**
 * {@link makePathsUnique} renaming in the given arrays (no copies: a torrent may list hundreds
 * of thousands of files); returns `paths`.
 */
export function makePathsUniqueInPlace(paths: string[][], skip: (index: number) => boolean = () => false): string[][] {
  // Paths are keyed as components joined by NUL, which no sanitized component contains.
  const files = new Set<string>();
  const dirs = new Set<string>();
  paths.forEach((parts, index) => {
    if (skip(index)) return;
    let prefix = '';
    // Folders: a component that names an existing file is renamed (consistently: the same
    // folder name always maps to the first free variant).
    for (let i = 0; i < parts.length - 1; i++) {
      const base = prefix;
      let key = base === '' ? parts[i]! : `${base}\u0000${parts[i]!}`;
      if (files.has(key)) {
        parts[i] = firstFree(base, parts[i]!, (k) => !files.has(k));
        key = base === '' ? parts[i]! : `${base}\u0000${parts[i]!}`;
      }
      dirs.add(key);
      prefix = key;
    }
    const last = parts.length - 1;
    parts[last] = firstFree(prefix, parts[last]!, (k) => !files.has(k) && !dirs.has(k));
    files.add(prefix === '' ? parts[last]! : `${prefix}\u0000${parts[last]!}`);
  });
  return paths;
}

function firstFree(dirKey: string, name: string, free: (key: string) => boolean): string {
  const keyOf = (n: string): string => (dirKey === '' ? n : `${dirKey}\u0000${n}`);
  if (free(keyOf(name))) return name;
  const dot = name.lastIndexOf('.');
  let [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  if (utf8.encode(ext).length > MAX_COMPONENT_BYTES / 2) [stem, ext] = [name, ''];
  for (let n = 1; ; n++) {
    const suffix = ` (${n})`;
    // Leave room for the suffix so the 255-byte cut can never remove it.
    const room = MAX_COMPONENT_BYTES - utf8.encode(suffix).length - utf8.encode(ext).length;
    const candidate = `${truncateUtf8(stem, room)}${suffix}${ext}`;
    if (free(keyOf(candidate))) return candidate;
  }
}
