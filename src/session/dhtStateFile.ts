/**
 * Reads and writes the DHT state file (`dht.state`, see src/dht/stateFile.ts) in a data folder.
 * Writes go to a temporary file first and are renamed over the old one, so a crash never leaves
 * half a file.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { decodeDhtState, encodeDhtState, type DhtState } from '../dht/stateFile.js';

/** File name inside the data folder. */
export const DHT_STATE_FILE = 'dht.state';

/** `$XDG_STATE_HOME/statorrent`, else `~/.local/state/statorrent` (XDG base directory spec). */
export function defaultDhtStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_STATE_HOME'];
  return xdg !== undefined && xdg.startsWith('/') ? join(xdg, 'statorrent') : join(homedir(), '.local', 'state', 'statorrent');
}

/** The saved state; undefined when there is none yet; Left when the file is unreadable or corrupt. */
export async function loadDhtState(dir: string): Promise<E.Either<string, DhtState> | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, DHT_STATE_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return E.left(`cannot read ${join(dir, DHT_STATE_FILE)}: ${(e as Error).message}`);
  }
  return E.mapLeft((m: string) => `${join(dir, DHT_STATE_FILE)}: ${m}`)(decodeDhtState(bytes));
}

/** Saves the state atomically; creates the folder if needed. */
export async function saveDhtState(dir: string, state: DhtState): Promise<E.Either<string, void>> {
  const file = join(dir, DHT_STATE_FILE);
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, encodeDhtState(state));
    await rename(tmp, file);
    return E.right(undefined);
  } catch (e) {
    return E.left(`cannot write ${file}: ${(e as Error).message}`);
  }
}
