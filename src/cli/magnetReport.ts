import * as E from 'fp-ts/lib/Either.js';
import { formatMagnet } from '../magnet/formatMagnet.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { parseMagnet } from '../magnet/parseMagnet.js';
import { endpointKey } from '../peers/peerPool.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './cliIo.js';
import { terminalText } from '../text/terminalText.js';

/** The `statorrent info magnet:?… --json` document. */
export interface MagnetJson {
  readonly infoHash: string;
  readonly name: string | null;
  readonly trackers: readonly string[];
  readonly peers: readonly string[];
  readonly webSeeds: readonly string[];
  readonly warnings: readonly string[];
  /** The link written back in canonical form (hex info hash, percent-encoded values). */
  readonly magnet: string;
}

/** A parsed magnet link as the `--json` document. */
export function magnetJson(m: MagnetLink): MagnetJson {
  return {
    infoHash: m.infoHashHex,
    name: m.name ?? null,
    trackers: m.trackers,
    peers: m.peers.map(endpointKey),
    webSeeds: m.webSeeds,
    warnings: m.warnings,
    magnet: formatMagnet(m),
  };
}

const field = (label: string, value: string): string => `${`${label}:`.padEnd(15)}${value}`;
const list = (label: string, values: readonly string[]): string[] =>
  values.length === 0 ? [field(label, 'none')] : values.map((v, i) => (i === 0 ? field(label, terminalText(v)) : `${' '.repeat(15)}${terminalText(v)}`));

/** What a magnet link says, for people. The metadata itself is not fetched. */
export function magnetText(m: MagnetLink): string {
  const lines = [
    field('name', m.name === undefined ? '(not given)' : terminalText(m.name)),
    field('info hash', m.infoHashHex),
    ...list('trackers', m.trackers),
    ...list('peers', m.peers.map(endpointKey)),
    ...(m.webSeeds.length > 0 ? list('web seeds', m.webSeeds) : []),
    ...m.warnings.map((w) => field('note', terminalText(w))),
    'files, size and pieces come with the metadata, fetched from peers when downloading (BEP 9)',
  ];
  return `${lines.join('\n')}\n`;
}

/** `statorrent info 'magnet:?…'`: prints what the link says, or why it is not usable. */
export function printMagnetInfo(link: string, json: boolean, io: CliIo): number {
  const parsed = parseMagnet(link);
  if (E.isLeft(parsed)) {
    io.err.write(`statorrent info: ${parsed.left.message}\n`);
    return EXIT_FAILURE;
  }
  io.out.write(json ? `${JSON.stringify(magnetJson(parsed.right), null, 2)}\n` : magnetText(parsed.right));
  return EXIT_OK;
}
