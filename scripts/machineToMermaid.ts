/**
 * Writes a {@link MachineModel} as a Mermaid `stateDiagram-v2`. The whole machine is one
 * composite state; transitions declared on the root start from an "any state" node inside it;
 * parallel regions are separated by Mermaid's `--` concurrency marker; labels read
 * `EVENT [guard]`, `after delayName`, `always [guard]`, one arrow per pair of states; what a state
 * handles while staying in it goes in a note beside it. Output depends only on the machine
 * definition, so it is byte-stable.
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
  // Transitions declared on the root apply in every state. Drawn from the root's own box they
  // start on its border and their labels land on top of the target, so a (non-parallel) root
  // gets a small "any state" node inside it to draw them from.
  const fromAnywhere = model.root.kind !== 'parallel' && model.root.children.length > 0 && model.transitions.some((t) => t.source === model.root.id);
  const anyId = fromAnywhere ? uniqueId('s_any_state', new Set(ids.values())) : undefined;
  const sourceId = (xstateId: string): string => (anyId !== undefined && xstateId === model.root.id ? anyId : idOf(xstateId));
  const lines: string[] = ['stateDiagram-v2'];
  emitState(model.root, 1, lines, idOf, anyId === undefined ? [] : [`    state "${ANY_STATE}" as ${anyId}`]);
  // One arrow per (source, target) pair listing every trigger: parallel arrows between the same
  // two states get drawn on top of each other with their labels overlapping. Targetless
  // transitions (actions only) join the state's self-loop.
  const edges = new Map<string, { from: string; to: string; labels: string[] }>();
  for (const t of model.transitions) {
    for (const target of t.targets.length === 0 ? [t.source] : t.targets) {
      const key = `${t.source}\u0000${target}`;
      const from = sourceId(t.source);
      const edge = edges.get(key) ?? { from, to: target === t.source ? from : idOf(target), labels: [] };
      edge.labels.push(wrapGuard(transitionLabel(t, model.id)));
      edges.set(key, edge);
    }
  }
  for (const { from, to, labels } of edges.values()) {
    // Mermaid's layout leaves no room for a self-loop's label, which then covers neighbouring
    // arrows and labels (on a box it even crosses the border); a note beside the state is laid
    // out like a node and stays legible.
    if (from === to) lines.push(`  note left of ${from}`, `    ${STAYS}<br/>${labels.join('<br/>')}`, '  end note');
    else lines.push(`  ${from} --> ${to} : ${labels.join('<br/>')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Name of the node that root-level transitions start from. */
export const ANY_STATE = 'any state';

/** First line of the note listing what a state handles while staying in it. */
export const STAYS = 'handled here, staying';

/** Long labels break before the guard, so they stay narrow and do not cover nearby arrows. */
function wrapGuard(label: string): string {
  return label.length > 32 ? label.replace(' [', '<br/>[') : label;
}

function uniqueId(base: string, used: ReadonlySet<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
  return id;
}

/**
 * `EVENT [guard]` with characters Mermaid treats as syntax replaced. Given the machine id, a
 * `stateIn` guard is shortened to the part of its state path that differs from the transition's
 * source (`in amInterested.interested` next to `active.peerChoking…`), which keeps labels short.
 */
export function transitionLabel(t: Pick<TransitionModel, 'trigger' | 'guard'> & { readonly source?: string }, machineId?: string): string {
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

function emitState(s: StateModel, depth: number, lines: string[], idOf: (id: string) => string, extra: readonly string[] = []): void {
  const pad = '  '.repeat(depth);
  const id = idOf(s.id);
  const name = s.kind === 'history' ? (s.history === 'deep' ? 'H*' : 'H') : s.key;
  if (s.children.length === 0) {
    lines.push(`${pad}state "${quoted(name)}" as ${id}`);
    return;
  }
  lines.push(`${pad}state "${quoted(name)}" as ${id} {`);
  if (s.kind === 'parallel') {
    s.children.forEach((region, i) => {
      if (i > 0) lines.push(`${pad}  --`);
      emitState(region, depth + 1, lines, idOf);
    });
  } else {
    for (const initial of s.initial) lines.push(`${pad}  [*] --> ${idOf(initial)}`);
    for (const child of s.children) emitState(child, depth + 1, lines, idOf);
    for (const child of s.children) if (child.kind === 'final') lines.push(`${pad}  ${idOf(child.id)} --> [*]`);
  }
  lines.push(...extra, `${pad}}`);
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
