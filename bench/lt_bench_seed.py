#!/usr/bin/python3
"""Seeds one torrent at full speed with python3-libtorrent on 127.0.0.1, for the download benchmark.

  lt_bench_seed.py TORRENT SAVE_PATH [IP]

Uses libtorrent's high_performance_seed() settings pack (big send buffers, large disk cache,
many outstanding requests), on IP (default 127.0.0.1; several seeders each take their own
127.0.0.x), loopback TCP only (no DHT, LSD, UPnP, NAT-PMP or uTP). Hash-checks
the data first (so serving needs no hashing), then prints "READY <port>". Exits when stdin
closes (the benchmark went away) or on SIGTERM.
"""
import os
import sys

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "support"))
import libtorrent as lt  # noqa: E402
from lt_loopback import loopback_session, seed_until_stdin_closes, started_torrent_params  # noqa: E402


def main() -> None:
    torrent, save_path = sys.argv[1], sys.argv[2]
    ip = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    ses = loopback_session(ip, base=lt.high_performance_seed(), extra={
        "enable_ip_notifier": False,
        "allowed_enc_level": lt.enc_level.plaintext,
        "seed_choking_algorithm": 1,  # fastest_upload
    })
    handle = ses.add_torrent(started_torrent_params(torrent, save_path))
    seed_until_stdin_closes(ses, handle)


main()
