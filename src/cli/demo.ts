import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, tap } from 'rxjs';
import { createTorrent, isCreateError, loadMetainfo } from '../metainfo/index.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { writeDemoContent } from './demoContent.js';
import { formatBytes } from './formatBytes.js';
import { metainfoText } from './metainfoReport.js';
import { ProgressReporter } from './progressBar.js';

const USAGE = `usage: statorrent demo [--keep]
  Makes sample content (a few MiB in nested folders, with an empty file) in a temporary
  folder, creates a torrent from it and shows its info.
  --keep   leave the temporary folder in place (it is removed by default)
`;

/**
 * `statorrent demo`: the end-to-end tour available so far (content -> create -> info). Later
 * stages of the project extend it into a real swarm download on loopback.
 */
export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (E.isLeft(parsed)) {
    io.err.write(`statorrent demo: ${parsed.left} (see statorrent demo --help)\n`);
    return EXIT_USAGE;
  }
  if (parsed.right.values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  const dir = await mkdtemp(join(tmpdir(), 'statorrent-demo-'));
  try {
    const content = join(dir, 'sample');
    const total = await writeDemoContent(content);
    io.out.write(`demo: wrote ${formatBytes(total)} of sample content to ${content}\n`);
    const progress = new ProgressReporter(io.err, 'hashing');
    const last = await lastValueFrom(
      createTorrent({ path: content, trackers: [['http://127.0.0.1:6969/announce']], comment: 'statorrent demo' }).pipe(
        tap((e) => e.type === 'progress' && progress.update(e.bytesHashed, e.totalBytes)),
      ),
    );
    progress.finish();
    if (last.type !== 'done') throw new Error('creation ended without a torrent');
    const torrentPath = join(dir, 'sample.torrent');
    await writeFile(torrentPath, last.torrent);
    io.out.write(`demo: created ${torrentPath}\n\n`);
    // Read it back through the same path `statorrent info` uses.
    const loaded = await loadMetainfo(torrentPath)();
    if (E.isLeft(loaded)) {
      io.err.write(`statorrent demo: ${loaded.left.message}\n`);
      return EXIT_FAILURE;
    }
    io.out.write(metainfoText(loaded.right));
    if (parsed.right.values.keep === true) io.out.write(`\ndemo: kept ${dir}\n`);
    return EXIT_OK;
  } catch (e) {
    io.err.write(`statorrent demo: ${isCreateError(e) ? e.message : (e as Error).message}\n`);
    return EXIT_FAILURE;
  } finally {
    if (parsed.right.values.keep !== true) await rm(dir, { recursive: true, force: true });
  }
}

