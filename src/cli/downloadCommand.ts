import * as E from 'fp-ts/lib/Either.js';
import { EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { DHT_USAGE } from './dhtArgs.js';
import { downloadPlan } from './transferArgs.js';
import { runTransfer } from './transferRun.js';

const USAGE = `usage: statorrent download <file.torrent | http(s)://url | 'magnet:?…'> [options]
  Downloads a torrent: single-file torrents to DIR/<name>, multi-file ones to DIR/<name>/...
  A magnet link first fetches the metadata from peers (its tr= trackers, x.pe peers, --peer)
  and saves it as DIR/<name>.torrent; run again with the same link, that file is used.
  Exits 0 once every piece is verified (after a short 'stopped' announce).
  -o, --output DIR     where to save (default: this folder)
  --port N             TCP port for incoming peers (default 6881; 0 = any free port)
  --host ADDR          IP address to listen on, announce from and connect from
                       (default: listen on all, the OS picks the rest)
  --peer IP:PORT       also dial this peer; repeatable (e.g. a seeder you know)
  --no-trackers        do not ask the torrent's trackers (peers then come from --peer and the DHT)
  --max-peers N        most simultaneous connections (default 50)
  --encryption MODE    encrypted connections (MSE/PE): accept (default: take plain and
                       encrypted peers, dial plain), require (encrypted only, RC4), off
  --seed               keep seeding after the download until Ctrl-C (then exit 0)
${DHT_USAGE}  -q, --quiet          print only errors and the final line
  --json               one JSON object per line: every event, progress about once a second
                       (types: torrent, progress, checked, announced, trackerError,
                       trackerWarning, dhtLookup, peerConnected (with its source: tracker,
                       dht, user, incoming; and encryption: none,
                       mse-plaintext, mse-rc4), peerClosed, pieceVerified, pieceFailed,
                       pieceLost, banned, peersDiscovered (PEX), peerPenalised, metadataFetched,
                       magnet, completed, error, stopped, seeding, exit;
                       inspector with --inspect)
  -v, --verbose        also print trackers, the DHT, peers coming and going (and where they
                       came from), each verified piece
  --trace FILE         record every state machine event and wire message to FILE
  --inspect[=PORT]     watch it live in a browser: machines, peers, pieces (127.0.0.1 only;
                       prints a URL with a secret token; default port: any free one)
  Ctrl-C stops cleanly (announces 'stopped', flushes files) and exits 130 (SIGTERM: 143).
`;

/** `statorrent download`. */
export async function runDownloadCommand(argv: string[], io: CliIo): Promise<number> {
  const plan = downloadPlan(argv, io);
  if (E.isLeft(plan)) return usageError(io, 'download', plan.left);
  if (plan.right.help) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  return runTransfer(plan.right.plan, io);
}
