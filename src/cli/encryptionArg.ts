import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_ENCRYPTION_POLICY, ENCRYPTION_POLICIES, type EncryptionPolicy } from '../mse/mseTypes.js';

/**
 * Parses `--encryption MODE` as `download`, `seed` and `peers` take it: `accept`, `require` or
 * `off`; absent means {@link DEFAULT_ENCRYPTION_POLICY}. Anything else is a one-line usage error.
 */
export function parseEncryptionOption(text: string | undefined): E.Either<string, EncryptionPolicy> {
  const mode = text ?? DEFAULT_ENCRYPTION_POLICY;
  return (ENCRYPTION_POLICIES as readonly string[]).includes(mode) ? E.right(mode as EncryptionPolicy) : E.left(`--encryption "${mode}": use accept, require or off`);
}
