/**
 * Reads a fetch `Response` body as bytes, giving up as soon as it passes `limit` bytes, so a
 * hostile or broken tracker cannot make us buffer an unbounded reply.
 */
export type BoundedBody =
  | { readonly _tag: 'ok'; readonly bytes: Uint8Array }
  | { readonly _tag: 'too-large' };

/** Reads at most `limit` bytes of `res`'s body; cancels the stream beyond that. */
export async function readBodyWithLimit(res: Response, limit: number): Promise<BoundedBody> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    return { _tag: 'too-large' };
  }
  if (res.body === null) return { _tag: 'ok', bytes: new Uint8Array(0) };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { _tag: 'too-large' };
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { _tag: 'ok', bytes: out };
}
