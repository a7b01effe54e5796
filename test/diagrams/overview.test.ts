/**
 * The overview is derived: who starts whom from `setup({ actors })` and `invoke`, events between
 * machines from the `sendTo`/`emit` calls in their sources. Machines added later (metadata, DHT)
 * must appear without editing the generator, so the detailed checks use made-up machines; the
 * real ones are only checked for what every version of them has.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromPromise, setup } from 'xstate';
import { diagramSet } from '../../scripts/diagramFiles.js';
import { loadMachines } from '../../scripts/loadMachines.js';
import { machineModel } from '../../scripts/machineModel.js';
import { overviewMermaid, readRepoFacts, type RepoFacts } from '../../scripts/overview.js';
import { DATA_FLOW } from '../../scripts/overviewPlan.js';
import { sourceFacts } from '../../scripts/sourceFacts.js';
import { parseMermaid } from './mermaidParser.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('sourceFacts', () => {
  it('reads emitted and sent event types from emit/sendTo/sendParent calls', () => {
    const source = `
      const closeEvent = (message: string) => ({ type: 'CLOSE', message } as EventObject);
      function stopEvent() { if (x) return { type: 'STOP' }; return { type: 'STOP' }; }
      export const m = setup({
        actions: {
          a: emit({ type: 'started' as const }),
          b: emit(({ event }) => ({ type: 'seen', index: event.index, message: { type: 'nested' } })),
          c: enqueueActions(({ enqueue, system }) => {
            enqueue.emit({ type: 'peers', peers: [] });
            enqueue.sendTo(system.get('x'), { type: 'UNCHOKE' });
            enqueue.sendTo(ref, closeEvent('bye'));
          }),
          d: sendParent({ type: 'CHILD_DONE' }),
          e: sendTo('other', stopEvent()),
          f: raise({ type: 'SELF' }),
        },
      });
      type NotAnEvent = { type: 'TYPE_ONLY' };`;
    expect(sourceFacts('m.machine.ts', source)).toEqual({ emits: ['peers', 'seen', 'started'], sends: ['CHILD_DONE', 'CLOSE', 'STOP', 'UNCHOKE'] });
  });
});

// Three made-up machines in the shape new ones take: a node that invokes a socket (IO) and
// spawns lookups, lookups that report to their parent, and a table nobody starts.
const lookupMachine = setup({}).createMachine({ id: 'dhtLookup', initial: 'asking', states: { asking: { on: { REPLY: 'done', CANCEL: 'done' } }, done: { type: 'final' } } });
const nodeMachine = setup({ actors: { socket: fromPromise(async () => 0), dhtLookup: lookupMachine } }).createMachine({
  id: 'dhtNode',
  initial: 'running',
  states: { running: { invoke: { src: 'socket' }, on: { FIND: {}, LOOKUP_DONE: {} } } },
});
const tableMachine = setup({}).createMachine({ id: 'routingTable', on: { ADD: {}, CANCEL: {} } });
const sources: RepoFacts = {
  machineSources: new Map([
    ['dhtNode', `const a = enqueueActions(({ enqueue }) => { enqueue.spawnChild('dhtLookup'); enqueue.sendTo(ref, { type: 'CANCEL' }); enqueue.emit({ type: 'found' }); });`],
    ['dhtLookup', `const b = sendParent({ type: 'LOOKUP_DONE' });`],
    ['routingTable', ''],
  ]),
  streams: ['frames', 'somethingNew'],
};
const made = overviewMermaid(
  [
    { name: 'dhtNode', model: machineModel(nodeMachine) },
    { name: 'dhtLookup', model: machineModel(lookupMachine) },
    { name: 'routingTable', model: machineModel(tableMachine) },
  ],
  sources,
);
const madeLines = made.mmd.split('\n').map((l) => l.trim());

describe('overview of machines it has never seen', () => {
  it('draws who starts whom: invoked IO actors, spawned machines, and the session starting the rest', () => {
    expect(madeLines).toContain('io_dhtNode_socket(["socket<br/>IO actor"])');
    expect(madeLines).toContain('m_dhtNode -->|"invokes"| io_dhtNode_socket');
    expect(madeLines).toContain('m_dhtNode -->|"spawns<br/>sends CANCEL"| m_dhtLookup');
    expect(madeLines).toContain('session_in -->|"starts<br/>sends FIND"| m_dhtNode');
    expect(made.mmd).not.toContain('session_in -->|"starts"| m_dhtLookup');
  });

  it('draws events between machines dotted, and what they emit going to the session', () => {
    expect(madeLines).toContain('m_dhtLookup -.->|"sends LOOKUP_DONE"| m_dhtNode');
    expect(madeLines).toContain('m_dhtNode -.->|"emits found"| session_out');
    // REPLY comes from nobody but the session; CANCEL comes from the node
    expect(madeLines).toContain('session_in -.->|"sends REPLY"| m_dhtLookup');
    // the table accepts CANCEL too, but the node sends it to the lookups it spawns
    expect(made.mmd).not.toContain('m_dhtNode -.->|"sends CANCEL"| m_routingTable');
    expect(madeLines).toContain('session_in -->|"starts<br/>sends ADD, CANCEL"| m_routingTable');
  });

  it('lists streams files the hand-written flow does not name, and reports steps that do not resolve', () => {
    expect(made.mmd).toContain('somethingNew');
    expect(made.unresolved.length).toBeGreaterThan(0);
    expect(made.unresolved).toContain('socket → wireSocket');
  });

  it('parses as a Mermaid flowchart', async () => {
    await expect(parseMermaid(made.mmd)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });
});

describe('overview of this repository', () => {
  it('shows every machine and resolves every hand-written data-plane step (update scripts/overviewPlan.ts when streams/ moves)', async () => {
    const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');
    const repo = await readRepoFacts(repoRoot);
    const { mmd, unresolved } = overviewMermaid(
      machines.map((m) => ({ name: m.name, model: machineModel(m.machine) })),
      repo,
    );
    for (const m of machines) expect(mmd).toContain(`${m.name} machine`);
    expect(unresolved).toEqual([]);
    expect(mmd.match(/==>/g)?.length).toBe(DATA_FLOW.length);
  });

  it('README tells a student to start with the overview, then the peer, then the torrent', async () => {
    const machines = await loadMachines(repoRoot, join(repoRoot, 'machines'), 'ts');
    const readme = diagramSet(machines, await readRepoFacts(repoRoot)).texts.get('README.md') ?? '';
    const start = readme.indexOf('## Where to start');
    expect(start).toBeGreaterThan(0);
    const overview = readme.indexOf('1. [overview.svg](overview.svg)');
    const peer = readme.indexOf('2. [peer](#peer) ([peer.svg](peer.svg))');
    const torrent = readme.indexOf('3. [torrent](#torrent)');
    expect(start < overview && overview < peer && peer < torrent).toBe(true);
    expect(readme).toContain('`[else]`');
    expect(readme).toContain('`/ actions`');
  });
});
