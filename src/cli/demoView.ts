import type { TorrentProgress } from '../session/types.js';
import type { CliStream } from './cliIo.js';
import { renderTransferLine, verifiedPercent } from './transferLine.js';

/**
 * Live lines for several torrents at once: on a TTY one line per participant, redrawn in place
 * (cursor up, rewrite); otherwise a plain line for a participant each time it passes a quarter.
 */
export class SwarmView {
  private drawnLines = 0;
  private readonly lastQuarter = new Map<string, number>();

  constructor(private readonly out: CliStream) {}

  /** Shows the current snapshot of every participant, labelled. */
  update(rows: readonly { readonly name: string; readonly progress: TorrentProgress }[]): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const labelWidth = Math.max(...rows.map((r) => r.name.length));
    if (this.out.isTTY === true) {
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
      this.out.write(`${up}${rows.map((r) => `\r\x1b[2K${renderTransferLine(r.progress, width, r.name.padEnd(labelWidth))}\n`).join('')}`);
      this.drawnLines = rows.length;
      return;
    }
    for (const r of rows) {
      if (r.progress.state === 'seeding' && this.lastQuarter.get(r.name) === 4) continue;
      const quarter = Math.floor(verifiedPercent(r.progress) / 25);
      if (quarter <= (this.lastQuarter.get(r.name) ?? -1)) continue;
      this.lastQuarter.set(r.name, quarter);
      this.out.write(`${renderTransferLine(r.progress, 110, r.name.padEnd(labelWidth))}\n`);
    }
  }
}
