// A library download in its own process, so a test can SIGKILL it mid-way and start it again
// (crash and resume). Imports the BUILT library (dist/; `npm run build` first).
//
//   node downloadChild.mjs '{"torrent": PATH, "downloadDir": DIR, "peers": [{"ip","port"}]}'
//
// Prints one JSON object per line on stdout: {"event": TorrentEvent} for every torrent event,
// then {"done": TorrentProgress} once complete, and exits 0 after closing the session.
// Any failure: {"fatal": message} and exit 1.
import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo, Session } from '../../dist/src/index.js';

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const fatal = (message) => {
  say({ fatal: String(message) });
  process.exit(1);
};

const config = JSON.parse(process.argv[2] ?? '{}');
const m = await loadMetainfo(config.torrent)();
if (E.isLeft(m)) fatal(m.left.message);
const session = await Session.start({ port: 0, host: '127.0.0.1' });
if (E.isLeft(session)) fatal(session.left);
const added = await session.right.add({ metainfo: m.right, downloadDir: config.downloadDir, useTrackers: false, peers: config.peers ?? [] });
if (E.isLeft(added)) fatal(added.left);
const handle = added.right;
let last;
handle.progress$.subscribe((p) => (last = p));
handle.events$.subscribe((event) => say({ event }));
try {
  await handle.completed;
} catch (e) {
  fatal(e.message);
}
say({ done: last });
await session.right.close();
process.exit(0);
