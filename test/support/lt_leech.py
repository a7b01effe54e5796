#!/usr/bin/python3
"""Downloads one torrent with python3-libtorrent on 127.0.0.1 for statorrent's seeding tests.

  lt_leech.py TORRENT SAVE_PATH [SETTINGS_JSON [PEER]]

Listens on 127.0.0.1 (OS-chosen port) and prints "LISTENING <port>"; finds peers through the
torrent's trackers only (no DHT, LSD, UPnP, NAT-PMP, uTP: loopback TCP only). libtorrent checks
every piece's SHA-1 itself. Once the torrent is finished it closes the session (so files are
flushed) and prints "FINISHED <payload bytes downloaded> <peers seen>", then exits 0.
SETTINGS_JSON: more libtorrent settings, e.g. {"out_enc_policy": 0, "allowed_enc_level": 2}
(encryption forced, RC4 only). PEER (IP:PORT): also dial it with connect_peer, whose default
flags mark it as supporting encryption (libtorrent then dials it with MSE first). Prints "ERROR <message>" and exits 1 on a torrent or file error. Exits when stdin closes
(the test process went away) or on SIGTERM.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
import libtorrent as lt  # noqa: E402
from lt_loopback import BASE_ALERTS, exit_if_fatal, loopback_session, started_torrent_params, stdin_closed, wait_for_alerts  # noqa: E402


def main() -> None:
    torrent, save_path = sys.argv[1], sys.argv[2]
    extra = {"alert_mask": BASE_ALERTS | lt.alert.category_t.tracker_notification | lt.alert.category_t.peer_notification}
    if len(sys.argv) > 3:
        extra.update(json.loads(sys.argv[3]))
    ses = loopback_session("127.0.0.1", extra=extra)
    handle = ses.add_torrent(started_torrent_params(torrent, save_path))
    if len(sys.argv) > 4:
        ip, _, port = sys.argv[4].rpartition(":")
        handle.connect_peer((ip, int(port)))
    stop = stdin_closed()

    listening = False
    while not stop.is_set():
        wait_for_alerts(ses, 100)
        for alert in ses.pop_alerts():
            exit_if_fatal(alert, hard=True)
            # context for a failing test: what the tracker said, which peers came and went
            print("ALERT " + alert.message(), file=sys.stderr, flush=True)
        if not listening and ses.listen_port() > 0:
            listening = True
            print("LISTENING %d" % ses.listen_port(), flush=True)
        status = handle.status()
        if status.is_finished or status.is_seeding:
            payload, peers = status.total_payload_download, status.num_peers
            ses.pause()
            del handle
            del ses  # waits for the disk threads: files are complete on disk after this
            print("FINISHED %d %d" % (payload, peers), flush=True)
            os._exit(0)
    os._exit(0)


main()
