/**
 * Reads an XState v5 machine's resolved StateNode tree into a plain, ordered model: states,
 * transitions (with named guards and named delays), descriptions and BEP references. The diagram
 * generator and the machine-coverage check both use it, so a state or transition has one name.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/** What kind of state node this is, after xstate resolved the config. */
export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One transition as declared on its source state node. */
export interface TransitionModel {
  /** Stable identity: `<sourceId> <eventType or "always"> #<index among that event's transitions>`. */
  readonly key: string;
  /** xstate id of the state node that declares the transition. */
  readonly source: string;
  /** The raw xstate event type ('' for eventless `always`). */
  readonly eventType: string;
  /** Human trigger: `EVENT`, `after delayName`, `always`, `done(actorSrc)`, `error(actorSrc)`, `onDone`. */
  readonly trigger: string;
  /** The guard rendered by name (`a && !b`), absent when unguarded. */
  readonly guard: string | undefined;
  /**
   * True for the unguarded last resort of a guarded list (`[else]`): earlier transitions for the
   * same event all have guards, and this one runs when none of them holds.
   */
  readonly fallback: boolean;
  /** What the transition does, by name (see {@link actionName}), in execution order. */
  readonly actions: readonly string[];
  /** A transition to its own source that leaves and re-enters it (restarting its timers). */
  readonly reenter: boolean;
  /** xstate ids of the targets; empty for a targetless (internal, actions-only) transition. */
  readonly targets: readonly string[];
  readonly description: string | undefined;
  readonly bep: string | undefined;
}

/** One state node with its children and own transitions. */
export interface StateModel {
  /** xstate id, e.g. `peer.choking.choked`. */
  readonly id: string;
  /** The key in its parent's `states` (the machine id for the root). */
  readonly key: string;
  /** Keys from the root (exclusive) down to this node. */
  readonly path: readonly string[];
  readonly kind: StateKind;
  /** For history states: shallow or deep. */
  readonly history: 'shallow' | 'deep' | undefined;
  readonly description: string | undefined;
  readonly bep: string | undefined;
  /** xstate ids entered initially (compound states only). */
  readonly initial: readonly string[];
  /** Invoked actors by their logic name (`src`). */
  readonly invokes: readonly string[];
  /** Entry and exit actions by name (see {@link actionName}). */
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  readonly children: readonly StateModel[];
  readonly transitions: readonly TransitionModel[];
}

/** A whole machine, with flattened lists in document order. */
export interface MachineModel {
  readonly id: string;
  readonly root: StateModel;
  /** Every state node, root first, depth-first in declaration order. */
  readonly states: readonly StateModel[];
  /** Every transition, in the order of `states`. */
  readonly transitions: readonly TransitionModel[];
  /** Event descriptions from the root's `meta.events` (see {@link eventDocs}). */
  readonly events: ReadonlyMap<string, { readonly description: string | undefined; readonly bep: string | undefined }>;
  /** Named and inline timers, by name, in name order (see {@link timerDocs}). */
  readonly delays: ReadonlyMap<string, TimerDoc>;
  /** Named guards from `setup({ guards })`, by name, with text from the root's `meta.guards`. */
  readonly guards: ReadonlyMap<string, { readonly description: string | undefined; readonly bep: string | undefined }>;
  /** Actor logic named in `setup({ actors })`, in name order: what the machine can invoke or spawn. */
  readonly actors: readonly string[];
}

/** A timer: its default duration when fixed, and its text from the root's `meta.delays`. */
export interface TimerDoc {
  /** Milliseconds when the delay is a number; undefined when computed from context or input. */
  readonly defaultMs: number | undefined;
  readonly description: string | undefined;
  readonly bep: string | undefined;
}

/** Builds the model of a machine. Pure: only reads the StateNode tree. */
export function machineModel(machine: AnyStateMachine): MachineModel {
  const root = stateModel(machine.root);
  const states: StateModel[] = [];
  const walk = (s: StateModel): void => {
    states.push(s);
    s.children.forEach(walk);
  };
  walk(root);
  const transitions = states.flatMap((s) => s.transitions);
  return {
    id: machine.id,
    root,
    states,
    transitions,
    events: eventDocs(machine.root.meta),
    delays: timerDocs(machine, transitions),
    guards: guardDocs(machine),
    actors: Object.keys((machine.implementations.actors ?? {}) as Record<string, unknown>).sort(),
  };
}

/**
 * Timers: every delay named in `setup({ delays })` (also those only used by delayed `raise`, which
 * no transition shows) plus inline numeric ones (`after: { 5000: … }`). Text comes from the
 * root's `meta.delays: { name: { description, bep } | 'description' }`.
 */
function timerDocs(machine: AnyStateMachine, transitions: readonly TransitionModel[]): Map<string, TimerDoc> {
  const docs = namedDocs(machine.root.meta, 'delays');
  const impl = (machine.implementations.delays ?? {}) as Record<string, unknown>;
  const out = new Map<string, TimerDoc>();
  for (const [name, value] of Object.entries(impl)) {
    out.set(name, { defaultMs: typeof value === 'number' ? value : undefined, ...docOf(docs, name) });
  }
  for (const t of transitions) {
    const inline = /^after (\d+)ms$/.exec(t.trigger);
    if (inline?.[1] !== undefined && !out.has(`${inline[1]}ms`)) out.set(`${inline[1]}ms`, { defaultMs: Number(inline[1]), ...docOf(docs, `${inline[1]}ms`) });
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Guards named in `setup({ guards })`, with text from the root's `meta.guards`. */
function guardDocs(machine: AnyStateMachine): Map<string, { description: string | undefined; bep: string | undefined }> {
  const docs = namedDocs(machine.root.meta, 'guards');
  const names = Object.keys((machine.implementations.guards ?? {}) as Record<string, unknown>).sort();
  return new Map(names.map((name) => [name, docOf(docs, name)]));
}

function docOf(docs: Map<string, { description: string | undefined; bep: string | undefined }>, name: string): { description: string | undefined; bep: string | undefined } {
  return docs.get(name) ?? { description: undefined, bep: undefined };
}

/** External events the machine accepts: those named in `on` (not xstate's done/after/error events), sorted. */
export function eventNames(model: MachineModel): string[] {
  const names = new Set<string>();
  for (const t of model.transitions) if (t.eventType !== '' && !t.eventType.startsWith('xstate.')) names.add(t.eventType);
  return [...names].sort();
}

/**
 * Stable key of a transition definition taken from a running actor (for example from an
 * `@xstate.microstep` inspection event), matching {@link TransitionModel.key}.
 */
export function transitionKey(t: AnyTransitionDefinition): string {
  const source = t.source;
  const eventType = String(t.eventType);
  const list = eventType === '' ? (source.always ?? []) : (source.transitions.get(eventType) ?? []);
  return keyOf(source.id, eventType, list.indexOf(t));
}

function keyOf(sourceId: string, eventType: string, index: number): string {
  return `${sourceId} ${eventType === '' ? 'always' : eventType} #${index}`;
}

function stateModel(node: AnyStateNode): StateModel {
  const kind: StateKind =
    node.type === 'history' ? 'history' : node.type === 'final' ? 'final' : node.type === 'parallel' ? 'parallel' : node.type === 'compound' ? 'compound' : 'atomic';
  const delays = new Map<string, string>();
  for (const d of node.after) delays.set(String(d.eventType), delayName(d.delay));
  const invokeSrc = new Map<string, string>();
  for (const inv of node.invoke) invokeSrc.set(inv.id, typeof inv.src === 'string' ? inv.src : 'inline actor');

  const transitions: TransitionModel[] = [];
  for (const [eventType, list] of node.transitions) {
    list.forEach((t, i) => transitions.push(transitionModel(node, String(eventType), list, i, triggerOf(node, String(eventType), delays, invokeSrc))));
  }
  const always = node.always ?? [];
  always.forEach((_, i) => transitions.push(transitionModel(node, '', always, i, 'always')));

  const initial = kind === 'compound' && node.initial ? node.initial.target.map((n) => n.id) : [];
  const history = kind === 'history' ? (node.history === 'deep' ? 'deep' : 'shallow') : undefined;
  return {
    id: node.id,
    key: node.parent === undefined ? node.machine.id : node.key,
    path: node.path,
    kind,
    history,
    description: node.description,
    bep: bepOf(node.meta),
    initial,
    invokes: [...invokeSrc.values()],
    entry: actionNames(node.entry),
    exit: actionNames(node.exit),
    children: Object.values(node.states).map(stateModel),
    transitions,
  };
}

function transitionModel(node: AnyStateNode, eventType: string, list: readonly AnyTransitionDefinition[], index: number, trigger: string): TransitionModel {
  const t = list[index]!;
  const targets = (t.target ?? []).map((n) => n.id);
  return {
    key: keyOf(node.id, eventType, index),
    source: node.id,
    eventType,
    trigger,
    guard: t.guard === undefined ? undefined : guardName(t.guard),
    fallback: t.guard === undefined && index > 0 && list.slice(0, index).every((earlier) => earlier.guard !== undefined),
    actions: actionNames(t.actions),
    reenter: t.reenter && targets.includes(node.id),
    targets,
    description: t.description,
    bep: bepOf(t.meta),
  };
}

function triggerOf(node: AnyStateNode, eventType: string, delays: Map<string, string>, invokeSrc: Map<string, string>): string {
  const delay = delays.get(eventType);
  if (delay !== undefined) return `after ${delay}`;
  if (eventType === `xstate.done.state.${node.id}`) return 'onDone';
  for (const [prefix, word] of [
    ['xstate.done.actor.', 'done'],
    ['xstate.error.actor.', 'error'],
    ['xstate.snapshot.', 'snapshot'],
  ] as const) {
    if (eventType.startsWith(prefix)) {
      const id = eventType.slice(prefix.length);
      return `${word}(${invokeSrc.get(id) ?? id})`;
    }
  }
  return eventType;
}

/** Named delays keep their name (never the xstate.after.* event); numeric ones read `500ms`. */
function delayName(delay: unknown): string {
  if (typeof delay === 'number') return `${delay}ms`;
  if (typeof delay === 'string') return delay;
  return 'inline delay';
}

function actionNames(actions: readonly unknown[]): string[] {
  return actions.flatMap((a) => {
    const name = actionName(a);
    return name === undefined ? [] : [name];
  });
}

/**
 * Names an action: its name in `setup({ actions })` when it has one; for xstate's inline action
 * creators what they do (`emit peers`, `raise TICK`, `send START`); undefined for an inline
 * `assign` or `log`, which only update context or print.
 */
export function actionName(action: unknown): string | undefined {
  if (typeof action === 'string') return action;
  if (typeof action === 'object' && action !== null && 'type' in action) return String((action as { type: unknown }).type);
  if (typeof action !== 'function') return undefined;
  const a = action as { type?: unknown; event?: unknown; name?: string; src?: unknown };
  const eventType = typeof a.event === 'object' && a.event !== null && 'type' in a.event ? String((a.event as { type: unknown }).type) : undefined;
  const withEvent = (verb: string): string => (eventType === undefined ? verb : `${verb} ${eventType}`);
  switch (a.type) {
    case 'xstate.assign':
    case 'xstate.log':
    // xstate's own bookkeeping for `after` timers (raise xstate.after.* on entry, cancel on exit).
    case 'xstate.cancel':
      return undefined;
    case 'xstate.emit':
      return withEvent('emit');
    case 'xstate.raise':
      return eventType?.startsWith('xstate.') ? undefined : withEvent('raise');
    case 'xstate.sendTo':
      return withEvent('send');
    case 'xstate.spawnChild':
      return typeof a.src === 'string' ? `spawn ${a.src}` : 'spawn';
    case 'xstate.stopChild':
      return 'stop child';
    case 'xstate.enqueueActions':
      return 'inline actions';
    default:
      return a.name ? `inline ${a.name}` : 'inline action';
  }
}

/**
 * Renders a guard by name. Named guards are strings or `{ type }` objects; xstate's higher-order
 * guards (`and`, `or`, `not`, `stateIn`) are functions carrying their operands.
 */
export function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') {
    const g = guard as { name?: string; guards?: unknown[]; stateValue?: unknown };
    const parts = (g.guards ?? []).map(guardName);
    if (g.name === 'not' && parts.length === 1) return `!${wrap(parts[0] ?? '')}`;
    if (g.name === 'and') return parts.map(wrap).join(' && ');
    if (g.name === 'or') return parts.map(wrap).join(' || ');
    // stateIn('#machine.a.b') targets a state id; the '#' is xstate syntax, not part of the name.
    if (g.name === 'stateIn') return `in ${typeof g.stateValue === 'string' ? g.stateValue.replace(/^#/, '') : JSON.stringify(g.stateValue)}`;
    return g.name ? `inline ${g.name}` : 'inline guard';
  }
  return 'unknown guard';
}

function wrap(s: string): string {
  return /[ &|]/.test(s) ? `(${s})` : s;
}

function bepOf(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const bep = (meta as { bep?: unknown }).bep;
  if (typeof bep === 'string') return bep;
  if (Array.isArray(bep)) return bep.map(String).join('; ');
  return undefined;
}

/**
 * Event descriptions live on the root as `meta.events: { EVENT: { description, bep } }` (or
 * `EVENT: 'description'`), because XState has no place for them on the event types themselves.
 */
export function eventDocs(meta: unknown): Map<string, { description: string | undefined; bep: string | undefined }> {
  return namedDocs(meta, 'events');
}

/** Reads `meta[key]: { NAME: { description, bep } | 'description' }`. */
function namedDocs(meta: unknown, key: 'events' | 'delays' | 'guards'): Map<string, { description: string | undefined; bep: string | undefined }> {
  const out = new Map<string, { description: string | undefined; bep: string | undefined }>();
  if (typeof meta !== 'object' || meta === null) return out;
  const entries = (meta as Record<string, unknown>)[key];
  if (typeof entries !== 'object' || entries === null) return out;
  for (const [name, doc] of Object.entries(entries)) {
    if (typeof doc === 'string') out.set(name, { description: doc, bep: undefined });
    else if (typeof doc === 'object' && doc !== null) {
      const d = (doc as { description?: unknown }).description;
      out.set(name, { description: typeof d === 'string' ? d : undefined, bep: bepOf(doc) });
    }
  }
  return out;
}
