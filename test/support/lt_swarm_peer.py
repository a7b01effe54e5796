#!/usr/bin/python3
"""One python3-libtorrent peer for statorrent's download interop tests, on a loopback address.

  lt_swarm_peer.py TORRENT SAVE_PATH [--ip 127.0.0.N] [--partial] [--announce] [--upload-rate B]

Hash-checks the data under SAVE_PATH ("CHECKED <port> <pieces it has>" on stdout once done), then
prints "READY <port> <pieces it has>":
  * a full seeder (default) is ready once it is seeding; it fails if the check found missing pieces;
  * --partial: ready once checking finished, whatever it found; the torrent is put in upload mode
    so it only serves its share and never completes it from other peers;
  * --announce: also wait for the first reply of the torrent's tracker (so a leecher announcing
    after READY is sure to be told about this peer);
  * --upload-rate B: at most B bytes/s upload, loopback peers included (libtorrent exempts
    local peers from limits by default, hence the peer class filter);
  * --connect IP:PORT: dial that peer after the check, ready only once connected to it (so it
    is among the peers this one names in its ut_pex messages, BEP 11), or once it downloaded
    from it (a fast --leech may have been connected, and dropped, between two polls);
  * --connect-delay S: dial it S seconds after the check (so a test's own peer can dial this one
    first, as in crossed dials);
  * --leech: whatever the check found, download the rest (no upload mode, no seeding check);
  * --download-rate B: at most B bytes/s download, loopback peers included.
No DHT, LSD, UPnP, NAT-PMP or uTP; listens and dials from --ip only.
Exits when stdin closes (the test process went away) or on SIGTERM.
"""
import argparse
import os
import sys
import time

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
import libtorrent as lt  # noqa: E402
from lt_loopback import BASE_ALERTS, exit_if_fatal, fail, loopback_session, mismatch_message, started_torrent_params, stdin_closed, wait_for_alerts  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("torrent")
    p.add_argument("save_path")
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--announce", action="store_true")
    p.add_argument("--upload-rate", type=int, default=0)
    p.add_argument("--connect", default="")
    p.add_argument("--connect-delay", type=float, default=0.0)
    p.add_argument("--leech", action="store_true")
    p.add_argument("--download-rate", type=int, default=0)
    a = p.parse_args()
    if not a.ip.startswith("127."):
        sys.exit("ERROR loopback addresses only")

    ses = loopback_session(a.ip, extra={
        "upload_rate_limit": a.upload_rate,
        "download_rate_limit": a.download_rate,
        "alert_mask": BASE_ALERTS | lt.alert.category_t.tracker_notification,
    })
    if a.upload_rate > 0 or a.download_rate > 0:
        # every address into the global class only, so its rate limit applies to loopback too
        everyone = lt.ip_filter()
        everyone.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(everyone)
    atp = started_torrent_params(a.torrent, a.save_path)
    if a.partial:
        atp.flags |= lt.torrent_flags.upload_mode
    has_tracker = len(list(atp.ti.trackers())) > 0
    handle = ses.add_torrent(atp)
    stop = stdin_closed()

    checked = False
    checked_at = 0.0
    announced = not a.announce
    ready = False
    connected_to = ""
    while not stop.is_set():
        wait_for_alerts(ses, 200)
        for alert in ses.pop_alerts():
            exit_if_fatal(alert)
            if isinstance(alert, lt.torrent_checked_alert):
                checked = True
                checked_at = time.monotonic()
                print("CHECKED %d %d" % (ses.listen_port(), handle.status().num_pieces), flush=True)
            if isinstance(alert, lt.tracker_reply_alert):
                announced = True
            if isinstance(alert, lt.tracker_error_alert):
                print("TRACKER " + alert.message(), flush=True)
        if a.announce and not has_tracker:
            fail("--announce but the torrent names no tracker")
        status = handle.status()
        if checked and not a.partial and not a.leech and not status.is_seeding:
            fail(mismatch_message(status))
        if a.connect and checked and not connected_to and time.monotonic() - checked_at >= a.connect_delay:
            host, port = a.connect.rsplit(":", 1)
            handle.connect_peer((host, int(port)))
            connected_to = a.connect
        if a.connect and status.num_peers == 0 and status.total_payload_download == 0:
            continue  # ready only once connected to that peer (so it can be named in PEX)
        if not ready and checked and announced and ses.listen_port() > 0:
            ready = True
            print("READY %d %d" % (ses.listen_port(), status.num_pieces), flush=True)
    os._exit(0)


main()
