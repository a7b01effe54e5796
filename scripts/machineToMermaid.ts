/**
 * Writes a {@link MachineModel} as a Mermaid `stateDiagram-v2`. The whole machine is one
 * composite state (so transitions declared on the root have a source); parallel regions are
 * separated by Mermaid's `--` concurrency marker; labels read `EVENT [guard]`, `after delayName`,
 * `always [guard]`. Output depends only on the machine definition, so it is byte-stable.
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
  const lines: string[] = ['stateDiagram-v2'];
  emitState(model.root, 1, lines, idOf);
  // Targetless transitions run actions without leaving the state: one self-loop per state lists
  // them all (separate loops on a composite state pile up unreadably).
  const actionsOnly = new Map<string, string[]>();
  for (const t of model.transitions) {
    if (t.targets.length === 0) {
      actionsOnly.set(t.source, [...(actionsOnly.get(t.source) ?? []), transitionLabel(t)]);
      continue;
    }
    for (const target of t.targets) lines.push(`  ${idOf(t.source)} --> ${idOf(target)} : ${transitionLabel(t)}`);
  }
  for (const [source, labels] of actionsOnly) lines.push(`  ${idOf(source)} --> ${idOf(source)} : ${labels.join('<br/>')}`);
  return `${lines.join('\n')}\n`;
}

/** `EVENT [guard]` with characters Mermaid treats as syntax replaced. */
export function transitionLabel(t: Pick<TransitionModel, 'trigger' | 'guard'>): string {
  return labelText(t.guard === undefined ? t.trigger : `${t.trigger} [${t.guard}]`);
}

function emitState(s: StateModel, depth: number, lines: string[], idOf: (id: string) => string): void {
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
  lines.push(`${pad}}`);
}

/**
 * Mermaid ids: letters, digits and `_` only, prefixed so a state named `end` or `note` is never
 * read as a keyword, and made unique in declaration order when sanitising collides.
 */
function mermaidIds(states: readonly StateModel[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const s of states) {
    const base = `s_${(s.path.length === 0 ? 'root' : s.path.join('__')).replace(/[^A-Za-z0-9_]/g, '_')}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    out.set(s.id, id);
  }
  return out;
}

function quoted(s: string): string {
  return s.replace(/"/g, "'").replace(/[\r\n]+/g, ' ');
}

/**
 * Mermaid reads `;` as a statement end, `#` as an entity start, braces as blocks, and rejects a
 * label ending in `:`; such characters become look-alikes so the name stays readable.
 */
function labelText(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/;/g, ',').replace(/#/g, '♯').replace(/[{]/g, '(').replace(/[}]/g, ')').replace(/:/g, '꞉');
}
