/**
 * Writes a {@link MachineModel} as a Mermaid `stateDiagram-v2`, in UML state-chart notation:
 * - The whole machine is one composite state; parallel regions are separated by Mermaid's `--`
 *   concurrency marker (drawn as dashed boxes).
 * - Arrow labels read `EVENT [guard] / actions`: `[else]` marks the unguarded last resort of a
 *   guarded list, and the named actions (briefly, in words) are what the transition does. One
 *   arrow per pair of states, one line per transition.
 * - What a state does without leaving it (entry/exit actions, transitions that only run actions
 *   or re-enter it) is listed inside its box, under its name; for a composite state, in an
 *   "anywhere in <state>" box inside it (beside it, for a parallel state, whose inside is all
 *   regions). Transitions declared on the machine itself start from an "any state" box.
 * No notes or self-loops: the layout (ELK, see renderMermaidSvg.ts) draws neither well.
 * Output depends only on the machine definition, so it is byte-stable.
 */
import type { MachineModel, StateModel, TransitionModel } from './machineModel.js';

/** Renders the Mermaid source (ends with a newline). */
export function machineToMermaid(model: MachineModel): string {
  const ids = mermaidIds(model.states);
  const idOf = (xstateId: string): string => {
    const id = ids.get(xstateId);
    if (id === undefined) throw new Error(`transition names unknown state ${xstateId}`);
    return id;
  };
  const used = new Set(ids.values());
  const staysIds = new Map<string, string>();
  const staysIdOf = (s: StateModel): string => {
    let id = staysIds.get(s.id);
    if (id === undefined) {
      id = uniqueId(s.path.length === 0 ? 's_any_state' : `${idOf(s.id)}__anywhere`, used);
      used.add(id);
      staysIds.set(s.id, id);
    }
    return id;
  };
  // Transitions declared on a non-parallel root apply in every state: drawn from the root's own
  // box they would start on its border with their labels on top of the target, so they start
  // from the "any state" box inside it.
  const rootHasEdges = model.transitions.some((t) => t.source === model.root.id && movesAway(t));
  const fromAnywhere = model.root.kind !== 'parallel' && model.root.children.length > 0 && (rootHasEdges || staysLines(model.root, model.id).length > 0);
  const sourceId = (xstateId: string): string => (fromAnywhere && xstateId === model.root.id ? staysIdOf(model.root) : idOf(xstateId));

  const lines: string[] = ['stateDiagram-v2'];
  const ctx: EmitContext = { model, idOf, staysIdOf, lines, anyState: fromAnywhere };
  emitState(model.root, 1, ctx);
  // One arrow per (source, target) pair listing every trigger: parallel arrows between the same
  // two states get drawn on top of each other with their labels overlapping.
  const edges = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const t of model.transitions) {
    if (!movesAway(t)) continue;
    for (const target of t.targets) {
      const key = `${t.source}\u0000${target}`;
      const edge = edges.get(key) ?? { from: sourceId(t.source), to: idOf(target), labels: [] };
      edge.labels.push(edgeLabel(t, model.id));
      edges.set(key, edge);
    }
  }
  // Transitions sharing an arrow are one line each; when one takes several lines, a short rule
  // between them shows where each starts.
  for (const { from, to, labels } of edges.values()) {
    const between = labels.some((l) => l.includes('<br/>')) ? `<br/>${TRANSITION_RULE}<br/>` : '<br/>';
    lines.push(`  ${from} --> ${to} : ${labels.join(between)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The line between two multi-line transitions sharing one arrow. */
export const TRANSITION_RULE = '┄┄┄┄';

/** Title of the box that root-level transitions start from. */
export const ANY_STATE = 'any state';

/** Title of the box listing what a composite state handles without leaving it. */
export function anywhereIn(stateKey: string): string {
  return `anywhere in ${stateKey}`;
}

interface EmitContext {
  readonly model: MachineModel;
  readonly idOf: (xstateId: string) => string;
  readonly staysIdOf: (s: StateModel) => string;
  readonly lines: string[];
  /** Whether the root gets an "any state" box. */
  readonly anyState: boolean;
}

/** A transition drawn as an arrow: it has a target other than (or besides) its own source. */
function movesAway(t: TransitionModel): boolean {
  return t.targets.some((target) => target !== t.source);
}

/**
 * The lines listed inside a state's box: entry and exit actions, then every transition that
 * stays (actions only, or re-entering the state, which restarts its timers: "↻ re-enter").
 */
export function staysLines(s: StateModel, machineId: string): string[] {
  const out: string[] = [];
  if (s.entry.length > 0) out.push(`entry / ${actionsText(s.entry)}`);
  if (s.exit.length > 0) out.push(`exit / ${actionsText(s.exit)}`);
  for (const t of s.transitions) {
    if (movesAway(t)) continue;
    const label = transitionLabel(t, machineId);
    const acts = t.actions.length > 0 ? ` / ${actionsText(t.actions)}` : '';
    out.push(`${label}${acts}${t.targets.length > 0 ? ' ↻ re-enter' : ''}`);
  }
  return out.map(labelText);
}

/**
 * Mermaid wraps an arrow label at 200 px (about 20 characters of DejaVu Sans at 16 px), wherever
 * the browser's font puts that; the generator breaks lines itself, at words, so each line is
 * whole and the trigger (never broken) always comes first. Guards and `/ actions` go on lines
 * of their own when the label is long.
 */
export const EDGE_LINE_CHARS = 20;

/** `EVENT [guard] / actions` as `<br/>`-separated lines of at most {@link EDGE_LINE_CHARS}. */
function edgeLabel(t: TransitionModel, machineId: string): string {
  const trigger = transitionLabel(t, machineId);
  const acts = t.actions.length > 0 ? `/ ${labelText(actionsText(t.actions))}` : '';
  const whole = acts === '' ? trigger : `${trigger} ${acts}`;
  if (whole.length <= EDGE_LINE_CHARS) return whole;
  const guardAt = trigger.indexOf(' [');
  const pieces = guardAt > 0 && trigger.length > EDGE_LINE_CHARS ? [trigger.slice(0, guardAt), trigger.slice(guardAt + 1)] : [trigger];
  if (acts !== '') pieces.push(acts);
  // The event or timer name itself stays whole on the first line (`after handshakeTimeout`).
  return pieces.flatMap((p, i) => (i === 0 ? [p] : wrapWords(p, EDGE_LINE_CHARS))).join('<br/>');
}

/** Splits at spaces into lines of at most `max` characters (a longer word gets its own line). */
export function wrapWords(text: string, max: number): string[] {
  const out: string[] = [];
  let line = '';
  // An operator stays with the word after it (`&& isIncoming`), never alone on a line.
  const tokens: string[] = [];
  for (const w of text.split(' ')) {
    const last = tokens[tokens.length - 1];
    if (last !== undefined && ['&&', '||', '/'].includes(last) && last.length + 1 + w.length <= max) tokens[tokens.length - 1] = `${last} ${w}`;
    else tokens.push(w);
  }
  for (const word of tokens) {
    if (line !== '' && line.length + 1 + word.length > max) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

/** Action names as short words: `sendInterested` → `send interested`. */
export function actionsText(actions: readonly string[]): string {
  return actions.map(words).join(', ');
}

/** `sendInterested` → `send interested`, `emitURLs` → `emit urls`; other text is kept. */
export function words(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) return name;
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

function uniqueId(base: string, used: ReadonlySet<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
  return id;
}

/**
 * `EVENT [guard]` (`EVENT [else]` for a guarded list's unguarded last resort) with characters
 * Mermaid treats as syntax replaced. Given the machine id, a
 * `stateIn` guard is shortened to the part of its state path that differs from the transition's
 * source (`in amInterested.interested` next to `active.peerChoking…`), which keeps labels short.
 */
export function transitionLabel(t: Pick<TransitionModel, 'trigger' | 'guard'> & { readonly source?: string; readonly fallback?: boolean }, machineId?: string): string {
  if (t.fallback === true) return labelText(`${t.trigger} [else]`);
  const guard = machineId === undefined || t.guard === undefined ? t.guard : shortStateIn(t.guard, machineId, t.source);
  return labelText(guard === undefined ? t.trigger : `${t.trigger} [${guard}]`);
}

function shortStateIn(guard: string, machineId: string, source: string | undefined): string {
  const prefix = `${machineId}.`;
  const from = source?.startsWith(prefix) ? source.slice(prefix.length).split('.') : [];
  return guard.replace(/(^|[!( ])in ([^ ()]+)/g, (whole, lead: string, path: string) => {
    if (!path.startsWith(prefix)) return whole;
    const parts = path.slice(prefix.length).split('.');
    let shared = 0;
    while (shared < parts.length - 1 && shared < from.length && parts[shared] === from[shared]) shared++;
    return `${lead}in ${parts.slice(shared).join('.')}`;
  });
}

function emitState(s: StateModel, depth: number, ctx: EmitContext): void {
  const { lines, idOf } = ctx;
  const pad = '  '.repeat(depth);
  const id = idOf(s.id);
  const name = s.kind === 'history' ? (s.history === 'deep' ? 'H*' : 'H') : s.key;
  const stays = staysLines(s, ctx.model.id);
  if (s.children.length === 0) {
    lines.push(`${pad}state "${quoted(name)}" as ${id}`);
    for (const line of stays) lines.push(`${pad}${id} : ${line}`);
    return;
  }
  // A parallel state's inside is all regions, so its list goes in a box beside it.
  const staysBox = (p: string): void => {
    const boxId = ctx.staysIdOf(s);
    lines.push(`${p}state "${quoted(s.path.length === 0 ? ANY_STATE : anywhereIn(s.key))}" as ${boxId}`);
    for (const line of stays) lines.push(`${p}${boxId} : ${line}`);
  };
  const isRoot = s.path.length === 0;
  if (s.kind === 'parallel' && stays.length > 0 && !isRoot) staysBox(pad);
  lines.push(`${pad}state "${quoted(name)}" as ${id} {`);
  if (s.kind === 'parallel') {
    s.children.forEach((region, i) => {
      if (i > 0) lines.push(`${pad}  --`);
      emitState(region, depth + 1, ctx);
    });
  } else {
    for (const initial of s.initial) lines.push(`${pad}  [*] --> ${idOf(initial)}`);
    for (const child of s.children) emitState(child, depth + 1, ctx);
    for (const child of s.children) if (child.kind === 'final') lines.push(`${pad}  ${idOf(child.id)} --> [*]`);
    if (isRoot ? ctx.anyState : stays.length > 0) staysBox(`${pad}  `);
  }
  lines.push(`${pad}}`);
  if (s.kind === 'parallel' && stays.length > 0 && isRoot) staysBox(pad);
}

/**
 * Mermaid ids: letters, digits and `_` only, prefixed so a state named `end` or `note` is never
 * read as a keyword, and made unique in declaration order when sanitising collides.
 */
function mermaidIds(states: readonly StateModel[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const s of states) {
    const id = uniqueId(`s_${(s.path.length === 0 ? 'root' : s.path.join('__')).replace(/[^A-Za-z0-9_]/g, '_')}`, used);
    used.add(id);
    out.set(s.id, id);
  }
  return out;
}

/** `%%` starts a Mermaid comment (or `%%{` a directive) even inside quotes, so it never stays whole. */
function noComment(s: string): string {
  return s.replace(/%%/g, '%％');
}

function quoted(s: string): string {
  return noComment(s.replace(/"/g, "'").replace(/[\r\n]+/g, ' '));
}

/**
 * Mermaid reads `;` as a statement end, `#` as an entity start, braces as blocks, and rejects a
 * label ending in `:`; such characters become look-alikes so the name stays readable.
 */
function labelText(s: string): string {
  return noComment(s).replace(/[\r\n]+/g, ' ').replace(/;/g, ',').replace(/#/g, '♯').replace(/[{]/g, '(').replace(/[}]/g, ')').replace(/:/g, '꞉');
}
