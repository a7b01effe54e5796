import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, tap } from 'rxjs';
import { magnetLink } from '../magnet/formatMagnet.js';
import { createTorrent, isCreateError, type CreatedTorrent, type CreateTorrentOptions } from '../metainfo/index.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { formatBytes, parseSize } from '../text/formatBytes.js';
import { ProgressReporter } from './progressBar.js';

const USAGE = `usage: statorrent create <file|folder> [-t URL[,URL...]]... [-o out.torrent] [options]
  Makes a v1 .torrent from a file or a folder (recursive, sorted, symlinks followed).
  -t, --tracker URL      announce URL; repeat for more tiers, comma-separate for one tier
  -o, --output FILE      where to write (default: <name>.torrent in this folder)
  -l, --piece-length N   bytes per piece, a multiple of 16 KiB (e.g. 262144, 256K, 1M);
                         default: chosen from the size (16 KiB..16 MiB, ~1000-2000 pieces)
  -p, --private          private torrent (BEP 27): trackers only
  -c, --comment TEXT     comment
  -w, --web-seed URL     web seed (BEP 19); repeatable
  -f, --force            overwrite the output file if it exists
`;

/** Builds creation options from the command line, or explains what is wrong in one line. */
export function createOptionsFromArgs(argv: string[]): E.Either<string, { options: CreateTorrentOptions; output: string | undefined; force: boolean; help: boolean }> {
  const parsed = parseCommandArgs(argv, {
    tracker: { type: 'string', short: 't', multiple: true },
    output: { type: 'string', short: 'o' },
    'piece-length': { type: 'string', short: 'l' },
    private: { type: 'boolean', short: 'p' },
    comment: { type: 'string', short: 'c' },
    'web-seed': { type: 'string', short: 'w', multiple: true },
    force: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (E.isLeft(parsed)) return parsed;
  const { values, positionals } = parsed.right;
  const help = values.help === true;
  if (help) return E.right({ options: { path: '' }, output: undefined, force: false, help });
  if (positionals.length !== 1) return E.left(positionals.length === 0 ? 'what should the torrent hold? give a file or folder' : 'give exactly one file or folder');
  let pieceLength: number | undefined;
  if (values['piece-length'] !== undefined) {
    pieceLength = parseSize(values['piece-length']);
    if (pieceLength === undefined) return E.left(`--piece-length "${values['piece-length']}" is not a size (e.g. 262144, 256K, 1M)`);
  }
  const trackers = (values.tracker ?? []).map((t) => t.split(',').map((u) => u.trim()).filter((u) => u !== ''));
  const options: CreateTorrentOptions = {
    path: positionals[0]!,
    trackers: trackers.filter((t) => t.length > 0),
    private: values.private === true,
    webSeeds: values['web-seed'] ?? [],
    ...(pieceLength === undefined ? {} : { pieceLength }),
    ...(values.comment === undefined ? {} : { comment: values.comment }),
  };
  return E.right({ options, output: values.output, force: values.force === true, help });
}

/** `statorrent create`: hashes content with a progress bar and writes the .torrent. */
export async function runCreateCommand(argv: string[], io: CliIo): Promise<number> {
  const args = createOptionsFromArgs(argv);
  if (E.isLeft(args)) return usageError(io, 'create', args.left);
  if (args.right.help) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  const { options, force } = args.right;
  const output = args.right.output ?? `${basename(resolve(options.path))}.torrent`;
  const progress = new ProgressReporter(io.err, 'hashing');
  let created: CreatedTorrent;
  try {
    const last = await lastValueFrom(createTorrent(options).pipe(tap((e) => e.type === 'progress' && progress.update(e.bytesHashed, e.totalBytes))));
    if (last.type !== 'done') throw new Error('creation ended without a torrent');
    created = last;
  } catch (e) {
    progress.finish();
    io.err.write(`statorrent create: ${isCreateError(e) ? e.message : (e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  progress.finish();
  try {
    await writeFile(output, created.torrent, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'already exists (use --force to overwrite)' : (e as Error).message;
    io.err.write(`statorrent create: ${output}: ${why}\n`);
    return EXIT_FAILURE;
  }
  const m = created.metainfo;
  io.out.write(
    `created ${output}\n  name:       ${m.name}\n  info hash:  ${m.infoHashHex}\n  magnet:     ${magnetLink(m)}\n  size:       ${formatBytes(m.totalLength)} in ${m.files.length} file${m.files.length === 1 ? '' : 's'}\n  pieces:     ${m.pieceCount} x ${formatBytes(m.pieceLength)}\n`,
  );
  return EXIT_OK;
}

