import * as E from 'fp-ts/lib/Either.js';
import { HandshakeBuffer } from './handshakeBuffer.js';
import type { MseError, MseEstablished } from './mseTypes.js';

/** What one `feed` gives back: bytes to send now and, once finished, the established stream. */
export interface MseProgress {
  readonly send: readonly Uint8Array[];
  readonly done?: MseEstablished;
}

type Failed = { readonly s: 'failed'; readonly error: MseError };
const isFailed = (st: { readonly s: string }): st is Failed => st.s === 'failed';

/**
 * What both MSE roles share: received bytes go into one buffer, and the role's `step` runs
 * until it has to wait for more, finishes, or fails (then every later `feed` repeats the error).
 */
export abstract class MseSteps<S extends { readonly s: string }> {
  protected readonly buf = new HandshakeBuffer();
  protected abstract state: S | Failed | { readonly s: 'done' };

  /** Takes the next received bytes (copied; `chunk` may be reused afterwards). */
  feed(chunk: Uint8Array): E.Either<MseError, MseProgress> {
    const st = this.state;
    if (isFailed(st)) return E.left(st.error);
    if (st.s === 'done') return E.right({ send: [] });
    this.buf.push(chunk);
    const send: Uint8Array[] = [];
    for (;;) {
      const r = this.step(send);
      if (E.isLeft(r)) {
        this.state = { s: 'failed', error: r.left };
        return r;
      }
      if (r.right === 'wait') return E.right({ send });
      if (typeof r.right === 'object') return E.right({ send, done: r.right });
    }
  }

  /** The stream ended: unless done, the handshake is truncated. */
  end(): MseError | undefined {
    const st = this.state;
    return st.s === 'done' ? undefined : isFailed(st) ? st.error : { tag: 'truncated' };
  }

  /** One step of the role's handshake; appends what to send to `send`. */
  protected abstract step(send: Uint8Array[]): E.Either<MseError, 'wait' | 'next' | MseEstablished>;
}
