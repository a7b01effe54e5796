/**
 * Dependencies point one way (brief, "Layout"; issue 9): cores know nothing of machines,
 * streams, session or CLI; machines and streams know nothing of session or CLI; trace tools
 * know nothing of the CLI; machines import only cores and xstate and read no ambient clock,
 * timer or randomness. Checked on every .ts under src/, machines/ and streams/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerViolations, type SourceFile, type Violation } from './layerRules.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

function sourcesUnder(dir: string): SourceFile[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => {
      const full = join(d.parentPath, d.name);
      return { path: relative(repoRoot, full).split(sep).join('/'), text: readFileSync(full, 'utf8') };
    });
}

/**
 * Known violations, each to be deleted by the change that fixes it. An entry that no longer
 * matches anything fails the test, so it cannot outlive its reason.
 */
const knownViolations: readonly { readonly file: string; readonly target: string; readonly why: string }[] = [
];

const isKnown = (v: Violation): boolean => knownViolations.some((k) => k.file === v.file && k.target === v.target);
const show = (v: Violation): string => `${v.file} -> ${v.target}: ${v.rule}`;

describe('layers', () => {
  const files = ['src', 'machines', 'streams'].flatMap(sourcesUnder);
  const violations = layerViolations(files);

  it('reads the whole source tree', () => {
    expect(files.filter((f) => f.path.startsWith('machines/')).length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.path.startsWith('streams/')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => f.path.startsWith('src/trace/')).length).toBeGreaterThanOrEqual(5);
  });

  it('has no upward import and no ambient clock or randomness in machines', () => {
    expect(violations.filter((v) => !isKnown(v)).map(show)).toEqual([]);
  });

  it('lists only known violations that still exist', () => {
    const stale = knownViolations.filter((k) => !violations.some((v) => v.file === k.file && v.target === k.target));
    expect(stale.map((k) => `${k.file} -> ${k.target} is fixed: delete its knownViolations entry`)).toEqual([]);
  });
});

describe('layer rules catch what they should', () => {
  const check = (path: string, text: string): string[] => layerViolations([{ path, text }]).map((v) => `${v.target}: ${v.rule}`);

  it('cores must not import machines, streams, session or CLI', () => {
    expect(check('src/pieces/x.ts', "import { a } from '../../machines/torrent.machine.js';")).toEqual(['machines/torrent.machine.ts: core must not import machines']);
    expect(check('src/pieces/x.ts', "export * from '../../streams/frames.js';")).toEqual(['streams/frames.ts: core must not import streams']);
    expect(check('src/pieces/x.ts', "import type { S } from '../session/session.js';")).toEqual(['src/session/session.ts: core must not import session']);
    expect(check('src/pieces/x.ts', "type T = import('../cli/main.js').T;")).toEqual(['src/cli/main.ts: core must not import cli']);
    expect(check('src/pieces/x.ts', "const m = await import('../trace/traceReplay.js');")).toEqual(['src/trace/traceReplay.ts: core must not import trace']);
    expect(check('src/pieces/x.ts', "import { b } from '../wire/messages.js'; import { readFile } from 'node:fs';")).toEqual([]);
  });

  it('machines and streams must not import session or CLI; machines not streams', () => {
    expect(check('machines/x.machine.ts', "import { p } from '../src/session/peerRecord.js';")).toEqual(['src/session/peerRecord.ts: machines must not import session']);
    expect(check('machines/x.machine.ts', "import { f } from '../streams/frames.js';")).toEqual(['streams/frames.ts: machines must not import streams']);
    expect(check('streams/x.ts', "import { p } from '../src/session/peerRecord.js';")).toEqual(['src/session/peerRecord.ts: streams must not import session']);
    expect(check('streams/x.ts', "import { m } from '../src/cli/main.js';")).toEqual(['src/cli/main.ts: streams must not import cli']);
    expect(check('streams/x.ts', "import { m } from '../machines/peer.machine.js'; import { connect } from 'node:net';")).toEqual([]);
  });

  it('trace must not import the CLI', () => {
    expect(check('src/trace/x.ts', "import { terminalText } from '../cli/terminalText.js';")).toEqual(['src/cli/terminalText.ts: trace must not import cli']);
    expect(check('src/trace/x.ts', "import { m } from '../../machines/peer.machine.js';")).toEqual([]);
  });

  it('machines use no IO module, timer, wall clock or ambient randomness', () => {
    const rule = 'machines import only cores and xstate (no net, fs, dgram, timers or other packages)';
    expect(check('machines/x.machine.ts', "import { connect } from 'net';")).toEqual([`net: ${rule}`]);
    expect(check('machines/x.machine.ts', "import { readFile } from 'node:fs/promises';")).toEqual([`node:fs/promises: ${rule}`]);
    expect(check('machines/x.machine.ts', "import { createSocket } from 'node:dgram';")).toEqual([`node:dgram: ${rule}`]);
    expect(check('machines/x.machine.ts', "import { setTimeout } from 'node:timers';")).toEqual([`node:timers: ${rule}`, 'setTimeout: machines get time and randomness as provided actors, named delays, input or events']);
    const effects = check('machines/x.machine.ts', 'const a = Date.now(); const b = Math.random(); setInterval(() => 0, 1); globalThis.setTimeout(() => 0, 1); const d = new Date();');
    expect(effects.map((e) => e.split(':')[0])).toEqual(['Date.now', 'Math.random', 'setInterval', 'globalThis.setTimeout', 'new Date()']);
    // names in comments, strings, property keys and other objects' members are not the globals
    expect(check('machines/x.machine.ts', "// Date.now() is not used\nconst s = 'Math.random'; const o = { setTimeout: 1 }; o.setTimeout; import { setup } from 'xstate';")).toEqual([]);
  });
});
