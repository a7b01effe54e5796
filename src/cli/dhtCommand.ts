import { isIP } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { idFromHex, idKey, type NodeId } from '../dht/nodeId.js';
import type { BucketView } from '../dht/routingTable.js';
import { DhtNode, type LookupProgress } from '../session/dhtNode.js';
import { DEFAULT_BOOTSTRAP, parseHostPort, resolveBootstrap } from '../session/dhtBootstrap.js';
import { defaultDhtStateDir } from '../session/dhtStateFile.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { watchInterrupts } from './interruption.js';
import { parseIntOption } from './peerAddressArg.js';
import { lookupRounds, roundLine } from './dhtRounds.js';

const USAGE = `usage: statorrent dht lookup <infohash> [options]   look up who has a torrent, round by round
       statorrent dht node [options]                run a DHT node and show its routing table
  --dht-bootstrap HOST:PORT  where to join when the saved table is empty; repeatable (default:
                             router.bittorrent.com:6881, dht.transmissionbt.com:6881,
                             router.utorrent.com:6881, resolved only when none is given)
  --dht-port N               UDP port (default 6881; 0 picks a free one)
  --dht-host IP              UDP address to bind (default 0.0.0.0)
  --data-dir DIR             where the node id and good nodes are kept (default
                             $XDG_STATE_HOME/statorrent or ~/.local/state/statorrent)
  lookup: --announce PORT    also announce that we serve the torrent on TCP PORT
          --json            one JSON document: {infoHash, rounds[], peers[], stop, queries}
  node:   --every S          print the table every S seconds (default 60)
          --for S            stop after S seconds (default: until Ctrl-C)
`;

/** `statorrent dht lookup|node`. */
export async function runDhtCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    'dht-bootstrap': { type: 'string', multiple: true },
    'dht-port': { type: 'string' },
    'dht-host': { type: 'string' },
    'data-dir': { type: 'string' },
    announce: { type: 'string' },
    json: { type: 'boolean' },
    every: { type: 'string' },
    for: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const usage = (msg: string): number => usageError(io, 'dht', msg);
  if (E.isLeft(parsed)) return usage(parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'lookup' && sub !== 'node') return usage(sub === undefined ? "say 'lookup <infohash>' or 'node'" : `unknown subcommand '${sub}'`);
  const port = parseIntOption('--dht-port', values['dht-port'] ?? '6881', 0, 65535);
  if (E.isLeft(port)) return usage(port.left);
  const host = values['dht-host'] ?? '0.0.0.0';
  if (isIP(host) === 0) return usage('--dht-host must be an IP address');
  const given = values['dht-bootstrap'] ?? [];
  for (const b of given) if (parseHostPort(b) === undefined) return usage(`--dht-bootstrap "${b}" is not HOST:PORT`);
  const bootstrapText = given.length > 0 ? given : DEFAULT_BOOTSTRAP;
  const fail = (msg: string): number => {
    io.err.write(`statorrent dht: ${msg}\n`);
    return EXIT_FAILURE;
  };

  let target: NodeId | undefined;
  let announcePort: number | undefined;
  if (sub === 'lookup') {
    if (rest.length !== 1) return usage('give exactly one info hash (40 hex digits)');
    if (rest[0]!.startsWith('magnet:')) return fail('magnet links are not read yet (the magnet parser is not part of this build); give the 40-hex info hash');
    target = idFromHex(rest[0]!);
    if (target === undefined) return usage(`"${rest[0]}" is not a 40-hex-digit info hash`);
    if (values.announce !== undefined) {
      const a = parseIntOption('--announce', values.announce, 1, 65535);
      if (E.isLeft(a)) return usage(a.left);
      announcePort = a.right;
    }
  } else if (rest.length > 0) return usage('dht node takes no arguments');
  const every = parseIntOption('--every', values.every ?? '60', 1, 86_400);
  if (E.isLeft(every)) return usage(every.left);
  const forS = values.for === undefined ? undefined : parseIntOption('--for', values.for, 1, 86_400 * 365);
  if (forS !== undefined && E.isLeft(forS)) return usage(forS.left);

  const started = await DhtNode.start({
    host,
    port: port.right,
    stateDir: values['data-dir'] ?? defaultDhtStateDir(),
    bootstrap: () => resolveBootstrap(bootstrapText, (m) => io.err.write(`statorrent dht: ${m}\n`)),
    log: (line) => io.err.write(`${line}\n`),
  });
  if (E.isLeft(started)) return fail(started.left);
  const node = started.right;
  try {
    if (target !== undefined) return await runLookup(node, target, announcePort, values.json === true, io);
    return await runNode(node, every.right * 1000, forS === undefined ? undefined : forS.right * 1000, io);
  } finally {
    await node.stop();
  }
}

async function runLookup(node: DhtNode, target: NodeId, announcePort: number | undefined, json: boolean, io: CliIo): Promise<number> {
  const steps: LookupProgress[] = [];
  if (!json) io.out.write(`dht lookup ${idKey(target)} from ${node.address.ip}:${node.address.port} (node id ${idKey(node.id)})\n`);
  await node.whenJoined();
  if (!json) io.out.write(`joined: ${node.stats().nodes} node${node.stats().nodes === 1 ? '' : 's'} in the routing table\n`);
  await new Promise<void>((resolve) =>
    node.lookup(target, 'get_peers', announcePort).subscribe({
      next: (e) => {
        steps.push(e);
        if (!json && e.type === 'peers') for (const p of e.peers) io.out.write(`  peer ${p.ip}:${p.port}\n`);
      },
      complete: resolve,
      error: () => resolve(),
    }),
  );
  const { rounds, peers, done } = lookupRounds(steps);
  if (json) {
    io.out.write(`${JSON.stringify({ infoHash: idKey(target), rounds, peers, stop: done?.stop ?? null, queries: done?.queries ?? 0 })}\n`);
    return EXIT_OK;
  }
  for (const r of rounds) io.out.write(`${roundLine(r)}\n`);
  const why = done?.stop === 'closestAnswered' ? 'the 8 nearest nodes answered' : done?.stop === 'nothingLeft' ? 'no nearer node left to ask' : 'cancelled';
  io.out.write(`done: ${why}; ${done?.queries ?? 0} queries, ${peers.length} peer${peers.length === 1 ? '' : 's'} found${announcePort === undefined ? '' : `, announced on port ${announcePort}`}\n`);
  return EXIT_OK;
}

async function runNode(node: DhtNode, everyMs: number, forMs: number | undefined, io: CliIo): Promise<number> {
  io.out.write(`dht node ${idKey(node.id)} on ${node.address.ip}:${node.address.port}\n`);
  const interrupts = watchInterrupts();
  const timers: NodeJS.Timeout[] = [];
  try {
    await Promise.race([node.whenJoined(), interrupts.interrupted]);
    io.out.write(tableText(node.buckets(), node));
    const until = new Promise<void>((resolve) => {
      if (forMs !== undefined) timers.push(setTimeout(resolve, forMs));
      void interrupts.interrupted.then(() => resolve());
    });
    timers.push(setInterval(() => io.out.write(tableText(node.buckets(), node)), everyMs));
    await until;
    io.out.write(tableText(node.buckets(), node));
    return EXIT_OK;
  } finally {
    for (const t of timers) clearTimeout(t);
    interrupts.dispose();
  }
}

/** The routing table as text: one line per bucket, one per node. */
export function tableText(buckets: readonly BucketView[], node: DhtNode): string {
  const s = node.stats();
  const lines = [`routing table: ${s.nodes} node${s.nodes === 1 ? '' : 's'} in ${buckets.length} bucket${buckets.length === 1 ? '' : 's'}; ${s.peersStored} peers stored for ${s.infoHashes} torrents; ${s.queriesAnswered} queries answered`];
  for (const b of buckets) {
    if (b.nodes.length === 0 && !b.holdsOurId) continue;
    const good = b.nodes.filter((n) => n.status === 'good').length;
    lines.push(`  bucket ${String(b.prefixBits).padStart(3)} (${b.holdsOurId ? `≥${b.prefixBits}` : `${b.prefixBits}`} bits shared with us): ${b.nodes.length} node${b.nodes.length === 1 ? '' : 's'}, ${good} good${b.replacements > 0 ? `, ${b.replacements} waiting` : ''}`);
    for (const n of b.nodes) lines.push(`    ${idKey(n.id).slice(0, 16)}…  ${`${n.ip}:${n.port}`.padEnd(21)}  ${n.status}`);
  }
  return `${lines.join('\n')}\n`;
}
