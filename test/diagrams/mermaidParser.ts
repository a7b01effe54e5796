/**
 * Mermaid's real parser in node: mermaid's sanitizer (DOMPurify) needs a window, so a jsdom
 * window is installed once before mermaid is imported.
 */
import { JSDOM } from 'jsdom';

let parser: Promise<(source: string) => Promise<unknown>> | undefined;

/** Parses Mermaid source with the `mermaid` package; rejects with Mermaid's error on bad syntax. */
export function parseMermaid(source: string): Promise<unknown> {
  parser ??= (async () => {
    const g = globalThis as Record<string, unknown>;
    if (g['window'] === undefined) {
      const dom = new JSDOM('<!doctype html><html><body></body></html>');
      g['window'] = dom.window;
      g['document'] = dom.window.document;
    }
    const { default: mermaid } = await import('mermaid');
    mermaid.initialize({ startOnLoad: false });
    return (src: string) => mermaid.parse(src);
  })();
  return parser.then((parse) => parse(source));
}
