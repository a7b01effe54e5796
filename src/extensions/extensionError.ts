/** Why an extension message (BEP 10/9/11/54) was not accepted. Each one should close the connection. */
export type ExtensionErrorCode =
  /** Payload over its size budget. */
  | 'too-large'
  /** Not valid bencode, or over the depth/item budget. */
  | 'bencode'
  /** Valid bencode of the wrong shape (e.g. not a dictionary, a missing `piece`), or a fixed-size payload of the wrong length (lt_donthave). */
  | 'structure'
  /** A piece index past the torrent's last piece (lt_donthave, BEP 54). */
  | 'out-of-range';

/** A rejected extension message, with one line a person can act on. */
export interface ExtensionError {
  readonly _tag: 'ExtensionError';
  readonly code: ExtensionErrorCode;
  /** Which message: `extended handshake`, `ut_metadata`, `ut_pex`, `lt_donthave`. */
  readonly message: string;
}

/** Constructs an {@link ExtensionError}. */
export const extensionError = (code: ExtensionErrorCode, what: string, detail: string): ExtensionError => ({
  _tag: 'ExtensionError',
  code,
  message: `peer sent a bad ${what}: ${detail}`,
});
