import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs returns for a given option table. */
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/**
 * node:util parseArgs in strict mode, with its thrown errors turned into a one-line usage
 * message (unknown option, missing value, ...).
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O): E.Either<string, ParsedArgs<O>> {
  try {
    return E.right(parseArgs({ args: argv, options, allowPositionals: true, strict: true }));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return E.left(msg.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, ''));
  }
}
