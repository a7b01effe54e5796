import * as E from 'fp-ts/lib/Either.js';
import { replayedStepText, replayText } from '../trace/replayText.js';
import { summaryText } from '../trace/summaryText.js';
import { replayTrace } from '../trace/traceReplay.js';
import { summarizeTrace } from '../trace/traceSummary.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';

const USAGE = `usage: statorrent trace <summary | replay> <trace.jsonl> [--json] [--steps]
  Reads a trace written by \`statorrent download --trace FILE\` (JSON Lines).
  summary    per-peer timelines (connected, client, choke/unchoke, blocks and bytes,
             requests, close and why) and the torrent's states, verified pieces over
             time and tracker announces
  replay     feeds the recorded events into fresh machines from machines/ on a simulated
             clock (no network) and checks every actor passes through exactly the recorded
             states; prints "replay ok: ..." or the first differing step (exit 1)
  --json     print one JSON document instead of text
  --steps    (replay) also print every step as it replays: time, actor, event, state after
`;

/** `statorrent trace summary|replay FILE [--json]`. */
export async function runTraceCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    steps: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (E.isLeft(parsed)) return usage(io, parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  const [sub, file, ...rest] = positionals;
  if (sub !== 'summary' && sub !== 'replay') return usage(io, sub === undefined ? 'say summary or replay' : `unknown subcommand ${JSON.stringify(sub)}`);
  if (file === undefined || rest.length > 0) return usage(io, 'give exactly one trace file');
  const json = values.json === true;

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

function failure(io: CliIo, message: string): number {
  io.err.write(`statorrent trace: ${message}\n`);
  return EXIT_FAILURE;
}

function usage(io: CliIo, message: string): number {
  return usageError(io, 'trace', message);
}
