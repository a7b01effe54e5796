/**
 * `npm run bench:decode`: the worst-case input of each decoder of untrusted bytes at its limit
 * (bench/decodeCases.ts), each decoded in a child process of its own, printed as a table of
 * wall time, CPU time and peak memory (maxRSS of the child, input and Node itself included; the
 * baseline row shows what Node alone takes). Issue 10's goal: about a second and under ~200 MiB.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeCases } from './decodeCases.js';

const child = fileURLToPath(new URL('./decodeChild.js', import.meta.url));
const only = process.argv[2];

interface Row {
  readonly bytes: number;
  readonly outcome: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
}

const pad = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
console.log(`decoder worst cases at their limits, node ${process.version}, one child process per case`);
console.log(`${pad('case', 52)} ${'input'.padStart(10)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)} ${'peak MiB'.padStart(9)}  outcome`);
let over = 0;
for (const c of decodeCases) {
  if (only !== undefined && !c.name.includes(only)) continue;
  let row: Row;
  try {
    row = JSON.parse(execFileSync(process.execPath, [child, c.name], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Row;
  } catch (e) {
    console.log(`${pad(c.name, 52)} FAILED: ${(e as Error).message.split('\n')[0]}`);
    over++;
    continue;
  }
  const flag = row.cpuMs > 1500 || row.maxRssMiB > 200 ? '  <-- over budget' : '';
  if (flag !== '') over++;
  console.log(
    `${pad(c.name, 52)} ${`${(row.bytes / 1e6).toFixed(2)} MB`.padStart(10)} ${(row.wallMs / 1000).toFixed(2).padStart(7)} ${(row.cpuMs / 1000).toFixed(2).padStart(7)} ${row.maxRssMiB.toFixed(0).padStart(9)}  ${pad(row.outcome, 70)}${flag}`,
  );
}
if (over > 0) process.exitCode = 1;
