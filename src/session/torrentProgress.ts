import type { TorrentActor } from '../../machines/torrent.machine.js';
import type { Metainfo } from '../metainfo/types.js';
import type { RateMeter } from '../stats/rateMeter.js';
import type { TorrentProgress, TorrentState } from './types.js';

/** The torrent machine's state, flattened for display. */
export const stateOf = (actor: TorrentActor): TorrentState => {
  const s = actor.getSnapshot();
  if (s.status === 'done') return 'stopped';
  if (s.matches('checking')) return 'checking';
  if (s.matches('paused')) return 'paused';
  if (s.matches('stopping')) return 'stopping';
  if (s.matches('error')) return 'error';
  if (s.matches({ active: { transfer: 'seeding' } })) return 'seeding';
  return 'downloading';
};

/** The figures a progress snapshot is made of, read when it is taken. */
export interface ProgressSources {
  readonly metainfo: Metainfo;
  readonly actor: TorrentActor;
  readonly verifiedPieces: number;
  readonly checkedPieces: number;
  readonly verifiedBytes: number;
  readonly downTotal: RateMeter;
  readonly upTotal: RateMeter;
  /** Peers past their handshake. */
  readonly peers: number;
}

/** One progress snapshot at time `t`. */
export function progressSnapshot(s: ProgressSources, t: number): TorrentProgress {
  const m = s.metainfo;
  const downloadRate = s.downTotal.rate(t);
  const left = m.totalLength - s.verifiedBytes;
  return {
    infoHashHex: m.infoHashHex,
    name: m.name,
    state: stateOf(s.actor),
    pieceCount: m.pieceCount,
    verifiedPieces: s.verifiedPieces,
    checkedPieces: s.checkedPieces,
    totalBytes: m.totalLength,
    verifiedBytes: s.verifiedBytes,
    downloadRate,
    uploadRate: s.upTotal.rate(t),
    downloaded: s.downTotal.total,
    uploaded: s.upTotal.total,
    peers: s.peers,
    etaSeconds: left > 0 && downloadRate > 0 ? left / downloadRate : undefined,
  };
}
