/**
 * Runs inside a page showing one Mermaid SVG (passed to `page.evaluate`, so it is written
 * self-contained: no imports, no helpers outside the function body). Measures where each label's
 * text really lands with the page's fonts and compares it with the boxes Mermaid sized for it.
 */

/** What one SVG looks like to a reader whose machine has this page's fonts. */
export interface LabelReport {
  /** The font-family the SVG's root style asks for. */
  readonly fontFamily: string;
  /** Whether the first family named there is installed (else the browser substitutes one). */
  readonly fontAvailable: boolean;
  /** Labels measured. */
  readonly labels: number;
  /** `"text": what it overflows, by how many pixels`. */
  readonly overflows: readonly string[];
  /** `"text" over "text"` for edge labels whose boxes intersect. */
  readonly overlaps: readonly string[];
}

export function labelProblemsInPage(): LabelReport {
  const TOLERANCE = 0.5;
  const root = document.querySelector('svg');
  if (root === null) throw new Error('no <svg> in the page');
  const fontFamily = getComputedStyle(root).fontFamily;
  const first = (fontFamily.split(',')[0] ?? '').trim().replace(/^["']|["']$/g, '');
  // An installed font replaces the generic fallback after it, so the text measures differently
  // from at least one generic family (it may itself be the default of another); a missing one
  // never does.
  const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d');
  const sample = 'connecting handshaking PEER_UNCHOKE mmmwwwiiil 0123';
  let fontAvailable = false;
  if (ctx !== null && first !== '') {
    fontAvailable = ['monospace', 'serif', 'sans-serif'].some((generic) => {
      ctx.font = `16px ${generic}`;
      const base = ctx.measureText(sample).width;
      ctx.font = `16px "${first}", ${generic}`;
      return ctx.measureText(sample).width !== base;
    });
    // A generic family (sans-serif) is always "installed".
    if (['sans-serif', 'serif', 'monospace'].includes(first)) fontAvailable = true;
  }

  const textOf = (el: Element): string => (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  const textBox = (el: Element): DOMRect | undefined => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (rects.length === 0) return undefined;
    const left = Math.min(...rects.map((r) => r.left));
    const top = Math.min(...rects.map((r) => r.top));
    const right = Math.max(...rects.map((r) => r.right));
    const bottom = Math.max(...rects.map((r) => r.bottom));
    return new DOMRect(left, top, right - left, bottom - top);
  };
  const excess = (inner: DOMRect, outer: DOMRect): number =>
    Math.max(outer.left - inner.left, inner.right - outer.right, outer.top - inner.top, inner.bottom - outer.bottom);

  const overflows: string[] = [];
  const edgeLabels: { text: string; box: DOMRect }[] = [];
  let labels = 0;
  const check = (text: string, inner: DOMRect, outer: DOMRect | undefined, what: string): void => {
    if (outer === undefined) return;
    const by = excess(inner, outer);
    if (by > TOLERANCE) overflows.push(`"${text}": overflows its ${what} by ${by.toFixed(1)}px`);
  };
  // The shape a node label sits in: Mermaid's state rectangle (or the path of a rough shape).
  const shapeOf = (el: Element): DOMRect | undefined => {
    const node = el.closest('g.node');
    if (node !== null) {
      const shape = [...node.children].find((c) => c.matches('rect, path, polygon') && !c.closest('g.label'));
      return shape?.getBoundingClientRect();
    }
    const cluster = el.closest('g.cluster-label')?.parentElement;
    const outer = cluster?.querySelector(':scope > g > rect.outer, :scope > rect.outer, :scope > rect');
    return outer?.getBoundingClientRect() ?? undefined;
  };

  for (const fo of root.querySelectorAll('foreignObject')) {
    const text = textOf(fo);
    const box = text === '' ? undefined : textBox(fo);
    if (box === undefined) continue;
    labels++;
    check(text, box, fo.getBoundingClientRect(), 'label box');
    check(text, box, shapeOf(fo), fo.closest('g.cluster-label') ? 'composite state' : 'state');
    if (fo.closest('g.edgeLabel') !== null) edgeLabels.push({ text, box });
  }
  // Labels drawn as SVG text (htmlLabels off, titles of some shapes).
  for (const t of root.querySelectorAll('text')) {
    const text = textOf(t);
    if (text === '' || t.closest('foreignObject') !== null) continue;
    labels++;
    const box = t.getBoundingClientRect();
    check(text, box, shapeOf(t), 'state');
  }

  const overlaps: string[] = [];
  for (let i = 0; i < edgeLabels.length; i++) {
    for (let j = i + 1; j < edgeLabels.length; j++) {
      const a = edgeLabels[i]!;
      const b = edgeLabels[j]!;
      const w = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
      const h = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
      if (w > 1 && h > 1) overlaps.push(`"${a.text}" over "${b.text}"`);
    }
  }
  return { fontFamily, fontAvailable, labels, overflows, overlaps };
}
