import type { WriteStream } from 'node:fs';

/** Tunables for {@link LineWriter}. */
export interface LineWriterOptions {
  /** Text gathered before one write to the stream (default 64 KiB). */
  readonly chunkChars: number;
  /** Most text waiting in memory (ours plus the stream's); beyond it lines are dropped (default 8 MiB). */
  readonly maxPendingChars: number;
}

/**
 * Writes lines to a file stream in chunks, from synchronous callers (xstate inspection cannot
 * wait). Memory is bounded: when the disk falls behind by more than `maxPendingChars`, lines
 * are dropped and counted, and a `dropped` line is written once there is room again, so a
 * reader knows the trace has a gap instead of trusting it.
 */
export class LineWriter {
  private chunk: string[] = [];
  private chunkChars = 0;
  private flushScheduled = false;
  private droppedSinceReport = 0;
  private closed = false;
  /** Lines accepted and lines dropped so far. */
  written = 0;
  dropped = 0;
  /** The first write error, if any; later lines are dropped. */
  failure: string | undefined;
  private readonly options: LineWriterOptions;

  constructor(
    private readonly stream: WriteStream,
    private readonly droppedLine: (count: number) => string,
    options: Partial<LineWriterOptions> = {},
  ) {
    this.options = { chunkChars: 64 * 1024, maxPendingChars: 8 * 1024 * 1024, ...options };
    stream.on('error', (e) => {
      this.failure ??= e.message;
    });
  }

  /** Queues one line (without its newline); returns false if it was dropped. */
  write(line: string): boolean {
    if (this.closed || this.failure !== undefined) {
      this.dropped++;
      return false;
    }
    if (this.stream.writableLength + this.chunkChars + line.length > this.options.maxPendingChars) {
      this.dropped++;
      this.droppedSinceReport++;
      return false;
    }
    if (this.droppedSinceReport > 0) {
      const note = this.droppedLine(this.droppedSinceReport);
      this.droppedSinceReport = 0;
      this.push(note);
    }
    this.push(line);
    this.written++;
    return true;
  }

  private push(line: string): void {
    this.chunk.push(line);
    this.chunkChars += line.length + 1;
    if (this.chunkChars >= this.options.chunkChars) this.flush();
    else if (!this.flushScheduled) {
      // a quiet trace still reaches the disk soon, not only at close
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.chunk.length === 0 || this.stream.destroyed) return;
    this.stream.write(`${this.chunk.join('\n')}\n`);
    this.chunk = [];
    this.chunkChars = 0;
  }

  /** Writes what is left (plus `last`, if given) and closes the file. */
  async close(last?: string): Promise<void> {
    if (this.closed) return;
    if (last !== undefined && this.failure === undefined) this.push(last);
    this.closed = true;
    this.flush();
    await new Promise<void>((resolve) => {
      if (this.stream.destroyed) {
        resolve();
        return;
      }
      this.stream.once('error', () => resolve());
      this.stream.end(() => resolve());
    });
  }
}
