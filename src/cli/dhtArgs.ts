import * as E from 'fp-ts/lib/Either.js';
import { parseHostPort } from '../session/dhtBootstrap.js';
import { defaultDhtStateDir } from '../session/dhtStateFile.js';
import { parseIntOption } from './peerAddressArg.js';

/** The DHT options `download` and `seed` share (the `dht` commands name them the same way). */
export const DHT_OPTIONS = {
  'dht-bootstrap': { type: 'string', multiple: true },
  'dht-port': { type: 'string' },
  'no-dht': { type: 'boolean' },
  'data-dir': { type: 'string' },
} as const;

/** Their help lines. */
export const DHT_USAGE = `  --no-dht             do not use the DHT (BEP 5); private torrents never do (BEP 27)
  --dht-bootstrap HOST:PORT  where the DHT node joins when it has no saved nodes; repeatable
                       (default: router.bittorrent.com:6881, dht.transmissionbt.com:6881,
                       router.utorrent.com:6881, resolved only when needed)
  --dht-port N         UDP port of the DHT node (default: the --port in use; 0 = any free port)
  --data-dir DIR       where the DHT node id and good nodes are kept, as for statorrent dht
                       (default $XDG_STATE_HOME/statorrent or ~/.local/state/statorrent)
`;

/** The DHT as the user asked for it: off, or a node with these settings. */
export type DhtPlan =
  | false
  | {
      /** UDP port; undefined: the TCP port the session listens on. */
      readonly port?: number;
      /** `HOST:PORT` strings; empty: the well-known routers. */
      readonly bootstrap: readonly string[];
      readonly stateDir: string;
    };

interface DhtValues {
  'dht-bootstrap'?: string[] | undefined;
  'dht-port'?: string | undefined;
  'no-dht'?: boolean | undefined;
  'data-dir'?: string | undefined;
}

/** Validates the DHT options, or says in one line what is wrong. */
export function dhtPlan(values: DhtValues): E.Either<string, DhtPlan> {
  const bootstrap = values['dht-bootstrap'] ?? [];
  if (values['no-dht'] === true) {
    if (bootstrap.length > 0 || values['dht-port'] !== undefined) return E.left('--no-dht does not mix with --dht-bootstrap or --dht-port');
    return E.right(false);
  }
  for (const b of bootstrap) if (parseHostPort(b) === undefined) return E.left(`--dht-bootstrap "${b}" is not HOST:PORT`);
  let port: number | undefined;
  if (values['dht-port'] !== undefined) {
    const p = parseIntOption('--dht-port', values['dht-port'], 0, 65535);
    if (E.isLeft(p)) return p;
    port = p.right;
  }
  return E.right({ ...(port === undefined ? {} : { port }), bootstrap, stateDir: values['data-dir'] ?? defaultDhtStateDir() });
}
