import { formatBytes } from '../text/formatBytes.js';
import type { CliStream } from './cliIo.js';

/** One moment of a long job measured in bytes (hashing, downloading, checking). */
export interface ProgressSnapshot {
  readonly done: number;
  readonly total: number;
  /** Bytes per second, when known. */
  readonly rate?: number;
}

/**
 * Renders `label [#######.......]  45.2%  12.3 MiB / 27.3 MiB  5.10 MiB/s` to fit `width`
 * columns. Pure, so it is testable and reusable for downloads.
 */
export function renderProgressBar(label: string, s: ProgressSnapshot, width = 80): string {
  const fraction = s.total > 0 ? Math.min(1, Math.max(0, s.done / s.total)) : 1;
  const percent = `${(fraction * 100).toFixed(1)}%`.padStart(6);
  const sizes = `${formatBytes(s.done)} / ${formatBytes(s.total)}`;
  const rate = s.rate !== undefined ? `  ${formatBytes(Math.round(s.rate))}/s` : '';
  const tail = `  ${percent}  ${sizes}${rate}`;
  const barWidth = Math.max(10, width - label.length - tail.length - 4);
  const filled = Math.round(fraction * barWidth);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
}

/** How {@link ProgressReporter} paces its output. */
export interface ProgressReporterOptions {
  /** Least time between redraws on a terminal (default 100 ms). */
  readonly redrawMs?: number;
  /** Plain output prints one line per this many percent (default 10). */
  readonly stepPercent?: number;
  /** Clock in milliseconds (default performance.now), injectable for tests. */
  readonly now?: () => number;
}

/**
 * Shows progress on a stream: an in-place bar on a TTY (redrawn at most every `redrawMs`), plain
 * lines at each `stepPercent` otherwise (logs and pipes stay readable).
 */
export class ProgressReporter {
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastStep = -1;
  private drawn = false;
  private readonly redrawMs: number;
  private readonly stepPercent: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: CliStream,
    private readonly label: string,
    options: ProgressReporterOptions = {},
  ) {
    this.redrawMs = options.redrawMs ?? 100;
    this.stepPercent = options.stepPercent ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Reports `done` of `total` bytes. */
  update(done: number, total: number): void {
    const t = this.now();
    const elapsed = (t - this.started) / 1000;
    const snapshot: ProgressSnapshot = elapsed > 0.2 ? { done, total, rate: done / elapsed } : { done, total };
    if (this.stream.isTTY === true) {
      if (t - this.lastDraw < this.redrawMs && done < total) return;
      this.lastDraw = t;
      this.drawn = true;
      this.stream.write(`\r\x1b[2K${renderProgressBar(this.label, snapshot, this.stream.columns ?? 80)}`);
      return;
    }
    const step = total > 0 ? Math.floor((done / total) * (100 / this.stepPercent)) : 100 / this.stepPercent;
    if (step <= this.lastStep) return;
    this.lastStep = step;
    const pct = Math.min(100, step * this.stepPercent);
    this.stream.write(`${this.label}: ${pct}% (${formatBytes(done)} / ${formatBytes(total)})\n`);
  }

  /** Ends the in-place bar with a newline so later output starts on a fresh line. */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
