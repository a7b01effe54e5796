import * as E from 'fp-ts/lib/Either.js';
import { EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { DHT_USAGE } from './dhtArgs.js';
import { seedPlan } from './transferArgs.js';
import { runTransfer } from './transferRun.js';

const USAGE = `usage: statorrent seed <file.torrent | http(s)://url> <DIR> [options]
  Serves a torrent whose data is in DIR (DIR/<name> or DIR/<name>/..., as download -o saves it).
  Hash-checks the data first; if pieces are missing it says how much is there and exits 1
  instead of downloading. Then announces and serves until Ctrl-C (exit 0).
  --skip-check         trust the data without hashing it (you just made the torrent from it)
  --port N             TCP port for incoming peers (default 6881; 0 = any free port)
  --host ADDR          IP address to listen on, announce from and connect from
                       (default: listen on all, the OS picks the rest)
  --peer IP:PORT       also dial this peer; repeatable
  --no-trackers        do not announce to the torrent's trackers
  --max-peers N        most simultaneous connections (default 50)
  --encryption MODE    encrypted connections (MSE/PE): accept (default: take plain and
                       encrypted peers), require (encrypted only, RC4), off
${DHT_USAGE}  -q, --quiet          print only errors and the final line
  --json               one JSON object per line (as download --json)
  -v, --verbose        also print trackers, the DHT and peers coming and going
  --trace FILE         record every state machine event and wire message to FILE
  --inspect[=PORT]     watch it live in a browser: machines, peers, pieces (127.0.0.1 only;
                       prints a URL with a secret token; default port: any free one)
`;

/** `statorrent seed`. */
export async function runSeedCommand(argv: string[], io: CliIo): Promise<number> {
  const plan = seedPlan(argv, io);
  if (E.isLeft(plan)) return usageError(io, 'seed', plan.left);
  if (plan.right.help) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  return runTransfer(plan.right.plan, io);
}
