/**
 * Finds the project's machines: every machines/<name>.machine.ts, imported from its compiled
 * twin under dist/ (the source list decides, so a stale dist file of a deleted machine is ignored).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';

/** A machine exported by a machines/ file. */
export interface LoadedMachine {
  /** `<name>` for machines/<name>.machine.ts (suffixed `.<export>` if a file exports several). */
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** The whole module, for conventions such as `*SampleEvents` exports. */
  readonly module: Readonly<Record<string, unknown>>;
}

/** Structural test for an XState v5 machine (instanceof breaks across module copies). */
export function isStateMachine(value: unknown): value is AnyStateMachine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { root?: unknown; getInitialSnapshot?: unknown; transition?: unknown; config?: unknown };
  return typeof v.root === 'object' && v.root !== null && typeof v.getInitialSnapshot === 'function' && typeof v.transition === 'function' && typeof v.config === 'object';
}

/** Sorted base names of machines/*.machine.ts under `repoRoot`. */
export async function machineNames(repoRoot: string): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(join(repoRoot, 'machines'));
  } catch {
    return [];
  }
  return files.filter((f) => f.endsWith('.machine.ts')).map((f) => f.slice(0, -'.machine.ts'.length)).sort();
}

/** Machines exported by one module, named after its file. */
export function machinesOfModule(name: string, module: Readonly<Record<string, unknown>>): LoadedMachine[] {
  const found = Object.keys(module)
    .sort()
    .flatMap((k) => {
      const v = module[k];
      return isStateMachine(v) ? [{ exportName: k, machine: v }] : [];
    });
  return found.map(({ exportName, machine }) => ({ name: found.length === 1 ? name : `${name}.${exportName}`, machine, module }));
}

/**
 * Imports every machine, from `<moduleDir>/<name>.machine.<ext>` (dist/machines with `.js` for the
 * generator; machines/ with `.ts` under vitest).
 */
export async function loadMachines(repoRoot: string, moduleDir: string, ext: 'js' | 'ts'): Promise<LoadedMachine[]> {
  const out: LoadedMachine[] = [];
  for (const name of await machineNames(repoRoot)) {
    const module = (await import(pathToFileURL(join(moduleDir, `${name}.machine.${ext}`)).href)) as Record<string, unknown>;
    const machines = machinesOfModule(name, module);
    if (machines.length === 0) throw new Error(`machines/${name}.machine.ts exports no XState machine`);
    out.push(...machines);
  }
  return out;
}
