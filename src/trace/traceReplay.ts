import * as E from 'fp-ts/lib/Either.js';
import { createActor, type AnyActorRef, type EventObject, type InspectionEvent } from 'xstate';
import { ReplayClock } from './replayClock.js';
import { replayLogicFor } from './replayMachines.js';
import { reviveSafeJson, toSafeJson, type Json } from './safeJson.js';
import type { StepLine } from './traceFormat.js';
import { readTrace } from './traceReader.js';
import { scheduledEventsOf } from './xstateInternals.js';

/**
 * Replays a trace into fresh machines and checks that each actor passes through exactly the
 * recorded states: a determinism check of the machines, and a way to watch a real session
 * step by step.
 *
 * Design: every machine actor is replayed alone, on its own {@link ReplayClock}, from the
 * events it processed in the recording (the recorded input at creation, then each step).
 * Events the actor raised itself (its timers) are not fed: the replayed machine must raise
 * them, at the recorded moment. Everything else (socket events, the torrent's and choker's
 * commands, children's done/error events with their outputs) is fed as recorded.
 *
 * Limits: children are stand-ins (see replayMachines.ts), so cross-actor effects are checked
 * per receiving actor, not re-derived; actions on plain data (PeerPool, BanList) are
 * re-run on the replay's data; the choker's decisions are re-derived from its recorded
 * PEERS_READ events (rates, time and random draw are event data), though only states are
 * compared and the CHOKE/UNCHOKE it sends reach no peer in replay (each peer replays its own
 * recording); byte arrays longer than
 * the recorder kept come back zeroed; machines not in machines/ are counted, not replayed.
 */

/** Slack for a timer's due time against when it fired in the recording (timers fire late). */
const TIMER_SLACK_MS = 250;

/** Where a replay first differed from the recording. */
export interface ReplayDivergence {
  readonly actor: number;
  readonly id: string;
  readonly machine: string;
  /** Index of the step in this actor's own recording (0 is its start). */
  readonly step: number;
  /** Line of the trace file and its time. */
  readonly line: number;
  readonly t: number;
  /** The recorded event type. */
  readonly event: string;
  readonly expected: { readonly event: string; readonly value: Json; readonly status: string };
  readonly got: { readonly event: string; readonly value: Json; readonly status: string } | null;
  /** One line: what differed. */
  readonly reason: string;
}

/** What a replay found. */
export interface ReplayReport {
  readonly ok: boolean;
  /** Actors replayed (created from their recorded input). */
  readonly actors: number;
  /** Recorded steps checked (starts not counted). */
  readonly events: number;
  /** Machine actors in the trace whose definition is not replayable, by machine id. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Lines the recorder dropped; a trace with gaps cannot be expected to replay. */
  readonly droppedLines: number;
  readonly divergence?: ReplayDivergence;
}

interface Observed {
  readonly event: string;
  readonly value: Json;
  readonly status: string;
}

interface Subject {
  readonly key: number;
  readonly id: string;
  readonly machine: string;
  readonly input: Json;
  readonly clock: ReplayClock;
  actor: AnyActorRef | undefined;
  readonly observed: Observed[];
  steps: number;
  /** Set when the recording does not start at this actor's start (recorder attached late). */
  unusable: boolean;
}

const canonical = (v: Json): string => JSON.stringify(v, (_k, x: unknown) =>
  typeof x === 'object' && x !== null && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x,
);

/** One step that replayed as recorded, for watching a replay (`statorrent trace replay --steps`). */
export interface ReplayedStep {
  readonly t: number;
  readonly actor: number;
  readonly id: string;
  readonly machine: string;
  /** The event, as recorded (JSON). */
  readonly event: StepLine['event'];
  readonly self: boolean;
  readonly value: Json;
  readonly status: string;
}

/** Options of {@link replayTrace}. */
export interface ReplayOptions {
  /** Called after each step that matched the recording, in trace order. */
  readonly onStep?: (step: ReplayedStep) => void;
}

/** Replays the trace at `path`; Left when the file cannot be read or is not a trace. */
export async function replayTrace(path: string, options: ReplayOptions = {}): Promise<E.Either<string, ReplayReport>> {
  const subjects = new Map<number, Subject>();
  const skipped: Record<string, number> = {};
  let actors = 0;
  let events = 0;
  let droppedLines = 0;
  let divergence: ReplayDivergence | undefined;

  const start = (s: Subject, line: StepLine): void => {
    const built = replayLogicFor(s.machine, s.input);
    if (built === undefined) return;
    let root: AnyActorRef | undefined;
    const inspect = (e: InspectionEvent): void => {
      if (e.type !== '@xstate.snapshot' || root === undefined || e.actorRef !== root) return;
      const snap = e.snapshot as { value?: unknown; status?: unknown };
      s.observed.push({ event: String(e.event.type), value: toSafeJson(snap.value), status: String(snap.status) });
    };
    s.clock.advanceTo(line.t);
    root = createActor(built.logic, { input: built.input, clock: s.clock, inspect }) as AnyActorRef;
    // A machine that cannot build its context from a mangled input is an actor in status
    // 'error' before it starts; started like that, xstate would rethrow on a timer, outside
    // every caller. It is a divergence ("could not start") instead.
    const initial = root.getSnapshot() as { status?: string; error?: unknown };
    if (initial.status === 'error') throw initial.error instanceof Error ? initial.error : new Error(String(initial.error));
    // one that throws later stops in status 'error', compared like any other status
    root.subscribe({ error: () => undefined });
    s.clock.scheduledEvents = scheduledEventsOf(root);
    s.actor = root;
    actors++;
    root.start();
  };

  /** Feeds one recorded step; returns why it failed, or undefined. */
  const feed = (s: Subject, line: StepLine): string | undefined => {
    const actor = s.actor!;
    if (s.observed.length > 0) return undefined; // the previous input caused more steps: compare those first
    if (line.event.type === 'xstate.stop') {
      actor.stop();
      return undefined;
    }
    if (line.self === true) {
      const due = s.clock.nextDue();
      if (due === undefined) return `the recorded actor raised ${line.event.type} itself; the replayed one had no timer pending`;
      if (due > line.t + TIMER_SLACK_MS) return `the replayed actor's next timer is due at ${due} ms, but ${line.event.type} fired at ${line.t} ms`;
      s.clock.fireNext(line.t, line.event.type, TIMER_SLACK_MS);
      return undefined;
    }
    s.clock.advanceTo(line.t);
    actor.send(reviveSafeJson(line.event) as EventObject);
    return undefined;
  };

  const onStep = (line: StepLine, lineNumber: number): boolean => {
    const s = subjects.get(line.actor);
    if (s === undefined || s.unusable) return true;
    const stepIndex = s.steps++;
    const expected: Observed = { event: line.event.type, value: line.value, status: line.status };
    const diverged = (reason: string, got: Observed | null): false => {
      divergence = {
        actor: s.key,
        id: s.id,
        machine: s.machine,
        step: stepIndex,
        line: lineNumber,
        t: line.t,
        event: line.event.type,
        expected,
        got,
        reason,
      };
      return false;
    };
    if (s.actor === undefined) {
      if (line.event.type !== 'xstate.init') {
        s.unusable = true;
        return true;
      }
      try {
        start(s, line);
      } catch (e) {
        return diverged(`the machine could not start: ${e instanceof Error ? e.message : String(e)}`, null);
      }
    } else {
      let problem: string | undefined;
      try {
        problem = feed(s, line);
      } catch (e) {
        problem = `the replayed actor threw: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (problem !== undefined) return diverged(problem, null);
      events++;
    }
    const got = s.observed.shift();
    if (got === undefined) return diverged('the replayed actor did not process the event (it had already finished?)', null);
    if (got.event !== expected.event) return diverged(`the replayed actor processed ${got.event} instead`, got);
    if (got.status !== expected.status) return diverged(`status ${got.status} instead of ${expected.status}`, got);
    if (canonical(got.value) !== canonical(expected.value)) return diverged('different state', got);
    options.onStep?.({ t: line.t, actor: s.key, id: s.id, machine: s.machine, event: line.event, self: line.self === true, value: got.value, status: got.status });
    return true;
  };

  const read = await readTrace(path, (line, lineNumber) => {
    switch (line.kind) {
      case 'actor': {
        if (line.machine === null) return true;
        if (replayLogicFor(line.machine, line.input) === undefined) {
          skipped[line.machine] = (skipped[line.machine] ?? 0) + 1;
          return true;
        }
        subjects.set(line.actor, {
          key: line.actor,
          id: line.id,
          machine: line.machine,
          input: line.input,
          clock: new ReplayClock(),
          actor: undefined,
          observed: [],
          steps: 0,
          unusable: false,
        });
        return true;
      }
      case 'step':
        return onStep(line, lineNumber);
      case 'stop': {
        const s = subjects.get(line.actor);
        if (s?.actor !== undefined && s.actor.getSnapshot().status !== 'active') {
          // finished: free it (long traces have many short-lived peers)
          subjects.delete(line.actor);
        }
        return true;
      }
      case 'dropped':
        droppedLines += line.lines;
        return true;
      default:
        return true;
    }
  });
  for (const s of subjects.values()) if (s.actor !== undefined && s.actor.getSnapshot().status === 'active') s.actor.stop();
  if (E.isLeft(read)) return read;
  return E.right({ ok: divergence === undefined, actors, events, skipped, droppedLines, ...(divergence !== undefined ? { divergence } : {}) });
}
