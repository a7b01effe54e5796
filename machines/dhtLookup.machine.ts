import { assign, enqueueActions, setup } from 'xstate';
import type { Contact, Endpoint } from '../src/dht/compactInfo.js';
import {

  announceTargets,
  closestAnswered,
  closestLive,
  isAsked,
  markAnswered,
  markAsked,
  markFailed,
  newLookupTable,
  newPeers,
  nextToAsk,
  nothingLeftToAsk,
  type Candidate,
  type LookupTable,
} from '../src/dht/lookupTable.js';
import type { NodeId } from '../src/dht/nodeId.js';

/**
 * One iterative lookup (BEP 5 "find_node"/"get_peers", Kademlia's node lookup): ask the α
 * nearest nodes we know, learn nearer ones from their answers, ask those, and stop when the k
 * nearest nodes have all answered or no nearer node is left to ask. A get_peers lookup that
 * is told to announce then sends announce_peer, with their tokens, to the k nearest answerers.
 *
 * EVENT CONTRACT (the DhtNode does the IO; this machine only decides):
 * - emitted `query {node, method, target, round}`: send this KRPC query now. Answer with
 *   `RESPONSE {key, nodes, peers, token?}` (key: the asked node's id in hex; the node checks the
 *   responder's id first) or `QUERY_FAILED {key}` (error reply, wrong id, could not send).
 *   No answer within the named delay `queryTimeout` counts as failed (raised here).
 * - emitted `announce {node, token}`: send announce_peer; answer `ANNOUNCE_ACKED {key}` or
 *   `ANNOUNCE_FAILED {key}`; `queryTimeout` applies too.
 * - emitted `answered {node, round, learned}`, `failed {node, reason}`, `peers {peers}` (only new
 *   ones): what a CLI or trace shows of how the lookup closes in.
 * - `CANCEL`: stop now (a torrent went away).
 * Output: the k nearest live nodes, the peers found and why it stopped.
 */

/** What a lookup is for. */
export type LookupMethod = 'find_node' | 'get_peers';

/** Lookup input. */
export interface DhtLookupInput {
  readonly target: NodeId;
  readonly method: LookupMethod;
  /** Where to start: the routing table's nearest nodes. */
  readonly seeds: readonly Contact[];
  /** Our id, never queried or added. */
  readonly ourId?: NodeId;
  /** Announce ourselves on this TCP port once the lookup ends (get_peers only). */
  readonly announcePort?: number;
  /** Queries in flight (BEP 5 suggests 3). */
  readonly alpha?: number;
  /** Nodes that must answer to finish (BEP 5: K = 8). */
  readonly k?: number;
  /** Most queries one lookup may send. */
  readonly maxQueries?: number;
}

/** Why a lookup stopped. */
export type LookupStop = 'closestAnswered' | 'nothingLeft' | 'cancelled';

/** Lookup result. */
export interface DhtLookupOutput {
  readonly closest: readonly Candidate[];
  readonly peers: number;
  readonly queries: number;
  readonly stop: LookupStop;
}

interface LookupContext {
  readonly table: LookupTable;
  readonly method: LookupMethod;
  readonly announcePort: number | undefined;
  readonly alpha: number;
  readonly k: number;
  readonly maxQueries: number;
  /** `ip:port` of peers already reported (bounded). */
  readonly peersSeen: readonly string[];
  /** Keys of announce_peer queries in flight. */
  readonly announcing: readonly string[];
  readonly stop: LookupStop;
}

/** Events (see the contract above). */
export type DhtLookupEvent =
  | { type: 'RESPONSE'; key: string; nodes: readonly Contact[]; peers: readonly Endpoint[]; token?: Uint8Array }
  | { type: 'QUERY_FAILED'; key: string }
  | { type: 'QUERY_TIMEOUT'; key: string }
  | { type: 'ANNOUNCE_ACKED'; key: string }
  | { type: 'ANNOUNCE_FAILED'; key: string }
  | { type: 'CANCEL' };

/** Emitted (see the contract above). */
export type DhtLookupEmitted =
  | { type: 'query'; node: Candidate; method: LookupMethod; target: NodeId; round: number }
  | { type: 'answered'; node: Candidate; round: number; learned: number }
  | { type: 'failed'; node: Candidate; reason: 'timeout' | 'error' }
  | { type: 'peers'; peers: readonly Endpoint[] }
  | { type: 'announce'; node: Candidate; token: Uint8Array };

const MAX_PEERS_SEEN = 5000;
const timer = (key: string): string => `timeout:${key}`;
const keyOf = (e: DhtLookupEvent): string => (e as { key?: string }).key ?? '';
const candidate = (c: LookupContext, key: string): Candidate | undefined => c.table.candidates.find((x) => x.key === key);

export const dhtLookupMachine = setup({
  types: {
    input: {} as DhtLookupInput,
    context: {} as LookupContext,
    events: {} as DhtLookupEvent,
    emitted: {} as DhtLookupEmitted,
    output: {} as DhtLookupOutput,
  },
  delays: {
    queryTimeout: 2000,
  },
  guards: {
    awaited: ({ context, event }) => isAsked(context.table, keyOf(event)),
    closestAnswered: ({ context }) => closestAnswered(context.table, context.k),
    nothingLeft: ({ context }) => nothingLeftToAsk(context.table, context.alpha, context.k, context.maxQueries),
    wantsAnnounce: ({ context }) => context.announcePort !== undefined && announceTargets(context.table, context.k).length > 0,
    announceAwaited: ({ context, event }) => context.announcing.includes(keyOf(event)),
    lastAnnounce: ({ context, event }) => context.announcing.length === 1 && context.announcing[0] === keyOf(event),
  },
  actions: {
    askMore: enqueueActions(({ context, enqueue }) => {
      const next = nextToAsk(context.table, context.alpha, context.k, context.maxQueries);
      if (next.length === 0) return;
      enqueue.assign({ table: markAsked(context.table, next) });
      for (const node of next) {
        enqueue.emit({ type: 'query', node, method: context.method, target: context.table.target, round: node.round });
        enqueue.raise({ type: 'QUERY_TIMEOUT', key: node.key }, { id: timer(node.key), delay: 'queryTimeout' });
      }
    }),
    recordAnswer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'RESPONSE') return;
      enqueue.cancel(timer(event.key));
      const before = context.table.candidates.length;
      const table = markAnswered(context.table, event.key, event.nodes, event.token);
      const node = candidate({ ...context, table }, event.key)!;
      enqueue.emit({ type: 'answered', node, round: node.round, learned: Math.max(0, table.candidates.length - before) });
      const fresh = newPeers(context.peersSeen, event.peers);
      enqueue.assign({ table, peersSeen: [...context.peersSeen, ...fresh.map((p) => `${p.ip}:${p.port}`)].slice(-MAX_PEERS_SEEN) });
      if (fresh.length > 0) enqueue.emit({ type: 'peers', peers: fresh });
    }),
    recordFailure: enqueueActions(({ context, event, enqueue }) => {
      const key = keyOf(event);
      const node = candidate(context, key);
      if (node === undefined) return;
      enqueue.cancel(timer(key));
      enqueue.assign({ table: markFailed(context.table, key) });
      enqueue.emit({ type: 'failed', node, reason: event.type === 'QUERY_TIMEOUT' ? 'timeout' : 'error' });
    }),
    stopBecauseClosestAnswered: assign({ stop: 'closestAnswered' as const }),
    stopBecauseNothingLeft: assign({ stop: 'nothingLeft' as const }),
    stopBecauseCancelled: assign({ stop: 'cancelled' as const }),
    sendAnnounces: enqueueActions(({ context, enqueue }) => {
      const targets = announceTargets(context.table, context.k);
      enqueue.assign({ announcing: targets.map((t) => t.key) });
      for (const node of targets) {
        enqueue.emit({ type: 'announce', node, token: node.token! });
        enqueue.raise({ type: 'QUERY_TIMEOUT', key: node.key }, { id: timer(node.key), delay: 'queryTimeout' });
      }
    }),
    settleAnnounce: enqueueActions(({ context, event, enqueue }) => {
      enqueue.cancel(timer(keyOf(event)));
      enqueue.assign({ announcing: context.announcing.filter((k) => k !== keyOf(event)) });
    }),
  },
}).createMachine({
  id: 'dhtLookup',
  description: 'One iterative DHT lookup: ask the α nearest known nodes, learn nearer ones, stop when the k nearest have answered.',
  meta: {
    bep: 'BEP 5 · find_node, get_peers, announce_peer',
    events: {
      RESPONSE: { description: 'A node we asked answered: the nodes (and peers, token) it named.', bep: 'BEP 5 · get_peers' },
      QUERY_FAILED: { description: 'A node answered with an error or with another id than we asked: it is out.' },
      QUERY_TIMEOUT: { description: 'A query got no answer within queryTimeout (raised by the machine).' },
      ANNOUNCE_ACKED: { description: 'A node confirmed our announce_peer.', bep: 'BEP 5 · announce_peer' },
      ANNOUNCE_FAILED: { description: 'A node rejected our announce_peer (e.g. token expired).' },
      CANCEL: { description: 'Stop the lookup now.' },
    },
    delays: { queryTimeout: { description: 'How long one query may go unanswered before the node counts as failed (2 s).' } },
    guards: {
      awaited: 'The answer is for a query in flight (late and unsolicited answers are ignored).',
      closestAnswered: 'The k nearest live nodes we know have all answered: nobody can name a nearer node.',
      nothingLeft: 'Nothing in flight and no unasked node among the k nearest.',
      wantsAnnounce: 'Asked to announce and some near node gave us a token.',
      announceAwaited: 'An announce_peer we sent.',
      lastAnnounce: 'The last announce_peer still out.',
    },
  },
  context: ({ input }) => ({
    table: newLookupTable(input.target, input.seeds, input.ourId === undefined ? [] : [input.ourId]),
    method: input.method,
    announcePort: input.method === 'get_peers' ? input.announcePort : undefined,
    alpha: input.alpha ?? 3,
    k: input.k ?? 8,
    maxQueries: input.maxQueries ?? 200,
    peersSeen: [],
    announcing: [],
    stop: 'nothingLeft',
  }),
  initial: 'querying',
  states: {
    querying: {
      description: 'Up to α queries in flight to the nearest unasked nodes; each answer may name nearer ones.',
      meta: { bep: 'BEP 5 · find_node, get_peers' },
      entry: 'askMore',
      always: [
        { guard: 'closestAnswered', target: 'lookupDone', actions: 'stopBecauseClosestAnswered', description: 'The k nearest nodes all answered: converged.' },
        { guard: 'nothingLeft', target: 'lookupDone', actions: 'stopBecauseNothingLeft', description: 'No nearer node left to ask (or the query budget is spent).' },
      ],
      on: {
        RESPONSE: { guard: 'awaited', actions: ['recordAnswer', 'askMore'], description: 'Learn the nodes and peers it named; ask the nearest new ones.' },
        QUERY_FAILED: { guard: 'awaited', actions: ['recordFailure', 'askMore'], description: 'Drop that node; ask the next nearest instead.' },
        QUERY_TIMEOUT: { guard: 'awaited', actions: ['recordFailure', 'askMore'], description: 'No answer in time: drop it, ask the next nearest.' },
        CANCEL: { target: 'done', actions: 'stopBecauseCancelled', description: 'Stop asking; answers still on their way are ignored.' },
      },
    },
    lookupDone: {
      description: 'The search is over; announce if we were asked to.',
      always: [
        { guard: 'wantsAnnounce', target: 'announcing', description: 'Announce to the k nearest nodes that gave tokens.' },
        { target: 'done', description: 'Nothing to announce.' },
      ],
    },
    announcing: {
      description: 'announce_peer sent, with its token, to the k nearest answerers; waiting for each to ack or time out.',
      meta: { bep: 'BEP 5 · announce_peer' },
      entry: 'sendAnnounces',
      on: {
        ANNOUNCE_ACKED: [
          { guard: 'lastAnnounce', target: 'done', actions: 'settleAnnounce', description: 'Every announce is settled.' },
          { guard: 'announceAwaited', actions: 'settleAnnounce', description: 'One node stores us now.' },
        ],
        ANNOUNCE_FAILED: [
          { guard: 'lastAnnounce', target: 'done', actions: 'settleAnnounce', description: 'Every announce is settled.' },
          { guard: 'announceAwaited', actions: 'settleAnnounce', description: 'That node refused us.' },
        ],
        QUERY_TIMEOUT: [
          { guard: 'lastAnnounce', target: 'done', actions: 'settleAnnounce', description: 'The last announce went unanswered.' },
          { guard: 'announceAwaited', actions: 'settleAnnounce', description: 'That node did not answer.' },
        ],
        CANCEL: { target: 'done', actions: 'stopBecauseCancelled', description: 'Stop waiting for acks.' },
      },
    },
    done: { type: 'final', description: 'Finished: the output holds the nearest nodes and why it stopped.' },
  },
  output: ({ context }) => ({
    closest: closestLive(context.table, context.k).filter((c) => c.status === 'answered'),
    peers: context.peersSeen.length,
    queries: context.table.queries,
    stop: context.stop,
  }),
});

// Coverage samples (test/machines/coverage.test.ts): k = 2 so convergence is a few answers away.
const sampleId = (b: number): Uint8Array => new Uint8Array(20).fill(b);
const sampleNode = (b: number): Contact => ({ id: sampleId(b), ip: '127.0.0.1', port: 6000 + b });
const sampleKey = (b: number): string => Array.from(sampleId(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** Inputs: a get_peers lookup that announces, a find_node one, one with no seeds. */
export const dhtLookupSampleInputs: readonly DhtLookupInput[] = [
  { target: sampleId(0), method: 'get_peers', seeds: [sampleNode(1), sampleNode(2)], announcePort: 6881, k: 2, alpha: 2, maxQueries: 3 },
  { target: sampleId(0), method: 'find_node', seeds: [sampleNode(1)], k: 2, alpha: 1 },
  { target: sampleId(0), method: 'find_node', seeds: [], k: 2 },
];

/** Events: answers naming a nearer node, with a peer and a token; failures. */
export const dhtLookupSampleEvents: readonly DhtLookupEvent[] = [
  { type: 'RESPONSE', key: sampleKey(1), nodes: [sampleNode(3)], peers: [{ ip: '127.0.0.9', port: 6881 }], token: Uint8Array.of(1) },
  { type: 'RESPONSE', key: sampleKey(2), nodes: [], peers: [], token: Uint8Array.of(2) },
  { type: 'RESPONSE', key: sampleKey(3), nodes: [], peers: [] },
  { type: 'QUERY_FAILED', key: sampleKey(2) },
  { type: 'QUERY_TIMEOUT', key: sampleKey(1) },
  { type: 'QUERY_TIMEOUT', key: sampleKey(2) },
  { type: 'ANNOUNCE_ACKED', key: sampleKey(1) },
  { type: 'ANNOUNCE_ACKED', key: sampleKey(2) },
  { type: 'ANNOUNCE_FAILED', key: sampleKey(1) },
  { type: 'ANNOUNCE_FAILED', key: sampleKey(2) },
];

