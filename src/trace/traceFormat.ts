import * as D from 'io-ts/lib/Decoder.js';
import type { Json } from './safeJson.js';

/**
 * The trace file format: JSON Lines, one object per line, in the order things happened. Every
 * line has `t` (milliseconds since the trace started, from one monotonic clock) and `kind`.
 * Actors are named by `actor`, a number the recorder assigns (xstate session ids repeat across
 * torrents' actor systems, these do not).
 *
 * - `header` (first line): format, version, wall-clock start, info hash / name when known.
 * - `actor`: an actor was created (spawned, invoked or the root), with its id, system id,
 *   machine id (null for promise/callback actors), parent and input.
 * - `send`: an event was sent to an actor (who to whom, type only; the fields are on `step`).
 * - `step`: an actor processed an event: the event with its fields, the state value and status
 *   after it, and `self` when the actor raised it itself (delays, timers).
 * - `stop`: an actor finished (status `done`, `stopped` or `error`).
 * - `wire`: a peer wire message in or out; never payload bytes.
 * - `tracker`: an announce request, reply (peer count, interval) or error.
 * - `dropped`: lines lost because the disk could not keep up (memory stays bounded).
 * - `end` (last line, when the recorder was closed): totals.
 */
export const TRACE_FORMAT = 'statorrent-trace';
export const TRACE_VERSION = 1;

export interface HeaderLine {
  readonly t: number;
  readonly kind: 'header';
  readonly format: string;
  readonly version: number;
  readonly startedAt: string;
  readonly infoHash?: string;
  readonly name?: string;
}

export interface ActorLine {
  readonly t: number;
  readonly kind: 'actor';
  readonly actor: number;
  readonly id: string;
  readonly systemId: string | null;
  readonly machine: string | null;
  readonly src: string | null;
  readonly parent: number | null;
  readonly input: Json;
}

export interface SendLine {
  readonly t: number;
  readonly kind: 'send';
  readonly to: number;
  readonly from: number | null;
  readonly type: string;
}

export interface StepLine {
  readonly t: number;
  readonly kind: 'step';
  readonly actor: number;
  readonly event: { readonly type: string; readonly [k: string]: Json };
  readonly value: Json;
  readonly status: string;
  readonly self?: boolean;
  readonly error?: Json;
}

export interface StopLine {
  readonly t: number;
  readonly kind: 'stop';
  readonly actor: number;
  readonly status: string;
}

export interface WireLine {
  readonly t: number;
  readonly kind: 'wire';
  readonly peer: string;
  readonly dir: 'in' | 'out';
  readonly type: string;
  readonly [field: string]: Json;
}

export interface TrackerLine {
  readonly t: number;
  readonly kind: 'tracker';
  readonly actor: number;
  readonly phase: 'request' | 'reply' | 'error';
  readonly event: string;
  readonly peers?: number;
  readonly interval?: number;
  readonly seeders?: number;
  readonly leechers?: number;
  readonly message?: string;
}

export interface DroppedLine {
  readonly t: number;
  readonly kind: 'dropped';
  readonly lines: number;
}

export interface EndLine {
  readonly t: number;
  readonly kind: 'end';
  readonly lines: number;
  readonly dropped: number;
}

/** Any line of a trace. */
export type TraceLine = HeaderLine | ActorLine | SendLine | StepLine | StopLine | WireLine | TrackerLine | DroppedLine | EndLine;

// Decoders for reading a trace back: the file is untrusted input like any other.
const json: D.Decoder<unknown, Json> = { decode: (u) => D.success(u as Json) };
const nullable = <A>(d: D.Decoder<unknown, A>) => D.nullable(d);
const base = <K extends string>(kind: K) => D.struct({ t: D.number, kind: D.literal(kind) });

const decoders = {
  header: D.intersect(base('header'))(
    D.intersect(D.struct({ format: D.string, version: D.number, startedAt: D.string }))(D.partial({ infoHash: D.string, name: D.string })),
  ),
  actor: D.intersect(base('actor'))(
    D.struct({
      actor: D.number,
      id: D.string,
      systemId: nullable(D.string),
      machine: nullable(D.string),
      src: nullable(D.string),
      parent: nullable(D.number),
      input: json,
    }),
  ),
  send: D.intersect(base('send'))(D.struct({ to: D.number, from: nullable(D.number), type: D.string })),
  step: D.intersect(base('step'))(
    D.intersect(
      D.struct({
        actor: D.number,
        event: D.intersect(D.struct({ type: D.string }))(D.UnknownRecord),
        value: json,
        status: D.string,
      }),
    )(D.partial({ self: D.boolean, error: json })),
  ),
  stop: D.intersect(base('stop'))(D.struct({ actor: D.number, status: D.string })),
  wire: D.intersect(base('wire'))(D.struct({ peer: D.string, dir: D.literal('in', 'out'), type: D.string })),
  tracker: D.intersect(base('tracker'))(
    D.intersect(D.struct({ actor: D.number, phase: D.literal('request', 'reply', 'error'), event: D.string }))(
      D.partial({ peers: D.number, interval: D.number, seeders: D.number, leechers: D.number, message: D.string }),
    ),
  ),
  dropped: D.intersect(base('dropped'))(D.struct({ lines: D.number })),
  end: D.intersect(base('end'))(D.struct({ lines: D.number, dropped: D.number })),
} as const;

/** Parses and checks one line of a trace; the error is one line for a person. */
export function parseTraceLine(text: string): { ok: true; line: TraceLine } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null) return { ok: false, message: 'not a JSON object' };
  const kind = (raw as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(decoders, kind)) return { ok: false, message: `unknown line kind ${JSON.stringify(kind)}` };
  const result = decoders[kind as keyof typeof decoders].decode(raw);
  if (result._tag === 'Left') return { ok: false, message: `bad ${kind} line: ${D.draw(result.left).split('\n')[0] ?? ''}`.trim() };
  return { ok: true, line: raw as TraceLine };
}
