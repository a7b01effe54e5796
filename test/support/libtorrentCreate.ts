import { PYTHON, runTool } from './thirdPartyTools.js';

// libtorrent's own torrent maker, v1 only (no BEP 52 fields), with any piece size it accepts:
// libtorrent 2.0 takes multiples of 16 KiB that are not powers of two for v1 torrents.
const CREATE_SCRIPT = `
import sys
import libtorrent as lt
content, out, piece_size, tracker = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fs = lt.file_storage()
lt.add_files(fs, content)
ct = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v1_only)
if tracker:
    ct.add_tracker(tracker)
lt.set_piece_hashes(ct, __import__('os').path.dirname(content.rstrip('/')))
open(out, 'wb').write(lt.bencode(ct.generate()))
`;

/**
 * Makes a v1 torrent of `content` (a file or folder) with python3-libtorrent's create_torrent,
 * `pieceSize` bytes per piece (need not be a power of two); `tracker` '' for none.
 */
export async function libtorrentCreate(content: string, out: string, pieceSize: number, tracker = ''): Promise<void> {
  await runTool(PYTHON, ['-c', CREATE_SCRIPT, content, out, String(pieceSize), tracker]);
}
