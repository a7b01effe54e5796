#!/usr/bin/python3
"""Fetches a torrent's metadata by magnet link with python3-libtorrent, for statorrent's tests.

  lt_magnet_fetch.py MAGNET_URI SAVE_PATH PEER_PORT

Connects to 127.0.0.1:PEER_PORT (loopback TCP only), waits for the metadata (BEP 9), then prints
"METADATA <info hash hex> <piece count> <name>" and "MAGNET <libtorrent's magnet link>" and exits.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import libtorrent as lt  # noqa: E402
from lt_loopback import BASE_ALERTS, exit_if_fatal, fail, loopback_session, stdin_closed, wait_for_alerts  # noqa: E402


def main() -> None:
    uri, save_path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ses = loopback_session("127.0.0.1", extra={"alert_mask": BASE_ALERTS | lt.alert.category_t.peer_notification})
    atp = lt.parse_magnet_uri(uri)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = ses.add_torrent(atp)
    handle.connect_peer(("127.0.0.1", port))
    stop = stdin_closed()
    while not stop.is_set():
        wait_for_alerts(ses, 200)
        for alert in ses.pop_alerts():
            exit_if_fatal(alert, hard=True)
            if isinstance(alert, lt.metadata_failed_alert):
                fail("metadata failed: " + alert.message(), hard=True)
            if isinstance(alert, lt.metadata_received_alert):
                ti = handle.torrent_file()
                print("METADATA %s %d %s" % (str(ti.info_hash()), ti.num_pieces(), ti.name()), flush=True)
                print("MAGNET " + lt.make_magnet_uri(handle), flush=True)
                os._exit(0)
    os._exit(0)


main()
