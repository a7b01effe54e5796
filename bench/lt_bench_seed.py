#!/usr/bin/python3
"""Seeds one torrent at full speed with python3-libtorrent on 127.0.0.1, for the download benchmark.

  lt_bench_seed.py TORRENT SAVE_PATH

Uses libtorrent's high_performance_seed() settings pack (big send buffers, large disk cache,
many outstanding requests), loopback TCP only (no DHT, LSD, UPnP, NAT-PMP or uTP). Hash-checks
the data first (so serving needs no hashing), then prints "READY <port>". Exits when stdin
closes (the benchmark went away) or on SIGTERM.
"""
import os
import sys
import threading

import libtorrent as lt


def main() -> None:
    torrent, save_path = sys.argv[1], sys.argv[2]
    settings = lt.high_performance_seed()
    settings.update({
        "listen_interfaces": "127.0.0.1:0",
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "allowed_enc_level": lt.enc_level.plaintext,
        "seed_choking_algorithm": 1,  # fastest_upload
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    })
    ses = lt.session(settings)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = ses.add_torrent(atp)

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    ready = False
    while not stop.is_set():
        ses.wait_for_alert(200)
        for alert in ses.pop_alerts():
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert, lt.listen_failed_alert)):
                print("ERROR " + alert.message(), flush=True)
                sys.exit(1)
        status = handle.status()
        if not ready and status.is_seeding and ses.listen_port() > 0:
            ready = True
            print("READY %d" % ses.listen_port(), flush=True)
        elif not ready and status.state == lt.torrent_status.downloading:
            print("ERROR data does not match the torrent (progress %.3f)" % status.progress, flush=True)
            sys.exit(1)
    os._exit(0)


main()
