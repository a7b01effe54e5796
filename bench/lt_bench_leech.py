#!/usr/bin/python3
"""Downloads one torrent with python3-libtorrent from one known peer, for the download benchmark.

  lt_bench_leech.py TORRENT SAVE_PATH PEER_PORT

Loopback TCP only, default settings otherwise (libtorrent as users run it). When every piece
is received and hash-checked it prints one line "DONE <cpu_seconds> <max_rss_kib> - <user_seconds> <system_seconds>" (this
process's own CPU time and peak RSS, all threads) and exits.
"""
import os
import resource
import sys
import time

import libtorrent as lt


def main() -> None:
    torrent, save_path, peer_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ses = lt.session({
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
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    })
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = ses.add_torrent(atp)
    handle.connect_peer(("127.0.0.1", peer_port))
    deadline = time.time() + 600
    while True:
        ses.wait_for_alert(50)
        for alert in ses.pop_alerts():
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert)):
                print("ERROR " + alert.message(), flush=True)
                sys.exit(1)
        st = handle.status()
        if st.is_finished or st.is_seeding:
            break
        if time.time() > deadline:
            print("ERROR timeout at progress %.3f" % st.progress, flush=True)
            sys.exit(1)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print("DONE %.3f %d - %.3f %.3f" % (ru.ru_utime + ru.ru_stime, ru.ru_maxrss, ru.ru_utime, ru.ru_stime), flush=True)
    os._exit(0)


main()
