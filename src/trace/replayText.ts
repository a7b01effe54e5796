import { terminalText } from '../text/terminalText.js';
import { describeStateValue } from './stateText.js';
import type { ReplayedStep, ReplayReport } from './traceReplay.js';

/** One replayed step as a line: time, actor, event (with `(timer)` for self-raised), state after. */
export function replayedStepText(s: ReplayedStep): string {
  const status = s.status === 'active' ? '' : ` [${terminalText(s.status)}]`;
  return `${`${s.t.toFixed(1)} ms`.padStart(12)}  ${terminalText(`${s.machine} ${s.id}`).padEnd(28)} ${terminalText(s.event.type)}${s.self ? ' (timer)' : ''} -> ${terminalText(describeStateValue(s.value))}${status}\n`;
}

const skippedText = (skipped: ReplayReport['skipped']): string => {
  const parts = Object.entries(skipped).map(([machine, n]) => `${n} ${terminalText(machine)}`);
  return parts.length === 0 ? '' : ` (not replayable, no definition in machines/: ${parts.join(', ')})`;
};

/** The replay verdict for a terminal: `replay ok: …` or the first differing step. */
export function replayText(r: ReplayReport): string {
  const gaps = r.droppedLines > 0 ? `\nnote: the recorder dropped ${r.droppedLines} lines, so the trace has gaps` : '';
  if (r.ok || r.divergence === undefined) return `replay ok: ${r.actors} actors, ${r.events} events${skippedText(r.skipped)}${gaps}\n`;
  const d = r.divergence;
  const lines = [
    `replay diverged: actor ${d.actor} ${terminalText(d.id)} (${terminalText(d.machine)}), step ${d.step} (trace line ${d.line}, ${d.t} ms)`,
    `  event:    ${terminalText(d.event)}`,
    `  expected: ${terminalText(describeStateValue(d.expected.value))} [${terminalText(d.expected.status)}]`,
    `  got:      ${d.got === null ? '(no step)' : `${terminalText(describeStateValue(d.got.value))} [${terminalText(d.got.status)}] after ${terminalText(d.got.event)}`}`,
    `  why:      ${terminalText(d.reason)}`,
    `  (${r.actors} actors, ${r.events} events replayed before this)`,
  ];
  return `${lines.join('\n')}${gaps}\n`;
}
