/**
 * Our DHT node (BEP 5), the composition root of the DHT: it owns the UDP socket, the cores
 * (routing table, peer store, tokens, rate limiter, transactions) and runs the machines
 * (dhtNode for the lifecycle, one dhtLookup per lookup), providing their IO. One per session,
 * shared by every torrent.
 *
 * For torrents: {@link DhtNode.getPeers} (a get_peers lookup as an Observable of peers that
 * completes), {@link DhtNode.announce} (the same, then announce_peer to the nearest nodes,
 * repeated every 15 min until {@link DhtNode.stopAnnouncing}), {@link DhtNode.addNode} (for the
 * BEP 5 `port` message).
 */
import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { BehaviorSubject, defer, distinctUntilChanged, filter, from, mergeMap, Observable, switchMap, type Subscription } from 'rxjs';
import { createActor, fromPromise, type InspectionEvent } from 'xstate';
import { dhtLookupMachine, type DhtLookupEmitted, type DhtLookupOutput, type LookupMethod } from '../../machines/dhtLookup.machine.js';
import { dhtNodeMachine } from '../../machines/dhtNode.machine.js';
import { bindDhtSocket, type Datagram, type DhtSocket } from '../../streams/dhtSocket.js';
import type { Contact, Endpoint } from '../dht/compactInfo.js';
import { decodeKrpc, encodeError, encodeQuery, encodeResponse, type KrpcQuery, type KrpcQueryBody, type KrpcResponse } from '../dht/krpc.js';
import { idKey, idWithPrefix, type NodeId } from '../dht/nodeId.js';
import { PeerStore, type PeerStoreOptions } from '../dht/peerStore.js';
import { RateLimiter, type RateLimiterOptions } from '../dht/rateLimiter.js';
import { K, RoutingTable, sameId, type BucketView } from '../dht/routingTable.js';
import { TokenSecrets } from '../dht/tokens.js';
import { TRANSACTION_BYTES, Transactions } from '../dht/transactions.js';
import { defaultDhtStateDir, loadDhtState, saveDhtState } from './dhtStateFile.js';

/** How a DHT node starts. */
export interface DhtNodeOptions {
  /** UDP address to bind (default `0.0.0.0`). */
  readonly host?: string;
  /** UDP port; 0 picks a free one (default 6881). */
  readonly port?: number;
  /** Folder of the state file (default {@link defaultDhtStateDir}); `null`: never read or write one. */
  readonly stateDir?: string | null;
  /** Where to join when the saved table is empty or silent (resolved addresses; the CLI resolves names). */
  readonly bootstrap?: readonly Endpoint[] | (() => Promise<readonly Endpoint[]>);
  /** How long one query may go unanswered (default 2 s). */
  readonly queryTimeoutMs?: number;
  /** Most queries in flight at once (default 512). */
  readonly maxOutstanding?: number;
  readonly rateLimit?: Partial<RateLimiterOptions>;
  readonly peerStore?: Partial<PeerStoreOptions>;
  /** Lines about what the node does (joined, state file problems). */
  readonly log?: (line: string) => void;
}

/** Per-lookup options. */
export interface LookupOptions {
  /** Sees the lookup machine's actor events (a torrent's trace records its lookups this way). */
  readonly inspect?: (event: InspectionEvent) => void;
}

/** One step of a lookup as the CLI and traces show it, or its end. */
export type LookupProgress = DhtLookupEmitted | { readonly type: 'done'; readonly output: DhtLookupOutput };

/** Counters for `dht node`, tests and benchmarks. */
export interface DhtNodeStats {
  readonly nodes: number;
  readonly peersStored: number;
  readonly infoHashes: number;
  readonly outstanding: number;
  readonly queriesAnswered: number;
  readonly malformedDropped: number;
  readonly rateLimitedDropped: number;
  readonly unsolicitedDropped: number;
}

type QueryResult = { readonly ok: true; readonly response: KrpcResponse } | { readonly ok: false; readonly reason: 'timeout' | 'error' | 'wrongId' | 'busy' };
interface Pending {
  readonly expect: NodeId | undefined;
  readonly resolve: (r: QueryResult) => void;
  readonly timer: NodeJS.Timeout;
}

/** A reply may be at most this many times the query that caused it (no amplification)… */
export const REPLY_FACTOR = 4;
/** …or this many bytes, whichever is more (a find_node reply with 8 nodes is ~290 bytes). */
export const REPLY_FLOOR_BYTES = 400;

/** Pings of nodes named by peers (BEP 5 `port`) in flight at once; more are dropped (peers are many, hostile ones too). */
export const MAX_PORT_PINGS = 16;

/** A running DHT node. */
export class DhtNode {
  private readonly table: RoutingTable;
  private readonly peers: PeerStore;
  private readonly limiter: RateLimiter;
  private readonly tokens = new TokenSecrets(randomBytes(16));
  private readonly tx: Transactions<Pending>;
  private readonly announced = new Map<string, { infoHash: NodeId; port: number }>();
  /** Running lookups: how to end each (stops the actor and completes its subscriber). */
  private readonly lookups = new Set<() => void>();
  private readonly machine;
  private readonly queryTimeoutMs: number;
  private readonly inbound: Subscription;
  private joined: Promise<void>;
  private counters = { queriesAnswered: 0, malformedDropped: 0, rateLimitedDropped: 0, unsolicitedDropped: 0 };
  private stopped = false;
  private readonly size = new BehaviorSubject(0);
  /** Endpoints named by peers being pinged now (bounded by {@link MAX_PORT_PINGS}). */
  private readonly portPings = new Set<string>();

  private constructor(
    private readonly socket: DhtSocket,
    readonly id: NodeId,
    saved: readonly Contact[],
    private readonly options: DhtNodeOptions,
  ) {
    const now = Date.now();
    this.table = new RoutingTable(id, now);
    // Saved nodes come back questionable: only an answer this run makes them good.
    for (const c of saved) this.table.observe(c, 'query', now);
    this.size.next(this.table.size);
    this.peers = new PeerStore(options.peerStore);
    this.limiter = new RateLimiter(options.rateLimit);
    this.tx = new Transactions(options.maxOutstanding ?? 512);
    this.queryTimeoutMs = options.queryTimeoutMs ?? 2000;
    this.inbound = socket.datagrams$.subscribe((d) => this.onDatagram(d));
    let joinedOnce!: () => void;
    this.joined = new Promise((r) => (joinedOnce = r));
    this.machine = createActor(
      dhtNodeMachine.provide({
        actors: {
          joinNetwork: fromPromise(async () => {
            try { return await this.join(); } finally { joinedOnce(); }
          }),
          refreshBuckets: fromPromise(() => this.refreshBuckets()),
          reannounce: fromPromise(() => this.reannounce()),
        },
      }),
    );
    this.machine.on('rotateTokenSecret', () => {
      this.tokens.rotate(randomBytes(16));
      this.peers.expire(Date.now());
      this.limiter.sweep(Date.now());
    });
    this.machine.on('saveState', () => void this.save());
    this.machine.on('joined', (e) => options.log?.(`dht: joined with ${e.nodes} good node${e.nodes === 1 ? '' : 's'}`));
    this.machine.start();
  }

  /** Binds the socket, loads (or creates) the node id and saved nodes, and starts joining. */
  static async start(options: DhtNodeOptions = {}): Promise<E.Either<string, DhtNode>> {
    const dir = options.stateDir === undefined ? defaultDhtStateDir() : options.stateDir;
    const state = dir === null ? undefined : await loadDhtState(dir);
    if (state !== undefined && E.isLeft(state)) options.log?.(`dht: ${state.left}; starting with a new node id`);
    const saved = state !== undefined && E.isRight(state) ? state.right : undefined;
    const socket = await bindDhtSocket(options.host ?? '0.0.0.0', options.port ?? 6881);
    if (E.isLeft(socket)) return socket;
    return E.right(new DhtNode(socket.right, saved?.id ?? randomBytes(20), saved?.nodes ?? [], options));
  }

  /** The UDP address we listen on. */
  get address(): Endpoint {
    return this.socket.address;
  }

  /** Resolves once the first attempt to join the DHT has finished (joined or not). */
  whenJoined(): Promise<void> {
    return this.joined;
  }

  /** Peers for `infoHash` from a get_peers lookup; completes when the lookup ends. */
  getPeers(infoHash: NodeId, options: LookupOptions = {}): Observable<Endpoint> {
    return this.peersOf(this.lookup(infoHash, 'get_peers', undefined, options));
  }

  /**
   * Announces that we serve `infoHash` on TCP `port` (BEP 5 announce_peer, to the 8 nodes nearest
   * the hash), and again every 15 minutes until {@link stopAnnouncing}. `impliedPort` asks the
   * nodes to use our UDP source port instead (BEP 5; for uTP behind NAT). Emits the peers the
   * get_peers part finds; completes when the announces are settled.
   */
  announce(infoHash: NodeId, port: number, options: LookupOptions = {}): Observable<Endpoint> {
    return this.peersOf(this.announceSteps(infoHash, port, options));
  }

  /** {@link announce} as the steps of its lookup (peers arrive in batches, one per answer). */
  announceSteps(infoHash: NodeId, port: number, options: LookupOptions = {}): Observable<LookupProgress> {
    this.announced.set(idKey(infoHash), { infoHash, port });
    return this.lookup(infoHash, 'get_peers', port, options);
  }

  /** Stops re-announcing `infoHash` (nodes forget us within 30 min). */
  stopAnnouncing(infoHash: NodeId): void {
    this.announced.delete(idKey(infoHash));
  }

  /**
   * One lookup as a stream of its steps (queries, answers, failures, peers, announces) and its
   * end: what `statorrent dht lookup` prints and traces record. Unsubscribing cancels it.
   */
  lookup(target: NodeId, method: LookupMethod, announcePort?: number, options: LookupOptions = {}): Observable<LookupProgress> {
    return defer(() => from(this.joined)).pipe(switchMap(() => this.runLookup(target, method, announcePort, this.table.closest(target, 2 * K, Date.now()), options)));
  }

  /**
   * Pings `endpoint` (e.g. from a peer's BEP 5 `port` message) and adds it if it answers. At
   * most {@link MAX_PORT_PINGS} at once, one per endpoint; beyond that it resolves false unasked.
   */
  async addNode(endpoint: Endpoint): Promise<boolean> {
    const key = `${endpoint.ip}|${endpoint.port}`;
    if (this.portPings.has(key) || this.portPings.size >= MAX_PORT_PINGS) return false;
    this.portPings.add(key);
    try {
      return (await this.query(endpoint, { method: 'ping' }, undefined)).ok;
    } finally {
      this.portPings.delete(key);
    }
  }

  /** Nodes in the routing table, now and whenever it changes. */
  tableSize$(): Observable<number> {
    return this.size.pipe(distinctUntilChanged());
  }

  /** The routing table, bucket by bucket. */
  buckets(): BucketView[] {
    return this.table.view(Date.now());
  }

  /** Counters. */
  stats(): DhtNodeStats {
    return { nodes: this.table.size, peersStored: this.peers.size, infoHashes: this.peers.hashes, outstanding: this.tx.size, ...this.counters };
  }

  /** Stops lookups and timers, saves the state file, closes the socket. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.machine.send({ type: 'STOP' });
    this.machine.stop();
    for (const end of [...this.lookups]) end();
    for (const p of this.tx.drain()) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, reason: 'timeout' });
    }
    await this.save();
    this.size.complete();
    this.inbound.unsubscribe();
    await this.socket.close();
  }

  /** Writes the node id and good nodes (no-op without a state folder). */
  async save(): Promise<void> {
    const dir = this.options.stateDir === undefined ? defaultDhtStateDir() : this.options.stateDir;
    if (dir === null) return;
    const nodes = this.table.nodes(Date.now()).filter((n) => n.status === 'good');
    const r = await saveDhtState(dir, { id: this.id, nodes });
    if (E.isLeft(r)) this.options.log?.(`dht: ${r.left}`);
  }

  // ---- IO the machines ask for ---------------------------------------------------------------

  private runLookup(target: NodeId, method: LookupMethod, announcePort: number | undefined, seeds: readonly Contact[], options: LookupOptions = {}): Observable<LookupProgress> {
    return new Observable<LookupProgress>((sub) => {
      const actor = createActor(dhtLookupMachine.provide({ delays: { queryTimeout: this.queryTimeoutMs } }), {
        input: { target, method, seeds, ourId: this.id, ...(announcePort === undefined ? {} : { announcePort }) },
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      });
      const send = (e: Parameters<typeof actor.send>[0]): void => {
        if (actor.getSnapshot().status === 'active') actor.send(e);
      };
      actor.on('*', (e) => {
        sub.next(e);
        if (e.type === 'query') {
          const body: KrpcQueryBody = e.method === 'find_node' ? { method: 'find_node', target } : { method: 'get_peers', infoHash: target };
          void this.query(e.node, body, e.node.id).then((r) =>
            send(r.ok ? { type: 'RESPONSE', key: e.node.key, nodes: r.response.nodes ?? [], peers: r.response.values ?? [], ...(r.response.token === undefined ? {} : { token: r.response.token }) } : { type: 'QUERY_FAILED', key: e.node.key }),
          );
        } else if (e.type === 'announce' && announcePort !== undefined) {
          void this.query(e.node, { method: 'announce_peer', infoHash: target, port: announcePort, token: e.token, impliedPort: false }, e.node.id).then((r) =>
            send({ type: r.ok ? 'ANNOUNCE_ACKED' : 'ANNOUNCE_FAILED', key: e.node.key }),
          );
        }
      });
      const end = (): void => {
        this.lookups.delete(end);
        actor.stop();
        sub.complete();
      };
      actor.subscribe({
        complete: () => {
          this.lookups.delete(end);
          const output = actor.getSnapshot().output;
          if (output !== undefined) sub.next({ type: 'done', output });
          sub.complete();
        },
      });
      this.lookups.add(end);
      actor.start();
      return () => {
        this.lookups.delete(end);
        actor.stop();
      };
    });
  }

  private peersOf(progress: Observable<LookupProgress>): Observable<Endpoint> {
    return progress.pipe(
      filter((e): e is Extract<LookupProgress, { type: 'peers' }> => e.type === 'peers'),
      mergeMap((e) => e.peers),
    );
  }

  /** Joins: a lookup of our own id from the table; from the bootstrap nodes when that finds nobody. */
  private async join(): Promise<number> {
    const good = (): number => this.table.nodes(Date.now()).filter((n) => n.status === 'good').length;
    if (this.table.size > 0) {
      await this.settle(this.runLookup(this.id, 'find_node', undefined, this.table.closest(this.id, 2 * K, Date.now())));
      if (good() > 0) return good();
    }
    const b = this.options.bootstrap ?? [];
    const routers = typeof b === 'function' ? await b() : b;
    const answers = await Promise.all(routers.map((r) => this.query(r, { method: 'find_node', target: this.id }, undefined)));
    const seeds = answers.flatMap((a) => (a.ok ? [...(a.response.nodes ?? [])] : []));
    await this.settle(this.runLookup(this.id, 'find_node', undefined, [...this.table.closest(this.id, 2 * K, Date.now()), ...seeds]));
    return good();
  }

  private async refreshBuckets(): Promise<void> {
    const now = Date.now();
    for (const prefix of this.table.staleBuckets(now)) {
      this.table.refreshed(prefix, now);
      const view = this.table.view(now);
      const target = view[prefix]?.holdsOurId === true ? this.id : idWithPrefix(this.id, prefix, randomBytes(20));
      await this.settle(this.runLookup(target, 'find_node', undefined, this.table.closest(target, 2 * K, now)));
    }
    // every node gone bad (or none left): join again from the bootstrap nodes
    if (this.table.closest(this.id, 1, Date.now()).length === 0) this.machine.send({ type: 'TABLE_EMPTY' });
  }

  private async reannounce(): Promise<void> {
    for (const { infoHash, port } of [...this.announced.values()]) {
      await this.settle(this.runLookup(infoHash, 'get_peers', port, this.table.closest(infoHash, 2 * K, Date.now())));
    }
  }

  private settle(o: Observable<unknown>): Promise<void> {
    return new Promise((resolve) => o.subscribe({ complete: resolve, error: () => resolve() }));
  }

  /**
   * Sends one query and waits for its answer. `expect`: the id we believe the node has; an
   * answer with another id counts as a failure and drops the node (BEP 5: ids are stable).
   */
  private query(to: Endpoint, body: KrpcQueryBody, expect: NodeId | undefined): Promise<QueryResult> {
    if (this.stopped) return Promise.resolve({ ok: false, reason: 'busy' });
    return new Promise((resolve) => {
      const settle = (r: QueryResult): void => {
        const now = Date.now();
        if (r.ok) this.table.observe({ id: r.response.id, ip: to.ip, port: to.port }, 'response', now);
        else if (expect !== undefined && r.reason !== 'busy') {
          if (r.reason === 'wrongId') this.table.remove(expect);
          else this.table.failed(expect, now);
        }
        this.size.next(this.table.size);
        resolve(r);
      };
      let t: Uint8Array | undefined;
      const timer = setTimeout(() => {
        if (t !== undefined) this.tx.abandon(t);
        settle({ ok: false, reason: 'timeout' });
      }, this.queryTimeoutMs + 500);
      t = this.tx.start(to, { expect, resolve: settle, timer }, () => randomBytes(TRANSACTION_BYTES));
      if (t === undefined) {
        clearTimeout(timer);
        return settle({ ok: false, reason: 'busy' });
      }
      this.socket.send(encodeQuery({ kind: 'query', t, id: this.id, readOnly: false, ...body } as KrpcQuery), to);
    });
  }

  // ---- the server side ---------------------------------------------------------------------

  private onDatagram(d: Datagram): void {
    const msg = decodeKrpc(d.bytes);
    // Malformed input gets no reply at all: a reply would make us a reflector.
    if (E.isLeft(msg)) return void this.counters.malformedDropped++;
    const m = msg.right;
    if (m.kind !== 'query') {
      const pending = this.tx.settle(m.t, d.from);
      if (pending === undefined) return void this.counters.unsolicitedDropped++;
      clearTimeout(pending.timer);
      if (m.kind === 'error') return pending.resolve({ ok: false, reason: 'error' });
      if (pending.expect !== undefined && !sameId(pending.expect, m.id)) return pending.resolve({ ok: false, reason: 'wrongId' });
      return pending.resolve({ ok: true, response: m });
    }
    const now = Date.now();
    if (!this.limiter.allow(d.from.ip, now)) return void this.counters.rateLimitedDropped++;
    this.answer(m, d.from, d.bytes.length, now);
  }

  private answer(q: KrpcQuery, from: Endpoint, queryBytes: number, now: number): void {
    if (!q.readOnly && !sameId(q.id, this.id)) {
      const r = this.table.observe({ id: q.id, ip: from.ip, port: from.port }, 'query', now);
      // BEP 5: a full bucket with questionable nodes pings them; bounded by the transaction table.
      if (r.kind === 'ping' && this.tx.size < this.tx.max / 2) void this.query(r.questionable[0]!, { method: 'ping' }, r.questionable[0]!.id);
      this.size.next(this.table.size);
    }
    const budget = Math.max(REPLY_FLOOR_BYTES, REPLY_FACTOR * queryBytes);
    const base = { t: q.t, id: this.id, ip: from };
    let reply: Uint8Array;
    switch (q.method) {
      case 'ping':
        reply = encodeResponse(base);
        break;
      case 'find_node':
        reply = encodeResponse({ ...base, nodes: this.table.closest(q.target, K, now) });
        break;
      case 'get_peers': {
        const token = this.tokens.issue(from.ip);
        const nodes = this.table.closest(q.infoHash, K, now);
        // each value costs 8 bytes ("6:" + 6): fill what the budget leaves after the envelope
        const values = this.peers.peers(idKey(q.infoHash), now, Math.max(0, Math.floor((budget - 120) / 8)));
        reply = encodeResponse(values.length > 0 ? { ...base, token, values } : { ...base, token, nodes });
        if (values.length > 0) {
          const both = encodeResponse({ ...base, token, values, nodes });
          if (both.length <= budget) reply = both;
        }
        break;
      }
      case 'announce_peer':
        if (!this.tokens.check(from.ip, q.token)) {
          reply = encodeError({ t: q.t, code: 203, message: 'bad token' });
          break;
        }
        this.peers.add(idKey(q.infoHash), { ip: from.ip, port: q.impliedPort ? from.port : q.port }, now);
        reply = encodeResponse(base);
        break;
      case 'unknown':
        reply = encodeError({ t: q.t, code: 204, message: 'Method Unknown' });
        break;
    }
    if (reply.length > budget) return; // never amplify
    this.counters.queriesAnswered++;
    this.socket.send(reply, from);
  }
}

