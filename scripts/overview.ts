/**
 * diagrams/overview.mmd: one Mermaid flowchart of how the machines talk to each other and where
 * the data plane runs beside them. Derived from the machines where they tell:
 * - who starts whom: the actors in a machine's `setup({ actors })`, invoked by a state (solid
 *   arrow "invokes") or otherwise spawned from an action ("spawns"); an actor named like another
 *   machine (`peer`, `announcer` → announce) is that machine, any other is IO the session
 *   provides (a promise or callback actor);
 * - events between machines: the event types a machine's source passes to `sendTo`/`sendParent`
 *   that another machine accepts (dotted arrow), read by sourceFacts.ts;
 * - events to and from the session: what each machine emits, and the events it accepts that no
 *   machine sends (so they come from the session, which turns IO into events).
 * The data plane and the session's role are written by hand in overviewPlan.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventNames, type MachineModel } from './machineModel.js';
import { wrapWords } from './machineToMermaid.js';
import { DATA_FLOW, OUTSIDE, SESSION, type FlowStep } from './overviewPlan.js';
import { sourceFacts, type SourceFacts } from './sourceFacts.js';

/** What the overview needs from the repository besides the machine objects. */
export interface RepoFacts {
  /** machines/<file>.machine.ts base name to its source text. */
  readonly machineSources: ReadonlyMap<string, string>;
  /** Base names (no `.ts`) of streams/*.ts, sorted. */
  readonly streams: readonly string[];
}

/** Reads {@link RepoFacts} under `repoRoot`. */
export async function readRepoFacts(repoRoot: string): Promise<RepoFacts> {
  const list = async (dir: string): Promise<string[]> => (await readdir(join(repoRoot, dir)).catch(() => [] as string[])).sort();
  const machineSources = new Map<string, string>();
  for (const f of await list('machines')) {
    if (f.endsWith('.machine.ts')) machineSources.set(f.slice(0, -'.machine.ts'.length), await readFile(join(repoRoot, 'machines', f), 'utf8'));
  }
  const streams = (await list('streams')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3));
  return { machineSources, streams };
}

/** A machine to place in the overview. */
export interface OverviewMachine {
  readonly name: string;
  readonly model: MachineModel;
}

/** The overview's Mermaid source and what of overviewPlan.ts did not resolve. */
export interface Overview {
  readonly mmd: string;
  /** Data-plane steps left out because a file or machine they name does not exist. */
  readonly unresolved: readonly string[];
}

/** Most event names listed on one arrow before "+N more". */
const MAX_EVENTS = 4;
const LINE_CHARS = 22;

/** Builds the overview (deterministic: machines sorted by name, events sorted). */
export function overviewMermaid(machines: readonly OverviewMachine[], repo: RepoFacts): Overview {
  const sorted = [...machines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const facts = new Map<string, SourceFacts>();
  for (const m of sorted) {
    const file = m.name.split('.')[0] ?? m.name;
    const text = repo.machineSources.get(file);
    facts.set(m.name, text === undefined ? { emits: [], sends: [] } : sourceFacts(`${file}.machine.ts`, text));
  }
  const accepted = new Map(sorted.map((m) => [m.name, eventNames(m.model).filter((e) => e !== '*')]));
  const mid = (name: string): string => `m_${safeId(name)}`;
  // An actor `src` is the machine of that name or id, or whose name it extends (announcer → announce).
  const machineOf = (src: string): OverviewMachine | undefined =>
    sorted.find((m) => m.name === src || m.model.id === src) ??
    [...sorted].sort((a, b) => b.name.length - a.name.length).find((m) => src.startsWith(m.name) || src.startsWith(m.model.id));

  const nodes: string[] = [];
  const edges: string[] = [];
  const started = new Set<string>();
  const ioNodes: string[] = [];
  const messageEdges = new Map<string, { from: string; to: string; lines: string[]; solid: boolean }>();
  const edge = (from: string, to: string, solid: boolean, line: string): void => {
    const key = `${from}>${to}`;
    const e = messageEdges.get(key) ?? { from, to, lines: [], solid };
    e.lines.push(line);
    e.solid ||= solid;
    messageEdges.set(key, e);
  };

  for (const m of sorted) {
    for (const src of m.model.actors) {
      const invoked = m.model.states.some((s) => s.invokes.includes(src));
      const verb = invoked ? 'invokes' : 'spawns';
      const child = machineOf(src);
      if (child !== undefined && child.name !== m.name) {
        started.add(child.name);
        edge(mid(m.name), mid(child.name), true, src === child.name ? verb : `${verb} as ${src}`);
      } else if (child === undefined) {
        const id = `io_${safeId(m.name)}_${safeId(src)}`;
        ioNodes.push(`    ${id}(["${text(`${src}`)}<br/>${text('IO actor')}"])`);
        edge(mid(m.name), id, true, verb);
      }
    }
  }
  // Events each machine gets from another machine; the rest of what it accepts comes from the
  // session. Sources name event types, not targets: an event type a machine sends that one of
  // the machines it starts accepts goes to those (torrent's STOP to its announcer), otherwise to
  // every other machine accepting it (the choker's CHOKE to the peers it does not start).
  const children = new Map<string, Set<string>>(sorted.map((m) => [m.name, new Set<string>()]));
  for (const m of sorted) {
    for (const src of m.model.actors) {
      const child = machineOf(src);
      if (child !== undefined && child.name !== m.name) children.get(m.name)?.add(child.name);
    }
  }
  const fromMachines = new Map<string, Set<string>>(sorted.map((m) => [m.name, new Set<string>()]));
  for (const m of sorted) {
    const sentTo = new Map<string, string[]>();
    for (const e of facts.get(m.name)?.sends ?? []) {
      const accepting = sorted.filter((o) => o.name !== m.name && (accepted.get(o.name) ?? []).includes(e));
      const mine = accepting.filter((o) => children.get(m.name)?.has(o.name) ?? false);
      for (const o of mine.length > 0 ? mine : accepting) sentTo.set(o.name, [...(sentTo.get(o.name) ?? []), e]);
    }
    for (const [to, events] of sentTo) {
      events.forEach((e) => fromMachines.get(to)?.add(e));
      edge(mid(m.name), mid(to), false, `sends ${eventList(events)}`);
    }
  }

  const lines = ['flowchart TB'];
  lines.push(`  subgraph control ["${text('control plane: XState machines (machines/)')}"]`);
  for (const m of sorted) nodes.push(`    ${mid(m.name)}["${text(`${m.name} machine`)}<br/>${text(`${m.name}.svg`)}"]`);
  lines.push(...nodes, ...ioNodes, '  end');
  // The session appears twice, so arrows read top to bottom: it starts the actors and feeds them
  // events (IO in) above the machines, and subscribes to what they emit (IO out) below them.
  lines.push(`  session_in["${text(SESSION.label)}<br/>${text('IO in:')}<br/>${wrap(SESSION.inRole)}"]`);
  lines.push(`  session_out["${text(SESSION.label)}<br/>${text('IO out:')}<br/>${wrap(SESSION.outRole)}"]`);
  for (const m of sorted) {
    if (!started.has(m.name)) edge('session_in', mid(m.name), true, 'starts');
    const fromSession = (accepted.get(m.name) ?? []).filter((e) => !(fromMachines.get(m.name)?.has(e) ?? false));
    if (fromSession.length > 0) edge('session_in', mid(m.name), false, `sends ${eventList(fromSession)}`);
    const emits = facts.get(m.name)?.emits ?? [];
    if (emits.length > 0) edge(mid(m.name), 'session_out', false, `emits ${eventList(emits)}`);
  }

  // The data plane, from overviewPlan.ts; files it does not name are listed in one box.
  const unresolved: string[] = [];
  const streams = new Set(repo.streams);
  const endpoint = (name: string): string | undefined => {
    if (name.startsWith('machine:')) {
      const m = sorted.find((x) => x.name === name.slice('machine:'.length));
      return m === undefined ? undefined : mid(m.name);
    }
    if (name in OUTSIDE) return `x_${name}`;
    return streams.has(name) ? `d_${safeId(name)}` : undefined;
  };
  const steps: FlowStep[] = [];
  for (const step of DATA_FLOW) {
    if (endpoint(step.from) === undefined || endpoint(step.to) === undefined) unresolved.push(`${step.from} → ${step.to}`);
    else steps.push(step);
  }
  const named = new Set(steps.flatMap((s) => [s.from, s.to]).filter((n) => streams.has(n)));
  lines.push(`  subgraph data ["${text('data plane: RxJS streams (streams/)')}<br/>${text('bytes never enter a machine')}"]`);
  for (const s of repo.streams) if (named.has(s)) lines.push(`    d_${safeId(s)}["${text(`${s}.ts`)}"]`);
  const others = repo.streams.filter((s) => !named.has(s));
  if (others.length > 0) lines.push(`    d_others["${text('also in streams/:')}<br/>${wrap(others.join(', '))}"]`);
  lines.push('  end');
  for (const [key, label] of Object.entries(OUTSIDE)) {
    if (steps.some((s) => s.from === key || s.to === key)) lines.push(`  x_${key}[("${text(label)}")]`);
  }

  for (const e of messageEdges.values()) {
    edges.push(`  ${e.from} ${e.solid ? '-->' : '-.->'}|"${e.lines.map(wrap).join('<br/>')}"| ${e.to}`);
  }
  for (const s of steps) edges.push(`  ${endpoint(s.from) ?? ''} ==>|"${wrap(s.label)}"| ${endpoint(s.to) ?? ''}`);
  lines.push(...edges);
  return { mmd: `${lines.join('\n')}\n`, unresolved };
}

/** `A, B, C` or `A, B, …, F +3 more` for long lists. */
function eventList(events: readonly string[]): string {
  if (events.length <= MAX_EVENTS) return events.join(', ');
  return `${events.slice(0, MAX_EVENTS).join(', ')} and ${events.length - MAX_EVENTS} more`;
}

function wrap(s: string): string {
  return wrapWords(text(s), LINE_CHARS).join('<br/>');
}

/** Text inside a quoted Mermaid flowchart label: quotes and Mermaid syntax characters escaped. */
function text(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/%%/g, '%％').replace(/[\r\n]+/g, ' ');
}

function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}
