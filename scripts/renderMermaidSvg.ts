/**
 * Renders Mermaid sources to SVG offline with @mermaid-js/mermaid-cli driving Debian's chromium
 * (no Puppeteer browser download). Each SVG starts with a comment holding the SHA-256 of the
 * source and render settings it was drawn from, so a staleness check can tell a current SVG
 * without rendering.
 */
import { createHash } from 'node:crypto';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer from 'puppeteer-core';

/** Chromium used for rendering; override with STATORRENT_CHROMIUM. */
export const chromiumPath = process.env['STATORRENT_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * The font every label is measured and drawn in. Mermaid sizes each box for the text as the
 * rendering browser sets it; a reader whose browser substitutes a wider font would see the text
 * clipped. So the SVGs name one font first: DejaVu Sans (Debian's fonts-dejavu-core, installed by
 * scripts/setup.sh and always present beside chromium), then Verdana, whose metrics are close to
 * it, for readers without it.
 */
export const DIAGRAM_FONT = '"DejaVu Sans", Verdana, sans-serif';

/**
 * Mermaid settings every diagram is rendered with. ELK lays out composite states (the machines'
 * parallel regions) far better than the default dagre, which stacked labels of arrows to and from
 * a composite state on top of each other. Labels get a little padding, so a reader's font that is
 * slightly wider than the one measured still fits.
 */
export const RENDER_CONFIG = {
  layout: 'elk',
  fontFamily: DIAGRAM_FONT,
  themeVariables: { fontFamily: DIAGRAM_FONT },
  themeCSS: '.nodeLabel p, .edgeLabel p, .cluster-label p { padding: 0 4px; }',
  elk: { nodePlacementStrategy: 'NETWORK_SIMPLEX' },
} as const;

/** The first line of every generated SVG, naming the hash of its Mermaid source and settings. */
export function svgSourceStamp(mermaidSource: string): string {
  const hash = createHash('sha256').update(JSON.stringify(RENDER_CONFIG)).update('\n').update(mermaidSource).digest('hex');
  return `<!-- generated from mermaid source sha256:${hash} -->`;
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
      const { data } = await renderMermaid(browser, source, 'svg', { backgroundColor: 'white', mermaidConfig: RENDER_CONFIG as never });
      out.push(`${svgSourceStamp(source)}\n${Buffer.from(data).toString('utf8')}\n`);
    }
    return out;
  } finally {
    await browser.close();
  }
}
