/**
 * Renders Mermaid sources to SVG offline with @mermaid-js/mermaid-cli driving Debian's chromium
 * (no Puppeteer browser download). Each SVG starts with a comment holding the SHA-256 of the
 * source it was drawn from, so a staleness check can tell a current SVG without rendering.
 */
import { createHash } from 'node:crypto';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer from 'puppeteer-core';

/** Chromium used for rendering; override with STATORRENT_CHROMIUM. */
export const chromiumPath = process.env['STATORRENT_CHROMIUM'] ?? '/usr/bin/chromium';

/** The first line of every generated SVG, naming the hash of its Mermaid source. */
export function svgSourceStamp(mermaidSource: string): string {
  return `<!-- generated from mermaid source sha256:${createHash('sha256').update(mermaidSource).digest('hex')} -->`;
}

/** True when `svg` was rendered from exactly `mermaidSource`. */
export function svgIsCurrent(svg: string, mermaidSource: string): boolean {
  return svg.startsWith(`${svgSourceStamp(mermaidSource)}\n`);
}

/** Renders every source with one browser; returns stamped SVG texts in the same order. */
export async function renderMermaidSvgs(sources: readonly string[]): Promise<string[]> {
  if (sources.length === 0) return [];
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    // Root in containers has no user namespace sandbox; no GPU on CI machines.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-setuid-sandbox'],
  });
  try {
    const out: string[] = [];
    for (const source of sources) {
      const { data } = await renderMermaid(browser, source, 'svg', { backgroundColor: 'white' });
      out.push(`${svgSourceStamp(source)}\n${Buffer.from(data).toString('utf8')}\n`);
    }
    return out;
  } finally {
    await browser.close();
  }
}
