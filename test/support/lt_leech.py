#!/usr/bin/python3
"""Downloads one torrent with python3-libtorrent on 127.0.0.1 for statorrent's seeding tests.

  lt_leech.py TORRENT SAVE_PATH

Listens on 127.0.0.1 (OS-chosen port) and prints "LISTENING <port>"; finds peers through the
torrent's trackers only (no DHT, LSD, UPnP, NAT-PMP, uTP: loopback TCP only). libtorrent checks
every piece's SHA-1 itself. Once the torrent is finished it closes the session (so files are
flushed) and prints "FINISHED <payload bytes downloaded> <peers seen>", then exits 0.
Prints "ERROR <message>" and exits 1 on a torrent or file error. Exits when stdin closes
(the test process went away) or on SIGTERM.
"""
import os
import sys
import threading

import libtorrent as lt


def main() -> None:
    torrent, save_path = sys.argv[1], sys.argv[2]
    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification
        | lt.alert.category_t.tracker_notification
        | lt.alert.category_t.peer_notification,
    }
    ses = lt.session(settings)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = ses.add_torrent(atp)

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    listening = False
    while not stop.is_set():
        ses.wait_for_alert(100)
        for alert in ses.pop_alerts():
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert, lt.listen_failed_alert)):
                print("ERROR " + alert.message(), flush=True)
                os._exit(1)
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
