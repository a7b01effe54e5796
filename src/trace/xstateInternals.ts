/**
 * The one place the trace tools read parts of XState that are not public API: which machine
 * an actor runs, its input, its parent, and the delayed events its system has scheduled.
 * Public inspection events say *that* something happened; replay also needs *whose* it was
 * and which timer is which. test/trace/xstateInternals.test.ts checks every read against a
 * live actor and pins the XState minor version, so an upgrade fails there, loudly, rather
 * than as a puzzling replay divergence.
 */
import type { AnyActorRef } from 'xstate';

/** The XState versions this adapter was checked against (major.minor). */
export const CHECKED_XSTATE = '5.33';

/** What the recorder needs to know about an actor. */
export interface ActorFacts {
  readonly id: string;
  /** Machine id (`createMachine({ id })`), or null for promise/callback/other logic. */
  readonly machine: string | null;
  /** The name the actor was provided under (`src` of invoke/spawn), when it was a string. */
  readonly src: string | null;
  readonly systemId: string | null;
  /** The input the actor was created with. */
  readonly input: unknown;
  /** The parent actor, for a child. */
  readonly parent: object | undefined;
}

interface ActorInternals {
  readonly id: string;
  readonly src?: unknown;
  readonly logic?: { readonly id?: unknown; readonly root?: unknown };
  readonly options?: { readonly input?: unknown; readonly systemId?: unknown };
  readonly _parent?: object;
}

/** Facts about `ref` (an actor as seen in inspection events: `actorRef`, `sourceRef`). */
export function actorFacts(ref: object): ActorFacts {
  const a = ref as unknown as ActorInternals;
  const logic = a.logic;
  const systemId = a.options?.systemId;
  return {
    id: String(a.id),
    // only state machines have a root state node
    machine: logic !== undefined && logic.root !== undefined && typeof logic.id === 'string' ? logic.id : null,
    src: typeof a.src === 'string' ? a.src : null,
    systemId: typeof systemId === 'string' ? systemId : null,
    input: a.options?.input,
    parent: a._parent,
  };
}

/** XState's record of an actor system's delayed events, by key, with the event each carries. */
export type ScheduledEvents = () => Readonly<Record<string, { readonly event?: { readonly type?: unknown } }>>;

/** Reads the delayed events scheduled in `actor`'s system (in the order they were scheduled). */
export function scheduledEventsOf(actor: AnyActorRef): ScheduledEvents {
  const system = actor.system as unknown as { getSnapshot?: () => { _scheduledEvents?: ReturnType<ScheduledEvents> } };
  return () => system.getSnapshot?.()._scheduledEvents ?? {};
}
