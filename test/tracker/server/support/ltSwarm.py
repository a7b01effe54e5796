#!/usr/bin/python3
"""Two python3-libtorrent sessions on 127.0.0.1 sharing one torrent through our tracker.

usage: ltSwarm.py TORRENT SEED_DIR LEECH_DIR LEECH_TRACKER_URL

The seeder announces to the torrent's own announce URL; the leecher's trackers are replaced by
LEECH_TRACKER_URL, so the leecher can only learn of the seeder from that tracker (DHT, LSD,
UPnP, NAT-PMP and PEX are off, the torrent is private). Prints one word per milestone:
'seeder-announced', 'leecher-finished <peers>', then seeds until stdin closes.
"""
import os, sys, time

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'support'))
import libtorrent as lt  # noqa: E402
from lt_loopback import BASE_ALERTS, loopback_session, wait_for_alerts  # noqa: E402

torrent, seed_dir, leech_dir, leech_tracker = sys.argv[1:5]

def session():
    return loopback_session('127.0.0.1', extra={
        # libtorrent's default, as this script had it: one connection per address
        'allow_multiple_connections_per_ip': False,
        'alert_mask': BASE_ALERTS | lt.alert.category_t.tracker_notification | lt.alert.category_t.connect_notification,
    })

peers_seen = set()

def wait_for(s, kind, deadline):
    while time.time() < deadline:
        wait_for_alerts(s, 200)
        for a in s.pop_alerts():
            # Record every peer a session connected to: finished peers may disconnect at once.
            if isinstance(a, lt.peer_alert):
                peers_seen.add('%s:%d' % tuple(a.endpoint))
            if isinstance(a, lt.tracker_error_alert):
                print('tracker-error', a.message(), flush=True)
            if isinstance(a, kind):
                return a
    print('timeout waiting for', kind.__name__, flush=True)
    sys.exit(1)

deadline = time.time() + 25
ti = lt.torrent_info(torrent)

seeder = session()
seeder.add_torrent({'ti': ti, 'save_path': seed_dir})
wait_for(seeder, lt.tracker_reply_alert, deadline)
print('seeder-announced', flush=True)

peers_seen.clear()
leecher = session()
h = leecher.add_torrent({'ti': lt.torrent_info(torrent), 'save_path': leech_dir})
h.replace_trackers([lt.announce_entry(leech_tracker)])
h.force_reannounce()
wait_for(leecher, lt.torrent_finished_alert, deadline)
peers = ','.join(sorted(peers_seen))
print('leecher-finished', peers, flush=True)

# Keep both seeding (for other clients) until the test closes our stdin.
sys.stdin.read()
