/** What the page draws, whichever mode fills it (live feed or trace timeline). */

export interface StepCause {
  readonly kind: 'timer' | 'wire' | 'actor' | 'runtime';
  readonly message?: string;
  readonly from?: string;
}

export interface Step {
  /** Live: ms since the epoch. Trace: ms since the trace started. */
  readonly time: number;
  readonly actor: string;
  readonly machine: string;
  readonly event: { readonly type: string; readonly [k: string]: unknown };
  readonly cause: StepCause;
  readonly value: unknown;
  readonly status: string;
}

export interface Machine {
  readonly actor: string;
  readonly machine: string;
  readonly value: unknown;
  readonly status: string;
}

export interface Peer {
  readonly id: string;
  readonly client: string;
  /** `none`, `mse-plaintext` or `mse-rc4` (MSE/PE); absent in traces. */
  readonly encryption?: string;
  readonly source: string;
  readonly amChoking: boolean;
  readonly amInterested: boolean;
  readonly peerChoking: boolean;
  readonly peerInterested: boolean;
  readonly snubbed: boolean;
  readonly downRate: number | undefined;
  readonly upRate: number | undefined;
  readonly pipeline: number | undefined;
  readonly pieces: number;
  readonly strikes: number | undefined;
  readonly banned: boolean;
}

export interface TrackerNote {
  readonly time: number;
  readonly text: string;
}

/** Everything on the page but the diagram. */
export interface View {
  readonly title: string;
  readonly stats: string;
  readonly machines: readonly Machine[];
  /** Oldest first. */
  readonly steps: readonly Step[];
  readonly peers: readonly Peer[];
  readonly pieceCount: number;
  /** One character per piece: . r p c v f */
  readonly pieceStates: string;
  readonly availability: readonly number[];
  readonly trackers: readonly TrackerNote[];
  /** Steps the feed could not send (too many at once). */
  readonly dropped: number;
}

/** A state value in one line, as `statorrent trace replay --steps` prints it (src/trace/stateText.ts). */
export function describeStateValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return JSON.stringify(value) ?? 'undefined';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const parts = entries.map(([k, v]) => {
    const inner = describeStateValue(v);
    return inner === '{}' ? k : `${k}.${inner}`;
  });
  return parts.length === 1 ? parts[0]! : `{${parts.join(', ')}}`;
}

/** Every active state path of a value, ancestors included: `active`, `active.peerChoking`, `active.peerChoking.unchoked`, ... */
export function activePaths(value: unknown, prefix: readonly string[] = []): string[][] {
  if (typeof value === 'string') return [[...prefix, value]];
  if (typeof value !== 'object' || value === null) return [];
  const out: string[][] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out.push([...prefix, k]);
    out.push(...activePaths(v, [...prefix, k]));
  }
  return out;
}

/** Whether region `region` of a peer machine's `active` state is in its child state `state` (a leaf or compound). */
export function inState(value: unknown, region: string, state: string): boolean {
  const active = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).active : undefined;
  const r = typeof active === 'object' && active !== null ? (active as Record<string, unknown>)[region] : undefined;
  return r === state || (typeof r === 'object' && r !== null && Object.hasOwn(r, state));
}
