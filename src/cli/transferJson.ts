import type { TorrentEvent, TorrentProgress } from '../session/types.js';

/**
 * `--json` output: one JSON object per line. Every object has `type` and `t` (milliseconds since
 * the command started). Types:
 * - `torrent`: once at start: `name`, `infoHash`, `pieceCount`, `pieceLength`, `totalBytes`,
 *   `files`, `dir` (where the data lives), `port` (where we listen), `dht` ({port, nodeId} of
 *   the DHT node, or null when the DHT is off or the torrent is private).
 * - every TorrentEvent, with its own fields: `checked` {verifiedPieces}, `announced` {peers,
 *   seeders?, leechers?}, `trackerError`/`trackerWarning` {message}, `dhtLookup` {peers},
 *   `peerConnected` {id, client, source: tracker | dht | pex | user | incoming,
 *   encryption: none | mse-plaintext | mse-rc4},
 *   `peerClosed` {id, reason}, `pieceVerified`/`pieceFailed` {index}, `pieceLost` {index, message}, `banned` {ip, reason},
 *   `completed`, `error` {message}, `stopped`.
 * - `progress`: about once a second: `state`, `verifiedPieces`, `checkedPieces`, `pieceCount`,
 *   `verifiedBytes`, `totalBytes`, `downloadRate`, `uploadRate` (bytes/s), `downloaded`,
 *   `uploaded` (bytes this run), `peers`, `etaSeconds` (number or null).
 * - `exit`: last: `code` (the exit status) and `reason` (`complete`, `interrupted`, `error`).
 */
export type JsonLine = Readonly<Record<string, unknown>> & { readonly type: string; readonly t: number };

/** A TorrentEvent as a `--json` line (its fields as they are, plus `t`). */
export function eventJson(e: TorrentEvent, t: number): JsonLine {
  return { ...e, t };
}

/** A progress snapshot as a `--json` line (stable names; no `undefined`, which JSON drops). */
export function progressJson(p: TorrentProgress, t: number): JsonLine {
  return {
    type: 'progress',
    t,
    state: p.state,
    verifiedPieces: p.verifiedPieces,
    checkedPieces: p.checkedPieces,
    pieceCount: p.pieceCount,
    verifiedBytes: p.verifiedBytes,
    totalBytes: p.totalBytes,
    downloadRate: Math.round(p.downloadRate),
    uploadRate: Math.round(p.uploadRate),
    downloaded: p.downloaded,
    uploaded: p.uploaded,
    peers: p.peers,
    etaSeconds: p.etaSeconds === undefined ? null : Math.round(p.etaSeconds),
    ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
  };
}
