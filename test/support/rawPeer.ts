import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import * as E from 'fp-ts/lib/Either.js';
import { decodeMessage, type WireMessage } from '../../src/wire/index.js';

/**
 * A scripted raw-socket peer on 127.0.0.1 for hostile-peer tests: it writes exactly the bytes a
 * test gives it and reads exactly what the test asks for, with no BitTorrent logic of its own.
 */
export class RawConnection {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private waiter: (() => void) | undefined;
  /** Resolves when the other side closed or reset the connection. */
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      this.waiter?.();
    });
    socket.on('error', () => undefined); // resets are expected: the stack under test hangs up
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.waiter?.());
  }

  /** Reads exactly `n` bytes (rejects if the connection closes first). */
  async read(n: number): Promise<Uint8Array> {
    while (this.bufferedLength < n) {
      if (this.socket.destroyed) throw new Error(`connection closed after ${this.bufferedLength} of ${n} bytes`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    const all = Buffer.concat(this.buffered);
    this.buffered = [all.subarray(n)];
    this.bufferedLength = all.length - n;
    return new Uint8Array(all.subarray(0, n));
  }

  /** Reads one length-prefixed wire message (throws on bytes that do not decode). */
  async message(): Promise<WireMessage> {
    const len = new DataView((await this.read(4)).buffer).getUint32(0);
    if (len === 0) return { type: 'keepAlive' };
    const m = decodeMessage(await this.read(len));
    if (E.isLeft(m)) throw new Error(`undecodable message: ${JSON.stringify(m.left)}`);
    return m.right;
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /**
   * Keeps writing `chunk` until `limit` bytes are written or the other side hangs up; returns
   * how many bytes it attempted, so a test can compare with what the stack actually read.
   */
  async flood(chunk: Uint8Array, limit: number): Promise<number> {
    let written = 0;
    while (written < limit && !this.socket.destroyed && !this.socket.writableEnded) {
      written += chunk.length;
      if (!this.socket.write(chunk)) {
        // not events.once: it rejects on the socket's 'error' (a reset is expected here)
        const drained = new Promise<boolean>((resolve) => this.socket.once('drain', () => resolve(true)));
        const gone = this.closed.then(() => false);
        if (!(await Promise.race([drained, gone]))) break;
      }
    }
    return written;
  }

  end(): void {
    this.socket.end();
  }
}

/** A listening raw peer: `accept()` yields the next incoming connection. */
export class RawPeerServer {
  private pending: RawConnection[] = [];
  private waiters: ((c: RawConnection) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (s) => {
      const c = new RawConnection(s);
      const w = this.waiters.shift();
      if (w) w(c);
      else this.pending.push(c);
    });
  }

  static async listen(): Promise<RawPeerServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    return new RawPeerServer(server, addr.port);
  }

  accept(): Promise<RawConnection> {
    const c = this.pending.shift();
    return c ? Promise.resolve(c) : new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.server.close();
    for (const c of this.pending) c.socket.destroy();
  }
}

/** Dials `port` on 127.0.0.1 as a raw peer (for tests where the stack under test listens). */
export async function dialRaw(port: number): Promise<RawConnection> {
  const s = connect({ host: '127.0.0.1', port });
  await once(s, 'connect');
  return new RawConnection(s);
}
