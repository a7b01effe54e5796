import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Subscription } from 'rxjs';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { isMagnet, parseMagnet } from '../magnet/parseMagnet.js';
import { loadMetainfo } from '../metainfo/loadMetainfo.js';
import { findSavedTorrent } from '../session/savedTorrent.js';
import type { Metainfo } from '../metainfo/types.js';
import type { PeerEndpoint } from '../peers/peerPool.js';
import { resolveBootstrap, DEFAULT_BOOTSTRAP } from '../session/dhtBootstrap.js';
import { Session, type SessionOptions } from '../session/session.js';
import { idKey } from '../dht/nodeId.js';
import type { DhtPlan } from './dhtArgs.js';
import type { TorrentHandle } from '../session/torrentRuntime.js';
import type { TorrentProgress } from '../session/types.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './cliIo.js';
import { formatBytes } from '../text/formatBytes.js';
import { formatDuration } from './formatDuration.js';
import { watchInterrupts, type Interruption } from './interruption.js';
import { terminalText } from '../text/terminalText.js';
import type { TraceRecorder } from '../trace/traceRecorder.js';
import { openTrace } from './traceOption.js';
import { TransferView, type OutputMode } from './transferView.js';
import type { EncryptionPolicy } from '../mse/mseTypes.js';

/** Everything `download` and `seed` need to run one torrent, already validated. */
export interface TransferPlan {
  readonly command: 'download' | 'seed';
  /** .torrent path or http(s) URL. */
  readonly source: string;
  /** The folder holding (or receiving) `<name>` or `<name>/...`. */
  readonly dir: string;
  readonly port: number;
  readonly host?: string;
  readonly peers: readonly PeerEndpoint[];
  readonly useTrackers: boolean;
  /** The DHT (BEP 5): off, or how to run the session's node. */
  readonly dht: DhtPlan;
  readonly maxPeers?: number;
  /** seed: trust the data without hashing it. */
  readonly skipCheck: boolean;
  /** Keep serving after completion until interrupted (download --seed, and seed). */
  readonly keepSeeding: boolean;
  readonly mode: OutputMode;
  readonly verbose: boolean;
  readonly tracePath?: string;
  /** Serve the live inspector on 127.0.0.1 at this port (0: any free one). */
  readonly inspectPort?: number;
  /** MSE/PE policy (`--encryption`; default accept). */
  readonly encryption?: EncryptionPolicy;
}

const encryptionOf = (plan: TransferPlan): { encryption?: EncryptionPolicy } => (plan.encryption === undefined ? {} : { encryption: plan.encryption });

type Outcome =
  | { readonly kind: 'complete' }
  | { readonly kind: 'incomplete'; readonly progress: TorrentProgress }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'interrupted'; readonly interruption: Interruption };

/**
 * Runs a torrent in its own session until it completes (download), or until interrupted
 * (seeding). Exit statuses: 0 complete / seeding stopped by the user, 1 any failure (one line on
 * stderr), 130 / 143 when a download is interrupted by SIGINT / SIGTERM (after a clean stop).
 */
export async function runTransfer(plan: TransferPlan, io: CliIo): Promise<number> {
  const fail = (msg: string): number => {
    io.err.write(`statorrent ${plan.command}: ${msg}\n`);
    return EXIT_FAILURE;
  };
  const interrupts = watchInterrupts();
  let trace: TraceRecorder | undefined;
  let session: Session | undefined;
  try {
    const dir = resolve(plan.dir);
    // a magnet link: its metadata saved by an earlier run makes it an ordinary .torrent
    const magnet = isMagnet(plan.source) ? parseMagnet(plan.source) : undefined;
    if (magnet !== undefined && E.isLeft(magnet)) return fail(magnet.left.message);
    const saved = magnet === undefined ? undefined : await findSavedTorrent(dir, magnet.right);
    if (magnet !== undefined && saved === undefined) {
      if (plan.command === 'seed') return fail('seed needs the torrent itself: no saved .torrent for this magnet link in that folder');
      return await runMagnet(plan, io, magnet.right, dir, interrupts.interrupted, fail, (s, t) => ((session = s), (trace = t)));
    }
    const loaded = saved !== undefined ? E.right(saved) : await loadMetainfo(plan.source)();
    if (E.isLeft(loaded)) return fail(loaded.left.message);
    const metainfo = loaded.right;
    if (plan.tracePath !== undefined) {
      const t = await openTrace(plan.tracePath, { infoHash: metainfo.infoHashHex, name: metainfo.name });
      if (E.isLeft(t)) return fail(t.left);
      trace = t.right;
    }
    // --host: listen there, and announce and dial from there too, so trackers list an address
    // that answers (issue 10); "any" addresses are left to the OS.
    const bindFrom = plan.host !== undefined && plan.host !== '0.0.0.0' && plan.host !== '::' ? { localAddress: plan.host } : {};
    const started = await Session.start({ port: plan.port, ...(plan.host === undefined ? {} : { host: plan.host }), ...bindFrom, ...encryptionOf(plan), dht: metainfo.private ? false : sessionDht(plan, io) });
    if (E.isLeft(started)) return fail(started.left);
    session = started.right;
    let inspectorUrl: string | undefined;
    if (plan.inspectPort !== undefined) {
      const inspector = await session.inspect({ port: plan.inspectPort, torrent: metainfo.infoHashHex });
      if (E.isLeft(inspector)) return fail(inspector.left);
      inspectorUrl = inspector.right.url;
    }
    const added = await session.add({
      metainfo,
      downloadDir: dir,
      peers: plan.peers,
      useTrackers: plan.useTrackers,
      skipCheck: plan.skipCheck,
      ...(plan.maxPeers === undefined ? {} : { maxPeers: plan.maxPeers }),
      ...(trace === undefined ? {} : { inspect: trace.inspect, onWire: trace.onWire }),
    });
    if (E.isLeft(added)) return fail(added.left);
    return await follow(plan, io, session, added.right, metainfo, dir, interrupts.interrupted, fail, inspectorUrl);
  } finally {
    interrupts.dispose();
    await session?.close();
    if (trace !== undefined) {
      await trace.close();
      if (trace.failure !== undefined) io.err.write(`statorrent ${plan.command}: the trace is incomplete: ${trace.failure}\n`);
    }
  }
}

/**
 * `download 'magnet:?…'` without a saved .torrent: the session fetches the metadata (state
 * `fetchingMetadata`), saves `<name>.torrent` in the folder, then the download goes on as from
 * that file. `own` hands the session and trace to the caller, which closes them.
 */
async function runMagnet(
  plan: TransferPlan,
  io: CliIo,
  magnet: MagnetLink,
  dir: string,
  interrupted: Promise<Interruption>,
  fail: (msg: string) => number,
  own: (session: Session | undefined, trace: TraceRecorder | undefined) => void,
): Promise<number> {
  let trace: TraceRecorder | undefined;
  if (plan.tracePath !== undefined) {
    const t = await openTrace(plan.tracePath, { infoHash: magnet.infoHashHex, name: magnet.name ?? magnet.infoHashHex });
    if (E.isLeft(t)) return fail(t.left);
    trace = t.right;
  }
  const bindFrom = plan.host !== undefined && plan.host !== '0.0.0.0' && plan.host !== '::' ? { localAddress: plan.host } : {};
  // a magnet cannot say whether its torrent is private (BEP 27: that is in the info dictionary), so
  // the DHT runs while the metadata is fetched; the torrent then follows its private flag
  const started = await Session.start({ port: plan.port, ...(plan.host === undefined ? {} : { host: plan.host }), ...bindFrom, ...encryptionOf(plan), dht: sessionDht(plan, io) });
  if (E.isLeft(started)) {
    own(undefined, trace);
    return fail(started.left);
  }
  const session = started.right;
  own(session, trace);
  const added = await session.add({
    magnet,
    downloadDir: dir,
    peers: plan.peers,
    useTrackers: plan.useTrackers,
    ...(plan.maxPeers === undefined ? {} : { maxPeers: plan.maxPeers }),
    ...(trace === undefined ? {} : { inspect: trace.inspect, onWire: trace.onWire }),
  });
  if (E.isLeft(added)) return fail(added.left);
  const handle = added.right;
  const view = new TransferView(io, { mode: plan.mode, verbose: plan.verbose });
  view.json({ type: 'magnet', infoHash: magnet.infoHashHex, name: magnet.name ?? null, trackers: magnet.trackers, dir, port: session.port });
  view.line(`fetching the metadata of ${terminalText(magnet.name ?? magnet.infoHashHex)} from peers (magnet link, BEP 9)`);
  const fetching: Subscription[] = [
    handle.events$.subscribe((e) => view.event(e)),
    handle.progress$.subscribe((p) => {
      if (p.state === 'fetchingMetadata') view.progress(p);
    }),
  ];
  const fetched = new Promise<string>((res) => handle.events$.subscribe((e) => e.type === 'metadataFetched' && res(e.torrentPath)));
  const first = await Promise.race([
    fetched.then((path) => ({ kind: 'fetched' as const, path })),
    handle.completed.then(
      () => ({ kind: 'error' as const, message: 'completed without metadata' }),
      (e: unknown) => ({ kind: 'error' as const, message: e instanceof Error ? e.message : String(e) }),
    ),
    interrupted.then((interruption) => ({ kind: 'interrupted' as const, interruption })),
  ]);
  for (const s of fetching) s.unsubscribe();
  view.close();
  if (first.kind === 'error') return fail(first.message);
  if (first.kind === 'interrupted') {
    view.finalLine(`interrupted (${first.interruption.signal}) while fetching the metadata`);
    return first.interruption.exitCode;
  }
  const loaded = await loadMetainfo(first.path)();
  if (E.isLeft(loaded)) return fail(loaded.left.message);
  return follow(plan, io, session, handle, loaded.right, dir, interrupted, fail, undefined);
}

/** The session's DHT settings from the plan; node messages are shown with --verbose. */
function sessionDht(plan: TransferPlan, io: CliIo): NonNullable<SessionOptions['dht']> {
  const d = plan.dht;
  if (d === false) return false;
  const say = (line: string): void => {
    if (plan.verbose && plan.mode !== 'json') io.err.write(`${line}\n`);
  };
  const list = d.bootstrap.length > 0 ? d.bootstrap : DEFAULT_BOOTSTRAP;
  return {
    ...(d.port === undefined ? {} : { port: d.port }),
    stateDir: d.stateDir,
    // resolved only if the saved table is empty or silent
    bootstrap: () => resolveBootstrap(list, (m) => say(`dht: ${m}`)),
    log: say,
  };
}

async function follow(
  plan: TransferPlan,
  io: CliIo,
  session: Session,
  handle: TorrentHandle,
  m: Metainfo,
  dir: string,
  interrupted: Promise<Interruption>,
  fail: (msg: string) => number,
  inspectorUrl: string | undefined,
): Promise<number> {
  const view = new TransferView(io, { mode: plan.mode, verbose: plan.verbose });
  const where = join(dir, m.name);
  const dht = session.dht === undefined ? null : { port: session.dht.address.port, nodeId: idKey(session.dht.id) };
  view.json({ type: 'torrent', name: m.name, infoHash: m.infoHashHex, pieceCount: m.pieceCount, pieceLength: m.pieceLength, totalBytes: m.totalLength, files: m.files.filter((f) => !f.padding).length, dir: where, port: session.port, dht });
  if (inspectorUrl !== undefined) {
    // the URL carries the token: it goes to the user's terminal only (stderr even with --quiet, or the JSON stream)
    if (plan.mode === 'json') view.json({ type: 'inspector', url: inspectorUrl });
    else io.err.write(`inspector: open ${inspectorUrl} in a browser on this machine\n`);
  }
  view.line(`${plan.command === 'seed' ? 'seeding' : 'downloading'} ${terminalText(m.name)} (${formatBytes(m.totalLength)}, ${m.files.length} file${m.files.length === 1 ? '' : 's'}, ${m.pieceCount} pieces) ${plan.command === 'seed' ? 'from' : 'to'} ${terminalText(where)}`);
  view.line(`listening on port ${session.port}${plan.host === undefined ? '' : ` (${plan.host})`}`);
  if (plan.verbose) {
    if (plan.useTrackers && m.announceList.length > 0) m.announceList.forEach((tier, i) => view.line(`announcing to tracker tier ${i + 1}: ${tier.map(terminalText).join(', ')}`));
    else view.line(plan.useTrackers ? 'the torrent names no trackers' : 'trackers off (--no-trackers)');
    for (const p of plan.peers) view.line(`dialing ${p.ip}:${p.port} (--peer)`);
    if (m.private) view.line('private torrent: no DHT (BEP 27)');
    else if (session.dht === undefined) view.line('DHT off (--no-dht)');
    else view.line(`DHT node on UDP ${session.dht.address.ip}:${session.dht.address.port} (node id ${idKey(session.dht.id).slice(0, 16)}…)`);
  }

  let latest: TorrentProgress | undefined;
  let checkedIncomplete: (p: TorrentProgress) => void = () => undefined;
  const incomplete = new Promise<Outcome>((res) => (checkedIncomplete = (progress) => res({ kind: 'incomplete', progress })));
  const subs: Subscription[] = [
    handle.progress$.subscribe((p) => {
      latest = p;
      view.progress(p);
      // seed refuses to leech: once the check is over, missing pieces are an error
      if (plan.command === 'seed' && p.state === 'downloading') checkedIncomplete(p);
    }),
    handle.events$.subscribe((e) => {
      view.event(e);
      if (plan.command === 'seed' && e.type === 'checked' && e.verifiedPieces < m.pieceCount) {
        checkedIncomplete({ ...(latest ?? handle0(m)), verifiedPieces: e.verifiedPieces });
      }
    }),
  ];
  const startedAt = performance.now();
  // settles when every piece is verified, also when the check (or --skip-check) finds them all
  const done = handle.completed.then(
    (): Outcome => ({ kind: 'complete' }),
    (e: unknown): Outcome => ({ kind: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
  const stopped = interrupted.then((interruption): Outcome => ({ kind: 'interrupted', interruption }));
  const exit = (code: number, reason: string): number => {
    view.json({ type: 'exit', code, reason });
    return code;
  };
  const shutdown = async (): Promise<void> => {
    // text modes stop drawing before the session's last snapshots; json keeps every event
    if (plan.mode !== 'json') for (const s of subs) s.unsubscribe();
    view.close();
    await session.close();
  };
  try {
    const first = await Promise.race([done, stopped, incomplete]);
    if (first.kind === 'error') {
      await shutdown();
      view.json({ type: 'exit', code: EXIT_FAILURE, reason: 'error', message: first.message });
      return fail(first.message);
    }
    if (first.kind === 'incomplete') {
      await shutdown();
      const p = first.progress;
      const pct = ((p.verifiedPieces / Math.max(1, m.pieceCount)) * 100).toFixed(1);
      view.json({ type: 'exit', code: EXIT_FAILURE, reason: 'incomplete', verifiedPieces: p.verifiedPieces });
      return fail(`only ${p.verifiedPieces} of ${m.pieceCount} pieces (${pct}%) of ${terminalText(m.name)} are in ${terminalText(dir)}; not seeding incomplete data (statorrent download fetches the rest)`);
    }
    if (first.kind === 'interrupted') {
      await shutdown();
      const p = latest;
      if (plan.command === 'seed' || (p !== undefined && p.verifiedPieces === p.pieceCount)) {
        view.finalLine(`stopped${p === undefined ? '' : `: uploaded ${formatBytes(p.uploaded)}`}`);
        return exit(EXIT_OK, 'interrupted');
      }
      const pct = p === undefined ? 0 : (p.verifiedBytes / Math.max(1, p.totalBytes)) * 100;
      view.finalLine(`interrupted (${first.interruption.signal}) at ${pct.toFixed(1)}%: stopped cleanly, partial data kept in ${terminalText(where)}`);
      return exit(first.interruption.exitCode, 'interrupted');
    }
    // complete
    const seconds = (performance.now() - startedAt) / 1000;
    const got = latest?.downloaded ?? 0;
    if (plan.command === 'download') {
      const rate = seconds > 0 ? ` (${formatBytes(Math.round(got / seconds))}/s)` : '';
      view.close();
      if (!plan.keepSeeding) {
        await shutdown();
        view.finalLine(`done: ${terminalText(m.name)}, ${formatBytes(m.totalLength)} verified in ${formatDuration(seconds)}${rate}, saved in ${terminalText(where)}`);
        return exit(EXIT_OK, 'complete');
      }
      view.finalLine(`complete: ${terminalText(m.name)} in ${formatDuration(seconds)}${rate}; seeding until Ctrl-C`);
    } else {
      view.line(`all ${m.pieceCount} pieces present; seeding until Ctrl-C`);
    }
    view.json({ type: 'seeding' });
    await interrupted;
    await shutdown();
    view.finalLine(`stopped seeding: uploaded ${formatBytes(latest?.uploaded ?? 0)}`);
    return exit(EXIT_OK, 'complete');
  } finally {
    for (const s of subs) s.unsubscribe();
  }
}

/** A progress snapshot before the first real one arrives (only for messages). */
function handle0(m: Metainfo): TorrentProgress {
  return {
    infoHashHex: m.infoHashHex, name: m.name, state: 'checking', pieceCount: m.pieceCount, verifiedPieces: 0, checkedPieces: 0,
    totalBytes: m.totalLength, verifiedBytes: 0, downloadRate: 0, uploadRate: 0, downloaded: 0, uploaded: 0, peers: 0, etaSeconds: undefined,
  };
}
