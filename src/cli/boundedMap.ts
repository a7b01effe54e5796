/**
 * Maps `items` through `f` with at most `limit` calls in flight at once, keeping the order of
 * the results. Opening one socket per item at once runs out of file descriptors (EMFILE) and
 * floods the network as soon as a tracker lists thousands of peers.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, f: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, () => worker());
  await Promise.all(workers);
  return out;
}
