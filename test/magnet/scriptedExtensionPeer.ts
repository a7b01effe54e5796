/**
 * A scripted BEP 10 peer for hostile-input tests: listens on a loopback address, answers a
 * statorrent connection with a handshake and an extended handshake of our choosing, then runs a
 * script on every message. Test-only; no pieces.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { encodeExtendedHandshake, type OurExtendedHandshake } from '../../src/extensions/index.js';
import type { WireMessage } from '../../src/wire/index.js';
import { rawPeer, type RawPeer } from './rawExtensionPeer.js';

export interface ScriptedPeer {
  readonly ip: string;
  readonly port: number;
  /** Every message received from statorrent, per connection, in order. */
  readonly received: WireMessage[][];
  /** Resolves with the first connection. */
  readonly connected: Promise<RawPeer>;
  close(): Promise<void>;
}

/** Starts a scripted peer on `ip`: `script` sees each message and may answer through `peer`. */
export async function startScriptedPeer(
  ip: string,
  infoHash: Uint8Array,
  extended: OurExtendedHandshake,
  script: (m: WireMessage, peer: RawPeer) => void = () => undefined,
): Promise<ScriptedPeer> {
  const received: WireMessage[][] = [];
  let resolveConnected!: (p: RawPeer) => void;
  const connected = new Promise<RawPeer>((r) => (resolveConnected = r));
  const peers: RawPeer[] = [];
  const server: Server = createServer((socket) => {
    const peer = rawPeer(socket, infoHash, Uint8Array.from(Buffer.from(`-SC0001-${ip.padEnd(12, '.')}`.slice(0, 20), 'latin1')), false);
    peers.push(peer);
    const mine: WireMessage[] = [];
    received.push(mine);
    peer.handshake.then(
      () => {
        peer.send({ type: 'extended', extendedId: 0, payload: encodeExtendedHandshake(extended) });
        peer.onMessage((m) => {
          mine.push(m);
          script(m, peer);
        });
        resolveConnected(peer);
      },
      () => undefined,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return {
    ip,
    port: (server.address() as AddressInfo).port,
    received,
    connected,
    close: async () => {
      for (const p of peers) p.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
