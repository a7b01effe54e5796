import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo } from '../metainfo/loadMetainfo.js';
import { MAX_TORRENT_BYTES } from '../metainfo/limits.js';
import { parseByteSize } from './byteSizeArg.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { isMagnet } from '../magnet/parseMagnet.js';
import { printMagnetInfo } from './magnetReport.js';
import { metainfoJson, metainfoText } from './metainfoReport.js';

const USAGE = `usage: statorrent info <file.torrent | http(s)://url | 'magnet:?…'> [--json] [--verbose]
  Shows what a torrent holds: name, info hash, magnet link, trackers, pieces, size, files.
  For a magnet link: what the link says (info hash, name, trackers, peers), nothing fetched.
  --json       print one JSON document (fields: name, infoHash, private, multiFile,
               pieceLength, pieceCount, totalLength, announceList, urlList, comment,
               createdBy, creationDate, files[{path, length, offset, padding}], magnet;
               for a magnet link: infoHash, name, trackers, peers, webSeeds, warnings, magnet)
  --verbose    on a malformed torrent, also print every problem as a tree
  --max-torrent-size SIZE
               refuse a .torrent larger than SIZE (default ${MAX_TORRENT_BYTES / 1e6}MB; e.g. 50MB)
`;

/** `statorrent info`: prints a torrent's metainfo as text or JSON. */
export async function runInfoCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
    'max-torrent-size': { type: 'string' },
  });
  if (E.isLeft(parsed)) return usage(io, parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) return usage(io, positionals.length === 0 ? 'which torrent? give a file or URL' : 'give exactly one torrent');
  const source = positionals[0]!;
  if (isMagnet(source)) return printMagnetInfo(source, values.json === true, io);
  const maxSize = values['max-torrent-size'];
  const maxBytes = maxSize === undefined ? E.right(MAX_TORRENT_BYTES) : parseByteSize('--max-torrent-size', maxSize);
  if (E.isLeft(maxBytes)) return usage(io, maxBytes.left);
  const loaded = await loadMetainfo(source, { maxBytes: maxBytes.right })();
  if (E.isLeft(loaded)) {
    const err = loaded.left;
    const overBudget = err._tag === 'MetainfoError' && err.bencode?.code === 'too-many-items';
    const hint = err.code === 'too-large' ? ' (raise it with --max-torrent-size)' : overBudget ? ' (a larger --max-torrent-size admits more)' : '';
    io.err.write(`statorrent info: ${err.message}${hint}\n`);
    if (values.verbose === true && err._tag === 'MetainfoError' && err.tree !== undefined) io.err.write(`${err.tree}\n`);
    return EXIT_FAILURE;
  }
  io.out.write(values.json === true ? `${JSON.stringify(metainfoJson(loaded.right), null, 2)}\n` : metainfoText(loaded.right));
  return EXIT_OK;
}

function usage(io: CliIo, message: string): number {
  return usageError(io, 'info', message);
}

