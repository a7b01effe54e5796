import { packageVersion } from '../metainfo/packageVersion.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cliIo.js';
import type { Command } from './command.js';
import { commands as defaultCommands } from './commandTable.js';

/** `statorrent --help`. */
export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `statorrent ${packageVersion()}: BitTorrent with every protocol state as an explicit machine`,
    '',
    'usage: statorrent <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "run 'statorrent <command> --help' for a command's options",
    '',
  ].join('\n');
}

/**
 * Dispatches `argv` (without node and script) to a command and resolves to the exit code.
 * Unexpected exceptions become one line on stderr (the stack only with STATORRENT_DEBUG=1).
 */
export async function runCli(argv: string[], io: CliIo, commands: readonly Command[] = defaultCommands): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err.write(generalHelp(commands));
    return EXIT_USAGE;
  }
  if (first === '--help' || first === '-h') {
    io.out.write(generalHelp(commands));
    return EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.out.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  const name = first === 'help' ? rest[0] : first;
  if (first === 'help' && name === undefined) {
    io.out.write(generalHelp(commands));
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.err.write(`statorrent: unknown command '${name ?? ''}' (see statorrent --help)\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(first === 'help' ? ['--help'] : rest, io);
  } catch (e) {
    const err = e as Error;
    io.err.write(`statorrent ${command.name}: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env['STATORRENT_DEBUG'] === '1' && err?.stack !== undefined) io.err.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}
