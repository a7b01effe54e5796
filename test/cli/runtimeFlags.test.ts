import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeFlagsOf } from '../../bench/benchKit.js';
import { CLI_PATH } from '../support/cliRunner.js';

// The built CLI's `#!/usr/bin/env -S node …` line carries the V8 memory flags users run with
// (see src/cli/main.ts); the benchmarks read them from there to measure the same runtime.
describe('the CLI runtime flags', () => {
  it('bound the young generation and the old generation growth, and the benchmarks see both', () => {
    expect(nodeFlagsOf(CLI_PATH)).toEqual(['--max-semi-space-size=4', '--heap-growing-percent=100']);
  });

  it('are flags this Node still accepts (a dropped V8 flag would stop the CLI from starting)', () => {
    const r = spawnSync(process.execPath, [...nodeFlagsOf(CLI_PATH), '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('reads no flags from a file without an env -S node line', () => {
    expect(nodeFlagsOf(new URL(import.meta.url).pathname)).toEqual([]);
  });
});
