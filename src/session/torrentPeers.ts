import { connect, type Socket } from 'node:net';
import type { CallbackActorLogic, EventObject } from 'xstate';
import type { CloseReason, ConnectionInput, PeerCommand, PeerMachineInput } from '../../machines/peer.machine.js';
import type { DownloadFlow } from '../../streams/downloadFlow.js';
import { peerConnection } from '../../streams/peerConnection.js';
import { handleExtensionCommand, type ExtensionSinks } from '../../streams/peerExtensions.js';
import type { PeerRecord } from '../../streams/peerRecord.js';
import { attachPeerTraffic } from '../../streams/peerTraffic.js';
import { markReusedReads, reusedReadOptions } from '../../streams/reusedReads.js';
import { mseDialled } from '../../streams/mseHandshake.js';
import type { CarriedSocket, WireTransport } from '../../streams/wireTransport.js';
import { MseDialChoice } from '../mse/mseDialChoice.js';
import { DEFAULT_ENCRYPTION_POLICY, type EncryptionPolicy, type PeerEncryption } from '../mse/mseTypes.js';
import { MAX_QUEUED_REQUESTS, type UploadFlow } from '../../streams/uploadFlow.js';
import type { ChokeCandidate } from '../choking/chokeDecision.js';
import { advertisedExtensions, ourExtendedHandshake, type OurExtendedHandshake } from '../extensions/index.js';
import { packageVersion } from '../metainfo/packageVersion.js';
import type { Metainfo } from '../metainfo/types.js';
import { parseIp } from '../peers/ipAddress.js';
import { endpointKey, type PeerEndpoint } from '../peers/peerPool.js';
import type { Availability } from '../pieces/availability.js';
import type { Bitfield } from '../pieces/bitfield.js';
import type { WireMessage } from '../wire/messages.js';
import { ourReserved, setDht } from '../wire/reserved.js';

/** What the torrent lends its peers. */
export interface TorrentPeersDeps {
  readonly metainfo: Metainfo;
  /** The records by endpoint key (shared with the download flow). */
  readonly records: Map<string, PeerRecord>;
  readonly ourPeerId: Uint8Array;
  readonly localAddress: string | undefined;
  readonly have: Bitfield;
  readonly availability: Availability;
  readonly download: DownloadFlow;
  readonly upload: UploadFlow;
  readonly onWire: ((peerId: string, direction: 'in' | 'out', message: WireMessage) => void) | undefined;
  readonly connected: (id: string, client: string, encryption: PeerEncryption) => void;
  /** The same connection's handshake named the remote peer id (lowercase hex); `outgoing`: we dialled it. */
  readonly identified: (id: string, endpoint: PeerEndpoint, outgoing: boolean, peerId: string) => void;
  /** The connection is over; `failed`: it never completed the handshake. */
  readonly closed: (id: string, endpoint: PeerEndpoint, reason: CloseReason, failed: boolean) => void;
  readonly peersChanged: () => void;
  /** Our listen port, for the extended handshake's `p`. */
  readonly listenPort?: number;
  /** Extension traffic of one connection beyond serving metadata (PEX, metadata fetch). */
  readonly extensionSinks?: (id: string, endpoint: PeerEndpoint) => Partial<ExtensionSinks>;
  /**
   * Our DHT node, when it runs for this torrent (BEP 5): its UDP port (we set the reserved DHT
   * bit and send `port`), and where a peer's `port` goes (at most once per connection).
   */
  readonly dht?: { readonly port: number; readonly nodeSeen: (endpoint: PeerEndpoint) => void };
  /** The session's encryption policy: `require` dials with MSE (RC4 payload). */
  readonly encryption?: EncryptionPolicy;
}

/**
 * The torrent's connections as the data plane sees them: one record per peer, the cores each
 * peer machine gets through its input, and the `connection` actor the machines are provided
 * with (it dials, or takes the accepted socket). No peer actor is ever looked up: peers are
 * reached through their records (`notify`) and the torrent machine's own children.
 */
export class TorrentPeers {
  readonly records: Map<string, PeerRecord>;
  /** Accepted sockets waiting for the peer actor the torrent machine spawns for them. */
  private readonly pendingIncoming = new Map<string, CarriedSocket>();
  readonly connection: CallbackActorLogic<PeerCommand, ConnectionInput, EventObject>;
  /** Our extended handshake (BEP 10), the same for every peer of this torrent. */
  private readonly extended: OurExtendedHandshake;
  /** The reserved bytes every connection of this torrent announces (the DHT bit only while our node runs for it). */
  private readonly reserved: Uint8Array;
  /** Which endpoints are dialled with MSE (the session's policy, hang-ups, PEX hints). */
  private readonly mseChoice: MseDialChoice;
  /** The session's policy, or the default when it gave none. */
  private readonly encryption: EncryptionPolicy;

  constructor(private readonly deps: TorrentPeersDeps) {
    this.records = deps.records;
    this.encryption = deps.encryption ?? DEFAULT_ENCRYPTION_POLICY;
    this.mseChoice = new MseDialChoice(this.encryption);
    const m = deps.metainfo;
    this.extended = ourExtendedHandshake({
      private: m.private,
      metadataSize: m.infoBytes.length,
      client: `statorrent ${packageVersion()}`,
      reqq: MAX_QUEUED_REQUESTS,
      knowsPieces: true,
      ...(deps.listenPort !== undefined ? { port: deps.listenPort } : {}),
    });
    this.reserved = setDht(ourReserved(), deps.dht !== undefined);
    this.connection = peerConnection({
      extensions: advertisedExtensions(this.extended),
      infoHash: m.infoHash,
      peerId: deps.ourPeerId,
      pieceCount: m.pieceCount,
      reserved: this.reserved,
      socketFor: (input) => (input.endpoint === undefined ? undefined : input.outgoing ? this.dial(input.endpoint) : this.takeIncoming(input.endpoint)),
      attach: (link) => {
        const endpoint = link.input.endpoint ?? { ip: '', port: 0 };
        const id = endpointKey(endpoint);
        const onWire = deps.onWire;
        if (onWire !== undefined) {
          link.frames$.subscribe((f) => {
            if (f.kind === 'message') onWire(id, 'in', f.message);
          });
        }
        let handshaked = false;
        const plane = attachPeerTraffic(id, endpoint, link, {
          download: deps.download,
          upload: deps.upload,
          now: () => Date.now(),
          ...(onWire !== undefined ? { onSend: (msg: WireMessage) => onWire(id, 'out', msg) } : {}),
          opened: (peer) => this.records.set(id, peer),
          ready: (peer, client, peerId) => {
            handshaked = true;
            peer.encryption = link.wire.encryption;
            deps.connected(id, client, peer.encryption);
            // no peer id, nothing to pair it with (an empty id would pair it with every such one)
            if (peerId !== null) deps.identified(id, endpoint, link.input.outgoing, peerId);
          },
          peersChanged: deps.peersChanged,
          closed: (peer, reason) => {
            if (this.records.get(id) === peer) this.records.delete(id);
            if (link.input.outgoing) this.mseChoice.dialEnded(id, { handshaked, remoteClosed: reason.code === 'remoteClosed' });
            deps.closed(id, endpoint, reason, !handshaked);
          },
        });
        // every statorrent peer serves our metadata (BEP 9); PEX and fetching come from the torrent
        const sinks: ExtensionSinks = { infoBytes: () => m.infoBytes, ...deps.extensionSinks?.(id, endpoint) };
        let dhtNodeTaken = false;
        return {
          command: (c) => {
            if (c.type === 'send') onWire?.(id, 'out', c.message);
            else if (c.type === 'sendHaves' && onWire !== undefined) for (const index of c.indices) onWire(id, 'out', { type: 'have', index });
            // BEP 5 `port`: one node per connection, on the peer's own IP (never an address it names)
            if (c.type === 'dhtNode' && !dhtNodeTaken && c.port > 0 && endpoint.ip !== '') {
              dhtNodeTaken = true;
              deps.dht?.nodeSeen({ ip: endpoint.ip, port: c.port });
            }
            if (!handleExtensionCommand(c, link.notify, sinks)) plane.command(c);
          },
          closed: (r) => plane.closed(r),
        };
      },
    });
  }

  /**
   * What every peer machine of this torrent gets besides its endpoint: plain data and the
   * torrent-wide cores (our pieces, availability) its own pieces core counts against.
   */
  get peerInput(): Omit<PeerMachineInput, 'endpoint' | 'outgoing'> {
    const m = this.deps.metainfo;
    return {
      infoHash: m.infoHash,
      peerId: this.deps.ourPeerId,
      pieceCount: m.pieceCount,
      reserved: this.reserved,
      ...(this.deps.dht === undefined ? {} : { dhtPort: this.deps.dht.port }),
      have: this.deps.have,
      availability: this.deps.availability,
      extended: this.extended,
    };
  }

  /**
   * Offers an accepted socket to the torrent machine (`offer` sends INCOMING_PEER); a peer
   * actor spawned for it takes the socket at once, otherwise it is closed.
   */
  acceptIncoming(socket: Socket, transport: WireTransport | undefined, offer: (endpoint: PeerEndpoint) => void): void {
    const remote = socket.remoteAddress ?? '';
    const endpoint = { ip: parseIp(remote)?.ip ?? remote, port: socket.remotePort ?? 0 };
    const id = endpointKey(endpoint);
    if (this.records.has(id) || this.pendingIncoming.has(id)) {
      socket.destroy();
      return;
    }
    const carried: CarriedSocket = { socket, ...(transport !== undefined ? { transport } : {}) };
    this.pendingIncoming.set(id, carried);
    offer(endpoint);
    if (this.pendingIncoming.get(id) === carried) {
      this.pendingIncoming.delete(id);
      socket.destroy();
    }
  }

  /** The torrent machine refused an incoming connection. */
  rejectIncoming(endpoint: PeerEndpoint): void {
    this.pendingIncoming.get(endpointKey(endpoint))?.socket.destroy();
  }

  /** We lost verified piece `index`: each connected peer's machine decides whether it is worth wanting again. */
  pieceLost(index: number): void {
    for (const p of this.records.values()) if (!p.closed) p.notify({ type: 'WE_LOST', index });
  }

  /** Closes every connection from `ip` (banned by the session, maybe for another torrent). */
  closeIp(ip: string, message: string): void {
    for (const p of [...this.records.values()]) if (p.endpoint.ip === ip && !p.closed) p.notify({ type: 'CLOSE', message });
  }

  /**
   * Peers a PEX message flagged as preferring encryption (BEP 11 `added.f` 0x01): under `accept`
   * their next dial is MSE (see MseDialChoice).
   */
  preferEncrypted(endpoints: Iterable<PeerEndpoint>): void {
    for (const e of endpoints) this.mseChoice.preferred(endpointKey(e));
  }

  /** Closes every connection (the torrent stopped). */
  closeAll(message: string): void {
    for (const p of [...this.records.values()]) p.notify({ type: 'CLOSE', message });
  }

  /** Peers past their handshake. */
  get connectedCount(): number {
    let n = 0;
    for (const p of this.records.values()) if (p.gate.open) n++;
    return n;
  }

  /** What the choker ranks: connected peers with their interest, rate and snubbing. */
  chokeCandidates(seeding: boolean, t: number): ChokeCandidate[] {
    const out: ChokeCandidate[] = [];
    for (const p of this.records.values()) {
      if (!p.gate.open || p.closed) continue;
      out.push({ id: p.id, interested: p.gate.wantsUpload, rate: seeding ? p.up.rate(t) : p.down.rate(t), snubbed: p.gate.snubbed, connectedAt: p.connectedAt });
    }
    return out;
  }

  private takeIncoming(endpoint: PeerEndpoint): CarriedSocket | undefined {
    const id = endpointKey(endpoint);
    const carried = this.pendingIncoming.get(id);
    this.pendingIncoming.delete(id);
    return carried;
  }

  private dial(endpoint: PeerEndpoint): Socket | CarriedSocket {
    const socket = connect({
      host: endpoint.ip,
      port: endpoint.port,
      ...(this.deps.localAddress ? { localAddress: this.deps.localAddress } : {}),
      onread: reusedReadOptions,
    });
    markReusedReads(socket);
    socket.setNoDelay(true);
    return this.mseChoice.dialsMse(endpointKey(endpoint)) ? mseDialled(socket, this.deps.metainfo.infoHash, this.encryption) : socket;
  }
}
