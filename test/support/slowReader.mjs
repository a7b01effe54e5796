// A deliberately slow pipe reader: waits before reading, then takes one chunk at a time with a
// pause between chunks, and finally prints how many bytes it received.
const startDelayMs = Number(process.argv[2] ?? 300);
const perChunkMs = Number(process.argv[3] ?? 5);
let total = 0;
process.stdin.pause();
setTimeout(() => {
  process.stdin.on('data', (chunk) => {
    total += chunk.length;
    process.stdin.pause();
    setTimeout(() => process.stdin.resume(), perChunkMs);
  });
  process.stdin.on('end', () => process.stdout.write(`${total}\n`));
  process.stdin.resume();
}, startDelayMs);
