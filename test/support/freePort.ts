import { createServer, type AddressInfo } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that the OS just handed out and we released again, for third-party
 * programs that need a number up front (transmission-cli, opentracker) rather than port 0.
 * Another process could take it before the caller binds it; the window is short.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
