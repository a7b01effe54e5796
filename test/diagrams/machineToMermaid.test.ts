import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { machineModel } from '../../scripts/machineModel.js';
import { machineToMermaid } from '../../scripts/machineToMermaid.js';
import { parseMermaid } from './mermaidParser.js';
import { sampleMachine } from './sampleMachines.js';

const mmd = machineToMermaid(machineModel(sampleMachine));
const lines = mmd.split('\n').map((l) => l.trim());

describe('machineToMermaid', () => {
  it('produces a stateDiagram-v2 that Mermaid parses', async () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    await expect(parseMermaid(mmd)).resolves.toMatchObject({ diagramType: 'stateDiagram' });
  });

  it('labels guarded, delayed, eventless and invoke transitions by name', () => {
    expect(lines).toContain('s_handshaking --> s_checking : HANDSHAKE [validHandshake]');
    expect(lines).toContain('s_handshaking --> s_handshaking : HANDSHAKE [canRetry && !validHandshake]<br/>RETRY');
    expect(lines).toContain('s_handshaking --> s_stopped : after handshakeTimeout');
    expect(lines).toContain('s_handshaking --> s_stopped : after 5000ms');
    expect(lines).toContain('s_checking --> s_connected : always [isOk]');
    expect(lines).toContain('s_checking --> s_stopped : always');
    expect(lines).toContain('s_dialling --> s_handshaking : done(dial)');
    expect(lines).toContain('s_dialling --> s_stopped : error(dial)');
    expect(lines).toContain('s_root --> s_stopped : STOP');
    expect(mmd).not.toContain('xstate.');
  });

  it('separates parallel regions with -- inside the parallel composite', () => {
    const start = lines.indexOf('state "connected" as s_connected {');
    const choking = lines.indexOf('state "choking" as s_connected__choking {');
    const sep = lines.indexOf('--', choking);
    const interest = lines.indexOf('state "interest" as s_connected__interest {');
    expect(start).toBeGreaterThan(0);
    expect(start < choking && choking < sep && sep < interest).toBe(true);
    expect(lines).toContain('[*] --> s_connected__choking__choked');
  });

  it('marks final and history states', () => {
    expect(lines).toContain('s_stopped --> [*]');
    expect(lines).toContain('s_connected__interest__finished --> [*]');
    expect(lines).toContain('state "H*" as s_connected__interest__hist');
  });

  it('draws a parallel root, onDone of a compound state and wildcard events', async () => {
    const m = setup({}).createMachine({
      id: 'par',
      type: 'parallel',
      states: {
        left: { initial: 'a', states: { a: { on: { GO: 'b' } }, b: { type: 'final' } }, onDone: { target: '.a', description: 'restart' } },
        right: { initial: 'x', states: { x: { on: { '*': 'y' } }, y: {} } },
      },
    });
    const source = machineToMermaid(machineModel(m));
    const ls = source.split('\n').map((l) => l.trim());
    expect(ls.slice(1, 4)).toEqual(['state "par" as s_root {', 'state "left" as s_left {', '[*] --> s_left__a']);
    expect(ls).toContain('--');
    expect(ls).toContain('s_left --> s_left__a : onDone');
    expect(ls).toContain('s_right__x --> s_right__y : *');
    await expect(parseMermaid(source)).resolves.toMatchObject({ diagramType: 'stateDiagram' });
  });

  it('is deterministic', () => {
    expect(machineToMermaid(machineModel(sampleMachine))).toBe(mmd);
  });

  it('parses for arbitrary state, event, guard and delay names', async () => {
    const name = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcXYZ09_.-:;#{}[]"\' *&|%'.split('')) });
    // xstate itself reads '.' and '#' in state keys as paths and ids, so state keys avoid them.
    const stateKey = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcXYZ09_-:;{}[]"\' *&|%'.split('')) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(stateKey, { minLength: 2, maxLength: 4 }), name, name, name, async (states, event, guard, delay) => {
        const [first = 'a', second = 'b'] = states;
        const machine = setup({ guards: { [guard]: () => true }, delays: { [delay]: 10 } }).createMachine({
          id: 'm',
          initial: first,
          states: Object.fromEntries(
            states.map((s) => [
              s,
              s === first
                ? { on: { [event]: { target: second, guard } }, after: { [delay]: second }, always: { target: second, guard } }
                : { type: 'parallel' as const, states: { r1: { initial: 'x', states: { x: {} } }, r2: { initial: 'x', states: { x: { type: 'final' as const } } } } },
            ]),
          ),
        });
        const source = machineToMermaid(machineModel(machine));
        await parseMermaid(source);
        expect(source.match(/ --> /g)?.length).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 60 },
    );
  });
});
