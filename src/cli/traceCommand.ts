import * as E from 'fp-ts/lib/Either.js';
import { replayedStepText, replayText } from '../trace/replayText.js';
import { summaryText } from '../trace/summaryText.js';
import { replayTrace } from '../trace/traceReplay.js';
import { summarizeTrace } from '../trace/traceSummary.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { watchInterrupts } from './interruption.js';
import { parseIntOption } from './peerAddressArg.js';

const USAGE = `usage: statorrent trace <summary | replay | view> <trace.jsonl> [--json] [--steps] [--port N]
  Reads a trace written by \`statorrent download --trace FILE\` (JSON Lines).
  summary    per-peer timelines (connected, client, choke/unchoke, blocks and bytes,
             requests, close and why) and the torrent's states, verified pieces over
             time and tracker announces
  replay     feeds the recorded events into fresh machines from machines/ on a simulated
             clock (no network) and checks every actor passes through exactly the recorded
             states; prints "replay ok: ..." or the first differing step (exit 1)
  view       replays the trace, then serves the inspector page on 127.0.0.1 with a
             timeline: step forward and back through every transition, jump to a
             peer's close or a failed piece; prints the URL (with a secret token)
             and serves until Ctrl-C
  --port N   (view) the port to serve on (default: any free one)
  --json     print one JSON document instead of text
  --steps    (replay) also print every step as it replays: time, actor, event, state after
`;

/** `statorrent trace summary|replay FILE [--json]`. */
export async function runTraceCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    steps: { type: 'boolean' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (E.isLeft(parsed)) return usage(io, parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  const [sub, file, ...rest] = positionals;
  if (sub !== 'summary' && sub !== 'replay' && sub !== 'view') return usage(io, sub === undefined ? 'say summary, replay or view' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (file === undefined || rest.length > 0) return usage(io, 'give exactly one trace file');
  const json = values.json === true;
  if (sub === 'view') {
    const port = parseIntOption('--port', values.port ?? '0', 0, 65535);
    if (E.isLeft(port)) return usage(io, port.left);
    return viewTrace(file, port.right, io);
  }

  if (sub === 'summary') {
    const summary = await summarizeTrace(file);
    if (E.isLeft(summary)) return failure(io, summary.left);
    io.out.write(json ? `${JSON.stringify(summary.right, null, 2)}\n` : summaryText(summary.right));
    return EXIT_OK;
  }
  const steps = values.steps === true && !json;
  const report = await replayTrace(file, steps ? { onStep: (s) => io.out.write(replayedStepText(s)) } : {});
  if (E.isLeft(report)) return failure(io, report.left);
  io.out.write(json ? `${JSON.stringify(report.right, null, 2)}\n` : replayText(report.right));
  return report.right.ok ? EXIT_OK : EXIT_FAILURE;
}

/** `trace view`: serves the trace viewer until SIGINT/SIGTERM. */
async function viewTrace(file: string, port: number, io: CliIo): Promise<number> {
  const { buildTraceTimeline } = await import('../trace/traceTimeline.js');
  const { startInspectorServer } = await import('../session/inspector/inspectorServer.js');
  const interrupts = watchInterrupts();
  try {
    const timeline = await buildTraceTimeline(file);
    if (E.isLeft(timeline)) return failure(io, timeline.left);
    const server = await startInspectorServer({ kind: 'trace', title: timeline.right.name || file, timeline: timeline.right }, { port });
    if (E.isLeft(server)) return failure(io, server.left);
    const r = timeline.right.replay;
    io.out.write(`${r.ok ? 'replay ok' : 'replay diverged (the timeline stops there)'}: ${timeline.right.steps.length} steps\ntrace viewer: ${server.right.url}\n(Ctrl-C stops it)\n`);
    await interrupts.interrupted;
    await server.right.close();
    return EXIT_OK;
  } finally {
    interrupts.dispose();
  }
}

function failure(io: CliIo, message: string): number {
  io.err.write(`statorrent trace: ${message}\n`);
  return EXIT_FAILURE;
}

function usage(io: CliIo, message: string): number {
  return usageError(io, 'trace', message);
}
