import { toHex } from '../wire/hex.js';

/**
 * A serializer for trace lines that never throws: machine events and contexts hold bigints,
 * byte arrays, Maps, class instances, actor refs (which point back at their whole system, so
 * they are cyclic) and functions, none of which JSON.stringify handles. Values are turned into
 * plain JSON with tagged objects (`$hex`, `$bytes`, `$bigint`, `$map`, ...) that
 * {@link reviveSafeJson} turns back into values a machine can consume again (for replay).
 */

/** Bounds so that one hostile or huge value cannot make one trace line huge. */
export interface SafeJsonLimits {
  /** Nesting depth below which values are cut (`{ $depth: true }`). */
  readonly depth: number;
  /** Array, Map and Set entries kept; the rest is counted in `{ $more: n }`. */
  readonly items: number;
  /** Object keys kept. */
  readonly keys: number;
  /** String characters kept. */
  readonly chars: number;
  /** Byte arrays up to this length are kept as hex; longer ones only as their length. */
  readonly hexBytes: number;
}

export const defaultSafeJsonLimits: SafeJsonLimits = { depth: 8, items: 256, keys: 64, chars: 2048, hexBytes: 64 };

/** A JSON value (what {@link toSafeJson} returns). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };


/** Bytes from lower- or upper-case hex; undefined when it is not hex. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const isActorRef = (v: object): boolean =>
  typeof (v as { sessionId?: unknown }).sessionId === 'string' && typeof (v as { send?: unknown }).send === 'function';

/**
 * Converts anything into a bounded JSON value. Never throws: getters that throw, proxies and
 * cycles become tagged placeholders.
 */
export function toSafeJson(value: unknown, limits: SafeJsonLimits = defaultSafeJsonLimits): Json {
  const ancestors = new Set<object>();

  // a revoked proxy throws on any look at it, even `instanceof`: contain it to its own slot
  const walk = (v: unknown, depth: number): Json => {
    try {
      return walkValue(v, depth);
    } catch {
      return { $unserializable: true };
    }
  };

  const walkValue = (v: unknown, depth: number): Json => {
    switch (typeof v) {
      case 'string':
        return v.length > limits.chars ? `${v.slice(0, limits.chars)}…[+${v.length - limits.chars} chars]` : v;
      case 'number':
        // JSON has no -0 (it would come back as 0): write it as 0 here so output round-trips
        return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : { $number: String(v) };
      case 'boolean':
        return v;
      case 'bigint':
        return { $bigint: v.toString() };
      case 'undefined':
        return { $undefined: true };
      case 'symbol':
        return { $symbol: v.description ?? '' };
      case 'function':
        return { $fn: typeof v.name === 'string' ? v.name : '' };
      default:
        break;
    }
    if (v === null) return null;
    const obj = v as object;
    if (ArrayBuffer.isView(obj)) {
      const bytes = new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength);
      return bytes.length <= limits.hexBytes ? { $hex: toHex(bytes) } : { $bytes: bytes.length };
    }
    if (obj instanceof ArrayBuffer) return { $bytes: obj.byteLength };
    if (isActorRef(obj)) return { $actor: String((obj as { id?: unknown }).id ?? (obj as { sessionId: string }).sessionId) };
    if (obj instanceof Error) return { $error: String(obj.name), message: walk(obj.message, depth + 1) };
    if (obj instanceof Date) return { $date: Number.isNaN(obj.getTime()) ? 'invalid' : obj.toISOString() };
    if (ancestors.has(obj)) return { $cycle: true };
    if (depth >= limits.depth) return { $depth: true };
    ancestors.add(obj);
    try {
      if (Array.isArray(obj)) return listOf(obj, depth);
      if (obj instanceof Map) {
        const entries: Json[] = [];
        let n = 0;
        for (const [k, val] of obj) {
          if (n++ >= limits.items) break;
          entries.push([walk(k, depth + 1), walk(val, depth + 1)]);
        }
        return obj.size > limits.items ? { $map: entries, $more: obj.size - limits.items } : { $map: entries };
      }
      if (obj instanceof Set) {
        const items: Json[] = [];
        let n = 0;
        for (const item of obj) {
          if (n++ >= limits.items) break;
          items.push(walk(item, depth + 1));
        }
        return obj.size > limits.items ? { $set: items, $more: obj.size - limits.items } : { $set: items };
      }
      const out: { [key: string]: Json } = {};
      const keys = Object.keys(obj);
      for (const key of keys.slice(0, limits.keys)) {
        let field: unknown;
        try {
          field = (obj as Record<string, unknown>)[key];
        } catch (e) {
          out[key] = { $throws: e instanceof Error ? e.message : String(e) };
          continue;
        }
        if (field === undefined) continue; // as JSON.stringify does
        out[key] = walk(field, depth + 1);
      }
      if (keys.length > limits.keys) out.$more = keys.length - limits.keys;
      return out;
    } catch {
      return { $unserializable: true };
    } finally {
      ancestors.delete(obj);
    }
  };

  const listOf = (arr: readonly unknown[], depth: number): Json => {
    const out: Json[] = [];
    const n = Math.min(arr.length, limits.items);
    for (let i = 0; i < n; i++) out.push(walk(arr[i], depth + 1));
    if (arr.length > limits.items) out.push({ $more: arr.length - limits.items });
    return out;
  };

  try {
    return walk(value, 0);
  } catch {
    return { $unserializable: true };
  }
}

/** JSON text of a value, via {@link toSafeJson}; never throws. */
export function safeStringify(value: unknown, limits?: SafeJsonLimits): string {
  return JSON.stringify(toSafeJson(value, limits));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Turns tagged JSON from {@link toSafeJson} back into values: hex into bytes, `$bytes` into a
 * zero-filled array of that length (the content was not recorded), bigints, Maps, Sets and
 * errors. Functions and actor refs cannot come back; they stay as their tags.
 */
export function reviveSafeJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isRecord(v) && '$more' in v && Object.keys(v).length === 1)).map(reviveSafeJson);
  if (!isRecord(value)) return value;
  if (typeof value.$hex === 'string') return hexToBytes(value.$hex) ?? new Uint8Array(0);
  if (typeof value.$bytes === 'number') return new Uint8Array(Math.max(0, Math.min(value.$bytes, 1 << 20)));
  if (typeof value.$bigint === 'string') {
    try {
      return BigInt(value.$bigint);
    } catch {
      return value;
    }
  }
  if (value.$undefined === true) return undefined;
  if (typeof value.$number === 'string') return Number(value.$number);
  if (typeof value.$error === 'string') {
    const e = new Error(typeof value.message === 'string' ? value.message : '');
    e.name = value.$error;
    return e;
  }
  if (Array.isArray(value.$map)) {
    const m = new Map<unknown, unknown>();
    for (const entry of value.$map) if (Array.isArray(entry) && entry.length === 2) m.set(reviveSafeJson(entry[0]), reviveSafeJson(entry[1]));
    return m;
  }
  if (Array.isArray(value.$set)) return new Set(value.$set.map(reviveSafeJson));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== '$more') out[k] = reviveSafeJson(v);
  return out;
}
