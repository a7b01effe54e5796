import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A node:http server on 127.0.0.1:0 (or another loopback address) whose replies each test scripts. Records request URLs. */
export interface ScriptedHttpTracker {
  readonly base: string;
  readonly requests: string[];
  reply(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

export async function startScriptedHttpTracker(host = '127.0.0.1'): Promise<ScriptedHttpTracker> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://${host}:${port}`,
    requests,
    reply: (h) => {
      handler = h;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
