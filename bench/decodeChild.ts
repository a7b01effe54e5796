/**
 * Child of bench/decode.bench.ts: builds one case's input, decodes it once, and prints one JSON
 * line with the time taken and this process's peak memory (maxRSS), so cases never share a heap.
 */
import { decodeCases } from './decodeCases.js';

const name = process.argv[2];
const c = decodeCases.find((k) => k.name === name);
if (c === undefined) {
  process.stderr.write(`unknown case ${name}\n`);
  process.exitCode = 2;
} else {
  const input = c.build();
  const before = process.resourceUsage();
  const t0 = performance.now();
  const outcome = c.run(input);
  const wallMs = performance.now() - t0;
  const after = process.resourceUsage();
  const cpuMs = (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000;
  process.stdout.write(`${JSON.stringify({ bytes: input.length, outcome, wallMs, cpuMs, maxRssMiB: after.maxRSS / 1024 })}\n`);
}
