import type { CliIo } from './cliIo.js';

/**
 * One `statorrent <name>` subcommand. `run` gets the arguments after the name, handles its own
 * `--help`, writes only through `io`, and resolves to an exit code (see cliIo.ts).
 */
export interface Command {
  readonly name: string;
  /** One line for `statorrent --help`. */
  readonly summary: string;
  readonly run: (argv: string[], io: CliIo) => Promise<number>;
}
