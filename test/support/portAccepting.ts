import { connect } from 'node:net';

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port` (tried again every
 * `everyMs` after a refusal), rejects after `timeoutMs`: "it listens" is an observed event.
 */
export function waitForPortAccepting(port: number, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, everyMs);
      });
    };
    attempt();
  });
}
