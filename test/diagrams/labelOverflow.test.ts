/**
 * Every committed diagrams/*.svg, opened as a standalone SVG document in headless Chromium (one
 * browser for all of them), must show each label whole: the text of every label fits the box
 * Mermaid drew for it (its foreignObject, and the state's rectangle or cluster around that), and
 * no two edge labels cover each other. Rendered with the fonts of the machine running the test,
 * so a diagram laid out for a narrower font than the one it names fails here.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../scripts/renderMermaidSvg.js';
import { labelProblemsInPage, type LabelReport } from './labelProblems.js';

const diagramsDir = resolve(import.meta.dirname, '..', '..', 'diagrams');
const svgFiles = (await readdir(diagramsDir).catch(() => [])).filter((f) => f.endsWith('.svg')).sort();

let browser: Browser;
const reports = new Map<string, Promise<LabelReport>>();

beforeAll(async () => {
  browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
afterAll(async () => {
  await browser?.close();
});

async function reportOf(file: string): Promise<LabelReport> {
  let report = reports.get(file);
  if (report === undefined) {
    report = (async () => {
      const page = await browser.newPage();
      try {
        await page.goto(pathToFileURL(join(diagramsDir, file)).href, { waitUntil: 'load' });
        return await page.evaluate(labelProblemsInPage);
      } finally {
        await page.close();
      }
    })();
    reports.set(file, report);
  }
  return report;
}

describe('rendered diagrams', () => {
  it('has SVGs to check', () => {
    expect(svgFiles.length).toBeGreaterThan(0);
  });

  it.each(svgFiles)('%s: the font it names is installed, so the check measures what readers see', async (file) => {
    const { fontFamily, fontAvailable, labels } = await reportOf(file);
    expect(labels, 'labels found in the SVG').toBeGreaterThan(5);
    expect(fontAvailable, `${fontFamily}: install the font (scripts/setup.sh) before rendering or checking`).toBe(true);
  });

  it.each(svgFiles)('%s: every label fits its box', async (file) => {
    const { overflows } = await reportOf(file);
    expect(overflows, 'label text wider or taller than its box (clipped when viewed)').toEqual([]);
  });

  it.each(svgFiles)('%s: no edge label covers another', async (file) => {
    const { overlaps } = await reportOf(file);
    expect(overlaps, 'edge labels drawn over each other').toEqual([]);
  });
});
