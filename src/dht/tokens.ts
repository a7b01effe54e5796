/**
 * announce_peer tokens (BEP 5 "get_peers"): the token we hand out with a get_peers reply is
 * SHA-1(secret ‖ querier's IP), so only a node that really receives packets at that IP can
 * announce it. The secret rotates (every 5 minutes, driven by the node machine) and tokens of
 * the previous secret are still accepted, so a token is good for 5 to 10 minutes. Nothing is
 * stored per querier. Secrets come from outside (crypto random), keeping this core pure.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Bytes of a token we issue (BEP 5 leaves the length to the implementation). */
export const TOKEN_BYTES = 8;

/** The current and previous secret. */
export class TokenSecrets {
  private current: Uint8Array;
  private previous: Uint8Array;

  constructor(secret: Uint8Array) {
    this.current = secret;
    this.previous = secret;
  }

  /** Starts a new secret; tokens of the one before it stay valid until the next rotation. */
  rotate(secret: Uint8Array): void {
    this.previous = this.current;
    this.current = secret;
  }

  /** The token for `ip` under the current secret. */
  issue(ip: string): Uint8Array {
    return tokenFor(this.current, ip);
  }

  /** True when `token` is what we issued to `ip` under the current or previous secret. */
  check(ip: string, token: Uint8Array): boolean {
    if (token.length !== TOKEN_BYTES) return false;
    return timingSafeEqual(token, tokenFor(this.current, ip)) || timingSafeEqual(token, tokenFor(this.previous, ip));
  }
}

function tokenFor(secret: Uint8Array, ip: string): Uint8Array {
  return new Uint8Array(createHash('sha1').update(secret).update(ip, 'latin1').digest().subarray(0, TOKEN_BYTES));
}
