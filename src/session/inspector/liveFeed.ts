import type { Subscription } from 'rxjs';
import { toSafeJson, type Json } from '../../trace/safeJson.js';
import type { InspectorSnapshot, InspectorSource, MachineStep } from '../inspectorSource.js';

/** Milliseconds between two messages to one page: at most 10 a second, however busy the torrent. */
export const FEED_INTERVAL_MS = 100;
/** Every how many messages the snapshot (peers, piece map, machines) is sent again. */
export const SNAPSHOT_EVERY = 3;
/** Steps kept between two messages; older ones are counted as dropped (the page says so). */
export const MAX_STEPS_PER_MESSAGE = 300;
/** A page that reads slower than this many bytes behind skips messages instead of growing memory. */
const MAX_UNSENT_BYTES = 2 * 1024 * 1024;

const EVENT_LIMITS = { depth: 4, items: 16, keys: 16, chars: 200, hexBytes: 8 };

/** A machine step as the page gets it. */
export interface StepJson {
  readonly at: number;
  readonly torrent: string;
  readonly actor: string;
  readonly machine: string;
  readonly event: Json;
  readonly cause: MachineStep['cause'];
  readonly value: Json;
  readonly status: string;
}

/** One message to the page. */
export interface FeedMessage {
  readonly steps: readonly StepJson[];
  readonly dropped: number;
  readonly snapshots?: readonly InspectorSnapshot[];
}

/** Where messages go: returns false when the page is not keeping up (the message was not queued). */
export type FeedSink = { write(text: string): boolean; readonly unsent: number };

/**
 * One page's live feed: buffers the machine steps of every torrent of the session (bounded) and
 * sends them, batched, every {@link FEED_INTERVAL_MS}, with a fresh snapshot every
 * {@link SNAPSHOT_EVERY} messages. Steps are copied to JSON only when sent, so a busy torrent
 * pays one small object per step, not a serialisation.
 */
export class LiveFeed {
  private readonly watched = new Map<InspectorSource, Subscription>();
  private buffer: { readonly torrent: string; readonly step: MachineStep }[] = [];
  private dropped = 0;
  private ticks = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sources: () => readonly InspectorSource[],
    private readonly sink: FeedSink,
  ) {
    this.watchNew();
    this.send(true);
    this.timer = setInterval(() => this.tick(), FEED_INTERVAL_MS);
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.watched.values()) s.unsubscribe();
    this.watched.clear();
    this.buffer = [];
  }

  private watchNew(): void {
    for (const source of this.sources()) {
      if (this.watched.has(source)) continue;
      this.watched.set(
        source,
        source.steps$.subscribe((step) => {
          if (this.buffer.length >= MAX_STEPS_PER_MESSAGE) {
            this.buffer.shift();
            this.dropped++;
          }
          this.buffer.push({ torrent: source.infoHashHex, step });
        }),
      );
    }
  }

  private tick(): void {
    this.ticks++;
    this.watchNew();
    const withSnapshot = this.ticks % SNAPSHOT_EVERY === 0;
    if (!withSnapshot && this.buffer.length === 0) return;
    this.send(withSnapshot);
  }

  private send(withSnapshot: boolean): void {
    if (this.sink.unsent > MAX_UNSENT_BYTES) {
      this.dropped += this.buffer.length;
      this.buffer = [];
      return;
    }
    const steps = this.buffer.map(({ torrent, step }) => ({
      at: step.at,
      torrent,
      actor: step.actor,
      machine: step.machine,
      event: toSafeJson(step.event, EVENT_LIMITS),
      cause: step.cause,
      value: toSafeJson(step.value),
      status: step.status,
    }));
    const message: FeedMessage = {
      steps,
      dropped: this.dropped,
      ...(withSnapshot ? { snapshots: this.sources().map((s) => s.snapshot()) } : {}),
    };
    this.buffer = [];
    this.dropped = 0;
    this.sink.write(`data: ${JSON.stringify(message)}\n\n`);
  }
}
