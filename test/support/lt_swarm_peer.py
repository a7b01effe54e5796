#!/usr/bin/python3
"""One python3-libtorrent peer for statorrent's download interop tests, on a loopback address.

  lt_swarm_peer.py TORRENT SAVE_PATH [--ip 127.0.0.N] [--partial] [--announce] [--upload-rate B]

Hash-checks the data under SAVE_PATH, then prints "READY <port> <pieces it has>" on stdout:
  * a full seeder (default) is ready once it is seeding; it fails if the check found missing pieces;
  * --partial: ready once checking finished, whatever it found; the torrent is put in upload mode
    so it only serves its share and never completes it from other peers;
  * --announce: also wait for the first reply of the torrent's tracker (so a leecher announcing
    after READY is sure to be told about this peer);
  * --upload-rate B: at most B bytes/s upload, loopback peers included (libtorrent exempts
    local peers from limits by default, hence the peer class filter).
No DHT, LSD, UPnP, NAT-PMP or uTP; listens and dials from --ip only.
Exits when stdin closes (the test process went away) or on SIGTERM.
"""
import argparse
import os
import sys
import threading

import libtorrent as lt


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("torrent")
    p.add_argument("save_path")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--announce", action="store_true")
    p.add_argument("--upload-rate", type=int, default=0)
    a = p.parse_args()
    if not a.ip.startswith("127."):
        sys.exit("ERROR loopback addresses only")

    settings = {
        "listen_interfaces": a.ip + ":0",
        "outgoing_interfaces": a.ip,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "upload_rate_limit": a.upload_rate,
        "alert_mask": lt.alert.category_t.status_notification
        | lt.alert.category_t.error_notification
        | lt.alert.category_t.tracker_notification,
    }
    ses = lt.session(settings)
    if a.upload_rate > 0:
        # every address into the global class only, so its rate limit applies to loopback too
        everyone = lt.ip_filter()
        everyone.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(everyone)
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(a.torrent)
    atp.save_path = a.save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    if a.partial:
        atp.flags |= lt.torrent_flags.upload_mode
    has_tracker = len(list(atp.ti.trackers())) > 0
    handle = ses.add_torrent(atp)

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    checked = False
    announced = not a.announce
    ready = False
    while not stop.is_set():
        ses.wait_for_alert(200)
        for alert in ses.pop_alerts():
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert, lt.listen_failed_alert)):
                print("ERROR " + alert.message(), flush=True)
                sys.exit(1)
            if isinstance(alert, lt.torrent_checked_alert):
                checked = True
            if isinstance(alert, lt.tracker_reply_alert):
                announced = True
            if isinstance(alert, lt.tracker_error_alert):
                print("TRACKER " + alert.message(), flush=True)
        if a.announce and not has_tracker:
            print("ERROR --announce but the torrent names no tracker", flush=True)
            sys.exit(1)
        status = handle.status()
        if checked and not a.partial and not status.is_seeding:
            print("ERROR data does not match the torrent (progress %.3f)" % status.progress, flush=True)
            sys.exit(1)
        if not ready and checked and announced and ses.listen_port() > 0:
            ready = True
            print("READY %d %d" % (ses.listen_port(), status.num_pieces), flush=True)
    os._exit(0)


main()
