import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as E from 'fp-ts/lib/Either.js';
import { parseTraceLine, TRACE_FORMAT, TRACE_VERSION, type HeaderLine, type TraceLine } from './traceFormat.js';

/** The longest line accepted; the recorder's limits keep real lines far shorter. */
export const MAX_TRACE_LINE_CHARS = 4 * 1024 * 1024;

/** Called for each line after the header; return false to stop reading early. */
export type TraceVisitor = (line: TraceLine, lineNumber: number) => boolean | void | Promise<boolean | void>;

/**
 * Streams a trace file line by line (never the whole file in memory), checks the header and
 * every line's shape, and hands each line to `visit`. Errors are one line: file, line number,
 * problem.
 */
export async function readTrace(path: string, visit: TraceVisitor): Promise<E.Either<string, HeaderLine>> {
  const stream = createReadStream(path);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let header: HeaderLine | undefined;
  let stopped = false;

  const handle = async (text: string): Promise<string | undefined> => {
    lineNumber++;
    if (text.trim() === '') return undefined;
    const parsed = parseTraceLine(text);
    if (header === undefined) {
      if (!parsed.ok || parsed.line.kind !== 'header' || parsed.line.format !== TRACE_FORMAT) return `${path}: not a statorrent trace (no header line)`;
      if (parsed.line.version !== TRACE_VERSION) return `${path}: trace version ${parsed.line.version} is not supported (expected ${TRACE_VERSION})`;
      header = parsed.line;
      return undefined;
    }
    if (!parsed.ok) return `${path}:${lineNumber}: ${parsed.message}`;
    if ((await visit(parsed.line, lineNumber)) === false) stopped = true;
    return undefined;
  };

  try {
    for await (const chunk of stream) {
      pending += decoder.write(chunk as Buffer);
      let nl: number;
      while (!stopped && (nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const problem = await handle(text);
        if (problem !== undefined) return E.left(problem);
      }
      if (stopped) break;
      if (pending.length > MAX_TRACE_LINE_CHARS) return E.left(`${path}:${lineNumber + 1}: line longer than ${MAX_TRACE_LINE_CHARS} characters`);
    }
    pending += decoder.end();
    if (!stopped && pending.length > 0) {
      const problem = await handle(pending);
      if (problem !== undefined) return E.left(problem);
    }
  } catch (e) {
    return E.left(`cannot read trace ${path}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    stream.destroy();
  }
  if (header === undefined) return E.left(`${path}: empty trace`);
  return E.right(header);
}
