#!/usr/bin/python3
"""Seeds one torrent with python3-libtorrent on 127.0.0.1 for statorrent's interop tests.

  lt_seed.py TORRENT SAVE_PATH [SETTINGS_JSON]

Listens on 127.0.0.1 with an OS-chosen port, hash-checks the data, then prints
"READY <port>" on stdout once it is seeding. No DHT, LSD, UPnP, NAT-PMP or uTP: loopback TCP only.
SETTINGS_JSON: more libtorrent settings, e.g. {"in_enc_policy": 0, "allowed_enc_level": 2}
(encrypted connections only, RC4). Exits when stdin closes (the test process went away) or on SIGTERM.
"""
import json
import sys

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
from lt_loopback import loopback_session, seed_until_stdin_closes, started_torrent_params  # noqa: E402


def main() -> None:
    torrent, save_path = sys.argv[1], sys.argv[2]
    ses = loopback_session("127.0.0.1", extra=json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)
    handle = ses.add_torrent(started_torrent_params(torrent, save_path))
    seed_until_stdin_closes(ses, handle)


main()
