/**
 * Machine coverage by exhaustive replay: explores every snapshot a machine can reach (breadth
 * first, each path replayed on a fresh actor with a simulated clock) and records, through the
 * actor's `inspect` microsteps, which state nodes were entered and which transitions were taken.
 * Self-contained per machine, so it does not depend on which vitest worker ran which test file.
 *
 * Events tried in every snapshot: the machine's sample events, a bare `{ type }` for every other
 * event named in an `on`, the `after` events of the active states (delays fire by name, not by
 * waiting), and done/error events of the active states' invoked actors. Invoked and spawned
 * actors are replaced by inert ones so no IO starts; their results are the synthesized events.
 */
import { type AnyEventObject, type AnyStateMachine, type AnyStateNode, SimulatedClock, createActor, fromCallback } from 'xstate';
import { machineModel, transitionKey, type MachineModel, type StateModel, type TransitionModel } from '../../scripts/machineModel.js';

/** What the exploration may feed the machine. */
export interface CoverageSamples {
  /** Events with payloads (e.g. `{ type: 'HANDSHAKE', valid: true }`); tried in every snapshot. */
  readonly events?: readonly AnyEventObject[];
  /** `input` for createActor, when the machine needs one. */
  readonly input?: unknown;
  /** Several inputs (e.g. outgoing and incoming connections); coverage is their union. */
  readonly inputs?: readonly unknown[];
  /** Outputs an invoked actor may finish with, by actor `src` name; default `[undefined]`. */
  readonly outputs?: Readonly<Record<string, readonly unknown[]>>;
  /** Distinct snapshots to explore per input before giving up (default 1000). */
  readonly maxSnapshots?: number;
}

/** The result for one machine. */
export interface MachineCoverage {
  readonly model: MachineModel;
  readonly reachedStates: ReadonlySet<string>;
  readonly takenTransitions: ReadonlySet<string>;
  readonly uncoveredStates: readonly StateModel[];
  readonly uncoveredTransitions: readonly TransitionModel[];
  /** Distinct snapshots explored (summed over inputs); `truncated` when `maxSnapshots` cut one short. */
  readonly snapshots: number;
  readonly truncated: boolean;
  /** Events that put the actor in an error state (first few), as hints for missing samples. */
  readonly errors: readonly string[];
}

interface Node {
  readonly path: readonly AnyEventObject[];
  readonly activeIds: readonly string[];
}

/** Explores `machine` and reports what was never reached. */
export function machineCoverage(machine: AnyStateMachine, samples: CoverageSamples = {}): MachineCoverage {
  const model = machineModel(machine);
  const inert = machine.provide({
    actors: Object.fromEntries(Object.keys(machine.implementations.actors).map((name) => [name, fromCallback(() => undefined)])),
  });
  const reachedStates = new Set<string>();
  const takenTransitions = new Set<string>();
  const errors: string[] = [];
  const maxSnapshots = samples.maxSnapshots ?? 1000;
  const sampleTypes = new Set((samples.events ?? []).map((e) => e.type));
  const bareEvents = [...new Set(model.transitions.map((t) => t.eventType))]
    .filter((e) => e !== '' && e !== '*' && !e.startsWith('xstate.') && !sampleTypes.has(e))
    .sort()
    .map((type) => ({ type }));
  // A wildcard ('*') transition takes any event: one the machine names nowhere else exercises it.
  const wildcard = model.transitions.some((t) => t.eventType === '*') ? [{ type: 'coverage.unnamedEvent' }] : [];
  const externalEvents: AnyEventObject[] = [...(samples.events ?? []), ...bareEvents, ...wildcard];

  const inputs: readonly unknown[] = samples.inputs ?? [samples.input];
  let snapshots = 0;
  let truncated = false;
  for (const input of inputs) {
    const explored = explore(input);
    snapshots += explored.snapshots;
    truncated ||= explored.truncated;
  }

  /** Breadth-first over distinct snapshots reachable from the initial one for `input`. */
  function explore(input: unknown): { snapshots: number; truncated: boolean } {
    const start = run(input, []);
    const seen = new Set<string>();
    let frontier: Node[] = [];
    if (start !== undefined) {
      seen.add(start.key);
      if (!start.done) frontier.push({ path: [], activeIds: start.activeIds });
    }
    let cut = false;
    // Stop as soon as everything is covered: machines with counters in context have unbounded
    // snapshot spaces, and the question is only whether each part is reachable.
    const complete = (): boolean => reachedStates.size === model.states.length && takenTransitions.size === model.transitions.length;
    while (frontier.length > 0 && !cut && !complete()) {
      const next: Node[] = [];
      for (const node of frontier) {
        for (const event of [...externalEvents, ...internalEvents(inert, node.activeIds, samples.outputs ?? {})]) {
          const path = [...node.path, event];
          const result = run(input, path);
          if (result === undefined || seen.has(result.key)) continue;
          seen.add(result.key);
          if (seen.size >= maxSnapshots || complete()) cut = true;
          if (!result.done) next.push({ path, activeIds: result.activeIds });
          if (cut) break;
        }
        if (cut) break;
      }
      frontier = next;
    }
    return { snapshots: seen.size, truncated: cut && !complete() };
  }

  /** Replays `path` on a fresh actor; undefined when the actor errored (recorded in `errors`). */
  function run(input: unknown, path: readonly AnyEventObject[]): { key: string; activeIds: string[]; done: boolean } | undefined {
    const actor = createActor(inert, {
      clock: new SimulatedClock(),
      ...(input === undefined ? {} : { input }),
      inspect: (ev) => {
        // Only the machine itself, not the inert children it invokes.
        if (ev.actorRef.sessionId !== ev.rootId) return;
        if (ev.type === '@xstate.microstep') {
          for (const t of ev._transitions) {
            takenTransitions.add(transitionKey(t));
            // The source was active even when an eventless transition left it in the same step.
            reachedStates.add(t.source.id);
          }
          for (const id of activeNodeIds(ev.snapshot)) reachedStates.add(id);
        } else if (ev.type === '@xstate.snapshot') {
          for (const id of activeNodeIds(ev.snapshot)) reachedStates.add(id);
        }
      },
    });
    // An error handler keeps xstate from rethrowing actor errors as uncaught exceptions.
    actor.subscribe({ error: () => undefined });
    try {
      actor.start();
      for (const event of path) actor.send(event);
      const snap = actor.getSnapshot();
      if (snap.status === 'error') {
        if (errors.length < 5) errors.push(`${pathText(path)}: ${messageOf(snap.error)}`);
        return undefined;
      }
      const activeIds = activeNodeIds(snap);
      return { key: stableKey({ v: snap.value, c: snap.context, s: snap.status }), activeIds, done: snap.status !== 'active' };
    } catch (error) {
      if (errors.length < 5) errors.push(`${pathText(path)}: ${messageOf(error)}`);
      return undefined;
    } finally {
      actor.stop();
    }
  }

  return {
    model,
    reachedStates,
    takenTransitions,
    uncoveredStates: model.states.filter((s) => !reachedStates.has(s.id)),
    uncoveredTransitions: model.transitions.filter((t) => !takenTransitions.has(t.key)),
    snapshots,
    truncated,
    errors,
  };
}

/** One line per gap, e.g. `transition handshaking --HANDSHAKE [valid]--> active never taken`. */
export function coverageGaps(c: MachineCoverage): string[] {
  const name = (id: string): string => {
    const s = c.model.states.find((x) => x.id === id);
    return s === undefined || s.path.length === 0 ? '(root)' : s.path.join('.');
  };
  return [
    ...c.uncoveredStates.map((s) => `state ${name(s.id)} never entered`),
    ...c.uncoveredTransitions.map(
      (t) => `transition ${name(t.source)} --${t.trigger}${t.guard ? ` [${t.guard}]` : ''}--> ${t.targets.length === 0 ? '(self, actions only)' : t.targets.map(name).join(', ')} never taken`,
    ),
  ];
}

/** after/done/error events the active states can receive from timers and invoked actors. */
function internalEvents(machine: AnyStateMachine, activeIds: readonly string[], outputs: Readonly<Record<string, readonly unknown[]>>): AnyEventObject[] {
  const out: AnyEventObject[] = [];
  for (const id of activeIds) {
    const node: AnyStateNode = machine.getStateNodeById(id);
    for (const t of node.after) out.push({ type: String(t.eventType) });
    for (const inv of node.invoke) {
      const src = typeof inv.src === 'string' ? inv.src : '';
      // Only results the state handles: an unhandled actor error would just fail the machine.
      if (inv.onDone) for (const output of outputs[src] ?? [undefined]) out.push({ type: `xstate.done.actor.${inv.id}`, output, actorId: inv.id });
      if (inv.onError) out.push({ type: `xstate.error.actor.${inv.id}`, error: new Error(`sample failure of ${src || inv.id}`), actorId: inv.id });
    }
  }
  return out;
}

function activeNodeIds(snapshot: unknown): string[] {
  const nodes = (snapshot as { _nodes?: readonly AnyStateNode[] })._nodes ?? [];
  return nodes.map((n) => n.id);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** JSON with stable handling of bigint, typed arrays, Map, Set, functions, actor refs and cycles. */
function stableKey(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'function') return '[function]';
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return '[cycle]';
    seen.add(v);
    if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v.values()] };
    if ('send' in v && 'getSnapshot' in v) return `[actor ${String((v as { id?: unknown }).id)}]`;
    return v;
  });
}

function pathText(path: readonly AnyEventObject[]): string {
  return path.length === 0 ? 'start' : path.map((e) => e.type).join(' → ');
}
