const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Binary-prefixed size for people: `1023 B`, `1.50 KiB`, `27.3 MiB`, `512 GiB`. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  const digits = Number.isInteger(v) || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Parses a size such as `262144`, `256K`, `256KiB`, `1M`, `1MiB` (case-insensitive). */
export function parseSize(s: string): number | undefined {
  const m = /^([0-9]{1,12})\s*(k|kib|m|mib|g|gib)?$/i.exec(s.trim());
  if (m === null) return undefined;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}
