import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * A loopback listener for the calling test file (opened before its tests, closed after);
 * `pair()` gives a connected client socket and the server side of it.
 */
export function loopbackSocketPairs(): { pair: () => Promise<{ client: Socket; remote: Socket }> } {
  let server: Server;
  let port = 0;
  const accepted: Socket[] = [];
  const nextAccepted = async (): Promise<Socket> => {
    while (accepted.length === 0) await once(server, 'connection');
    return accepted.shift()!;
  };
  beforeAll(async () => {
    server = createServer((s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const a = server.address();
    port = typeof a === 'object' && a !== null ? a.port : 0;
  });
  afterAll(() => {
    server.close();
  });
  return {
    pair: async () => {
      const client = connect({ host: '127.0.0.1', port });
      const remoteP = nextAccepted();
      await once(client, 'connect');
      return { client, remote: await remoteP };
    },
  };
}
