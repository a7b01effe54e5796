import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentHandle } from '../../src/session/torrentHandle.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { piecesFailingHash } from '../support/pieceHashCheck.js';
import { writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';

// A full disk and a read-only folder, made real with tmpfs mounts (this needs root).
const mount = (...args: string[]): void => {
  execFileSync('mount', args, { stdio: 'pipe' });
};
const umount = (dir: string): void => {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // a handle still open: detach lazily
  }
};
/** Whether tmpfs can be mounted here (root in a container that allows it); the reason if not. */
const mountable = ((): string | undefined => {
  if (process.getuid?.() !== 0) return 'not running as root';
  const probe = mkdtempSync(join(tmpdir(), 'st-mount-probe-'));
  try {
    mount('-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe);
    umount(probe);
    return undefined;
  } catch (e) {
    return `mount failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    rmdirSync(probe);
  }
})();
if (mountable !== undefined) console.warn(`skipping tmpfs disk-failure tests: ${mountable}`);

const SIZE = 3 * 1024 * 1024;

describe.skipIf(mountable !== undefined)('download folder failures on real tmpfs mounts', () => {
  let dir: string;
  let metainfo: Metainfo;
  let seeder: StatorrentPeer;
  let session: Session | undefined;
  let mnt: string | undefined;
  let mounts = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-disk-'));
    await writeSample(join(dir, 'src'), [{ path: 'big.bin', length: SIZE }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'big.bin'), pieceLength: 262_144 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    seeder = await startStatorrentPeer({ metainfo, downloadDir: join(dir, 'src'), skipCheck: true, useTrackers: false }, '127.0.0.2');
    await seeder.handle.completed;
  });
  afterEach(async () => {
    await session?.close(); // closes files before the unmount
    session = undefined;
    if (mnt !== undefined) umount(mnt);
    mnt = undefined;
  });
  afterAll(async () => {
    await seeder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Mounts a fresh tmpfs of `size` and starts downloading into it. */
  async function downloadInto(size: string, readOnly: boolean): Promise<{ handle: TorrentHandle; events: TorrentEvent[]; folder: string }> {
    const folder = join(dir, `mnt-${++mounts}`);
    mkdirSync(folder);
    mount('-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder);
    mnt = folder;
    if (readOnly) mount('-o', 'remount,ro', folder);
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const added = await session.add({ metainfo, downloadDir: folder, useTrackers: false, peers: [{ ip: '127.0.0.2', port: seeder.session.port }] });
    if (E.isLeft(added)) throw new Error(added.left);
    const events: TorrentEvent[] = [];
    added.right.events$.subscribe((e) => events.push(e));
    return { handle: added.right, events, folder };
  }

  const paused = (h: TorrentHandle) => firstValueFrom(h.progress$.pipe(filter((p) => p.state === 'paused')));
  const completedEvent = (h: TorrentHandle) => firstValueFrom(h.events$.pipe(filter((e) => e.type === 'completed')));

  it('a full disk: reported as ENOSPC, the torrent pauses with verified pieces intact, and resumes once there is room', async () => {
    const { handle, events, folder } = await downloadInto('1m', false);
    const completion = handle.completed.then(
      () => 'completed',
      (e: Error) => e.message,
    );
    const atPause = await paused(handle);
    expect(await completion).toMatch(/^cannot write .*big\.bin: ENOSPC \(no space left on device\) \(torrent paused; verified data is kept\)$/);
    expect(events).toContainEqual({ type: 'error', message: expect.stringMatching(/ENOSPC \(no space left on device\)$/) });
    // a local failure: no piece counted as bad, nobody banned
    expect(events.filter((e) => e.type === 'pieceFailed' || e.type === 'banned')).toEqual([]);
    const verified = events.flatMap((e) => (e.type === 'pieceVerified' ? [e.index] : []));
    expect(verified.length).toBe(atPause.verifiedPieces);
    const bad = new Set(await piecesFailingHash(metainfo, folder));
    expect(verified.filter((i) => bad.has(i))).toEqual([]);
    // room again: resume carries on from what is verified
    mount('-o', 'remount,size=8m', folder);
    const done = completedEvent(handle);
    handle.resume();
    await done;
    expect(Buffer.compare(await readFile(join(folder, 'big.bin')), await readFile(join(dir, 'src', 'big.bin')))).toBe(0);
    expect(events.filter((e) => e.type === 'pieceFailed' || e.type === 'banned')).toEqual([]);
  }, 60_000);

  it('a full disk, then a restart: the recheck finds every piece verified before the pause and the download completes', async () => {
    const { handle, events, folder } = await downloadInto('1m', false);
    handle.completed.catch(() => undefined);
    const atPause = await paused(handle);
    expect(atPause.verifiedPieces).toBeGreaterThan(0);
    const before = new Set(events.flatMap((e) => (e.type === 'pieceVerified' ? [e.index] : [])));
    await session!.close();
    mount('-o', 'remount,size=8m', folder);
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const again = await session.add({ metainfo, downloadDir: folder, useTrackers: false, peers: [{ ip: '127.0.0.2', port: seeder.session.port }] });
    if (E.isLeft(again)) throw new Error(again.left);
    const checked = firstValueFrom(again.right.events$.pipe(filter((e) => e.type === 'checked')));
    await again.right.completed;
    expect((await checked) as TorrentEvent).toMatchObject({ type: 'checked', verifiedPieces: expect.any(Number) });
    expect(((await checked) as { verifiedPieces: number }).verifiedPieces).toBeGreaterThanOrEqual(before.size);
    expect(Buffer.compare(await readFile(join(folder, 'big.bin')), await readFile(join(dir, 'src', 'big.bin')))).toBe(0);
  }, 60_000);

  it('a read-only folder: reported as EROFS, the torrent pauses, and resumes once it is writable', async () => {
    const { handle, events, folder } = await downloadInto('8m', true);
    await paused(handle);
    expect(events).toContainEqual({ type: 'error', message: expect.stringMatching(/^cannot write .*big\.bin: EROFS \(read-only file system\)$/) });
    expect(events.filter((e) => e.type === 'pieceFailed' || e.type === 'banned')).toEqual([]);
    mount('-o', 'remount,rw', folder);
    const done = completedEvent(handle);
    handle.resume();
    await done;
    expect(Buffer.compare(await readFile(join(folder, 'big.bin')), await readFile(join(dir, 'src', 'big.bin')))).toBe(0);
  }, 60_000);
});
