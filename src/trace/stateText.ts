/**
 * A state value in one line: `checking`, `active.{transfer.downloading, dialer.waiting}`
 * (parallel regions in braces). Works on the recorded JSON, whatever its shape.
 */
export function describeStateValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return JSON.stringify(value) ?? 'undefined';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const parts = entries.map(([k, v]) => {
    const inner = describeStateValue(v);
    return inner === '{}' ? k : `${k}.${inner}`;
  });
  return parts.length === 1 ? parts[0]! : `{${parts.join(', ')}}`;
}
