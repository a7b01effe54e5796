import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProgressReporter, renderProgressBar } from '../../src/cli/progressBar.js';
import { formatBytes, parseSize } from '../../src/text/formatBytes.js';
import { terminalText } from '../../src/text/terminalText.js';

const sink = (isTTY: boolean) => {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 60, write: (s: string) => writes.push(s) } };
};

describe('progress bar', () => {
  it('renders the fraction, sizes and rate within the width', () => {
    const line = renderProgressBar('hashing', { done: 512 * 1024, total: 1024 * 1024, rate: 2 * 1024 * 1024 }, 70);
    expect(line).toMatch(/^hashing \[#+\.+\]   50\.0%  512 KiB \/ 1 MiB  2 MiB\/s$/);
    expect(line.length).toBeLessThanOrEqual(70);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 40, max: 200 }), (done, total, width) => {
        const l = renderProgressBar('x', { done, total }, width);
        const bar = /\[(#*)(\.*)\]/.exec(l)!;
        expect(bar[1]!.length + bar[2]!.length).toBeGreaterThanOrEqual(10);
      }),
    );
  });

  it('redraws in place on a TTY, throttled, always drawing the final state', () => {
    let now = 0;
    const { writes, stream } = sink(true);
    const p = new ProgressReporter(stream, 'hashing', { now: () => now, redrawMs: 100 });
    p.update(10, 100);
    now = 50;
    p.update(20, 100); // throttled
    now = 150;
    p.update(30, 100);
    now = 160;
    p.update(100, 100); // final: drawn despite the throttle
    p.finish();
    expect(writes).toHaveLength(4);
    expect(writes.slice(0, 3).every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes[2]).toContain('100.0%');
    expect(writes[3]).toBe('\n');
  });

  it('prints one plain line per 10% step when not a TTY', () => {
    const { writes, stream } = sink(false);
    const p = new ProgressReporter(stream, 'hashing');
    for (let d = 0; d <= 1000; d += 7) p.update(d, 1000);
    p.update(1000, 1000);
    p.finish();
    expect(writes.map((w) => /: (\d+)%/.exec(w)![1])).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100']);
  });
});

describe('sizes and terminal text', () => {
  it('formats and parses sizes', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(16384)).toBe('16 KiB');
    expect(formatBytes(100_000)).toBe('97.7 KiB');
    expect(parseSize('262144')).toBe(262144);
    expect(parseSize('256K')).toBe(262144);
    expect(parseSize('1MiB')).toBe(1048576);
    expect(parseSize('1.5M')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });

  it('neutralizes escape sequences, line breaks and bidi overrides from torrents', () => {
    expect(terminalText('a\u001b[2Jb\nc\u202ed')).toBe('a?[2Jb c?d');
  });
});
