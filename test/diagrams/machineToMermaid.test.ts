import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { and, setup, stateIn } from 'xstate';
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

  it('labels guarded, delayed, eventless and invoke transitions by name, with their actions', () => {
    // long labels break before the guard and before the actions, so they stay narrow
    expect(lines).toContain('s_handshaking --> s_checking : HANDSHAKE<br/>[validHandshake]<br/>/ mark ok');
    // what a state handles while staying in it is listed inside its box, UML style (self-loops
    // get laid out over other arrows)
    expect(lines).toContain('s_handshaking : HANDSHAKE [canRetry && !validHandshake] / count retry');
    expect(lines).toContain('s_handshaking : RETRY / mark ok');
    expect(mmd).not.toContain('s_handshaking --> s_handshaking');
    // both timers lead to the same state: one arrow, one label line each (no overlapping labels)
    expect(lines).toContain('s_handshaking --> s_stopped : after 5000ms<br/>after handshakeTimeout');
    expect(lines).toContain('s_checking --> s_connected : always [isOk]');
    // the unguarded last resort of a guarded list is the fallback
    expect(lines).toContain('s_checking --> s_stopped : always [else]');
    expect(lines).toContain('s_dialling --> s_handshaking : done(dial)');
    expect(lines).toContain('s_dialling --> s_stopped : error(dial)');
    // root transitions apply anywhere: drawn from an "any state" node inside the machine's box
    expect(lines).toContain('state "any state" as s_any_state');
    expect(lines.indexOf('state "any state" as s_any_state')).toBeLessThan(lines.lastIndexOf('}'));
    expect(lines).toContain('s_any_state --> s_stopped : STOP');
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

  it('shortens stateIn guards to the path that differs from the source', () => {
    const m = setup({ guards: { g: () => true } }).createMachine({
      id: 'par',
      type: 'parallel',
      states: {
        a: { initial: 'x', states: { x: {}, y: {} } },
        b: { initial: 'p', states: { p: { on: { GO: { target: 'q', guard: and([stateIn('#par.a.y'), 'g']) } } }, q: {} } },
      },
    });
    expect(machineToMermaid(machineModel(m))).toContain('s_b__p --> s_b__q : GO [(in a.y) && g]');
    const nested = setup({ guards: { g: () => true } }).createMachine({
      id: 'n',
      initial: 'top',
      states: {
        top: {
          type: 'parallel',
          states: {
            a: { initial: 'x', states: { x: {}, y: {} } },
            b: { initial: 'p', states: { p: { on: { GO: { target: 'q', guard: and([stateIn('#n.top.a.y'), 'g']) } } }, q: {} } },
          },
        },
      },
    });
    expect(machineToMermaid(machineModel(nested))).toContain('s_top__b__p --> s_top__b__q : GO [(in a.y) && g]');
  });

  it('lists what a box handles while staying in it inside the box (a composite: in an "anywhere in" box)', async () => {
    const m = setup({ actions: { log: () => {} } }).createMachine({
      id: 'm',
      initial: 'box',
      states: { box: { initial: 'a', entry: 'log', on: { PING: { actions: 'log' } }, states: { a: { on: { TICK: { actions: 'log' } } } } } },
    });
    const source = machineToMermaid(machineModel(m));
    const ls = source.split('\n').map((l) => l.trim());
    const inside = ls.indexOf('state "anywhere in box" as s_box__anywhere');
    expect(inside).toBeGreaterThan(ls.indexOf('state "box" as s_box {'));
    expect(ls).toContain('s_box__anywhere : entry / log');
    expect(ls).toContain('s_box__anywhere : PING / log');
    expect(ls).toContain('s_box__a : TICK / log');
    expect(source).not.toMatch(/s_box(__a)? --> s_box/);
    await expect(parseMermaid(source)).resolves.toMatchObject({ diagramType: 'stateDiagram' });
  });

  it('never lets a name open a Mermaid comment or directive (%%)', async () => {
    // found by the property below: a state key '%%{a' read as a directive broke the parse
    const m = setup({}).createMachine({ id: 'm', initial: '%%{a', states: { '%%{a': { on: { '%%x': 'b' } }, b: {} } });
    const source = machineToMermaid(machineModel(m));
    expect(source).not.toContain('%%');
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
        // the event, delayed and eventless transitions share one arrow
        const edge = source.split('\n').find((l) => l.startsWith('  s_') && l.includes(' --> '));
        expect(edge).toContain('<br/>always');
        expect(edge).toContain('<br/>after ');
      }),
      { numRuns: 60 },
    );
  });
});
