import * as E from 'fp-ts/lib/Either.js';
import { isIP } from 'node:net';
import type { CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { DHT_OPTIONS, dhtPlan } from './dhtArgs.js';
import { parseIntOption, parsePeerAddress } from './peerAddressArg.js';
import { outputMode } from './transferView.js';
import type { TransferPlan } from './transferRun.js';
import { parseEncryptionOption } from './encryptionArg.js';

/** Options shared by `download` and `seed`. */
const SHARED = {
  port: { type: 'string' },
  host: { type: 'string' },
  peer: { type: 'string', multiple: true },
  'no-trackers': { type: 'boolean' },
  'max-peers': { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  trace: { type: 'string' },
  inspect: { type: 'string' },
  encryption: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...DHT_OPTIONS,
} as const;

const DOWNLOAD = { ...SHARED, output: { type: 'string', short: 'o' }, seed: { type: 'boolean' } } as const;
const SEED = { ...SHARED, 'skip-check': { type: 'boolean' } } as const;

/** `help` when --help was given, else a validated plan. */
export type PlanOrHelp = { readonly help: true } | { readonly help: false; readonly plan: TransferPlan };

/**
 * `--inspect` takes an optional port (`--inspect[=PORT]`, as Node's own): a bare `--inspect`
 * means any free port. node:util parseArgs has no optional values, so the bare form is rewritten.
 */
const withInspectDefault = (argv: string[]): string[] => argv.map((a) => (a === '--inspect' ? '--inspect=0' : a));

/** Parses `statorrent download` arguments, or says what is wrong in one line. */
export function downloadPlan(argv: string[], io: CliIo): E.Either<string, PlanOrHelp> {
  const parsed = parseCommandArgs(withInspectDefault(argv), DOWNLOAD);
  if (E.isLeft(parsed)) return parsed;
  const { values, positionals } = parsed.right;
  if (values.help === true) return E.right({ help: true });
  if (positionals.length !== 1) return E.left(positionals.length === 0 ? 'which torrent? give a .torrent file or an http(s) URL' : 'give exactly one torrent');
  return E.map((shared: Shared) => ({ help: false as const, plan: { ...shared, command: 'download' as const, source: positionals[0]!, dir: values.output ?? '.', skipCheck: false, keepSeeding: values.seed === true } }))(
    sharedPlan(values, io),
  );
}

/** Parses `statorrent seed` arguments, or says what is wrong in one line. */
export function seedPlan(argv: string[], io: CliIo): E.Either<string, PlanOrHelp> {
  const parsed = parseCommandArgs(withInspectDefault(argv), SEED);
  if (E.isLeft(parsed)) return parsed;
  const { values, positionals } = parsed.right;
  if (values.help === true) return E.right({ help: true });
  if (positionals.length !== 2) return E.left('give the torrent and the folder that contains its data');
  return E.map((shared: Shared) => ({ help: false as const, plan: { ...shared, command: 'seed' as const, source: positionals[0]!, dir: positionals[1]!, skipCheck: values['skip-check'] === true, keepSeeding: true } }))(
    sharedPlan(values, io),
  );
}

type Shared = Omit<TransferPlan, 'command' | 'source' | 'dir' | 'skipCheck' | 'keepSeeding'>;

interface SharedValues {
  port?: string | undefined;
  host?: string | undefined;
  peer?: string[] | undefined;
  'no-trackers'?: boolean | undefined;
  'max-peers'?: string | undefined;
  quiet?: boolean | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
  trace?: string | undefined;
  'dht-bootstrap'?: string[] | undefined;
  'dht-port'?: string | undefined;
  'no-dht'?: boolean | undefined;
  'data-dir'?: string | undefined;
  inspect?: string | undefined;
  encryption?: string | undefined;
}

function sharedPlan(values: SharedValues, io: CliIo): E.Either<string, Shared> {
  const port = parseIntOption('--port', values.port ?? '6881', 0, 65535);
  if (E.isLeft(port)) return port;
  if (values.host !== undefined && isIP(values.host) === 0) return E.left(`--host "${values.host}" is not an IP address`);
  const peers = [];
  for (const p of values.peer ?? []) {
    const peer = parsePeerAddress(p);
    if (E.isLeft(peer)) return peer;
    peers.push(peer.right);
  }
  let maxPeers: number | undefined;
  if (values['max-peers'] !== undefined) {
    const n = parseIntOption('--max-peers', values['max-peers'], 1, 1000);
    if (E.isLeft(n)) return n;
    maxPeers = n.right;
  }
  if (values.quiet === true && values.json === true) return E.left('--quiet and --json do not mix (pick one)');
  const dht = dhtPlan(values);
  if (E.isLeft(dht)) return dht;
  let inspectPort: number | undefined;
  if (values.inspect !== undefined) {
    const n = parseIntOption('--inspect', values.inspect, 0, 65535);
    if (E.isLeft(n)) return n;
    inspectPort = n.right;
  }
  const encryption = parseEncryptionOption(values.encryption);
  if (E.isLeft(encryption)) return encryption;
  return E.right({
    dht: dht.right,
    encryption: encryption.right,
    port: port.right,
    ...(values.host === undefined ? {} : { host: values.host }),
    peers,
    useTrackers: values['no-trackers'] !== true,
    ...(maxPeers === undefined ? {} : { maxPeers }),
    mode: outputMode(values, io),
    verbose: values.verbose === true,
    ...(values.trace === undefined ? {} : { tracePath: values.trace }),
    ...(inspectPort === undefined ? {} : { inspectPort }),
  });
}
