#!/usr/bin/python3
"""Two python3-libtorrent sessions on 127.0.0.1 sharing one torrent through our tracker.

usage: ltSwarm.py TORRENT SEED_DIR LEECH_DIR LEECH_TRACKER_URL

The seeder announces to the torrent's own announce URL; the leecher's trackers are replaced by
LEECH_TRACKER_URL, so the leecher can only learn of the seeder from that tracker (DHT, LSD,
UPnP, NAT-PMP and PEX are off, the torrent is private). Prints one word per milestone:
'seeder-announced', 'leecher-finished <peers>', then seeds until stdin closes.
"""
import sys, time, threading
import libtorrent as lt

torrent, seed_dir, leech_dir, leech_tracker = sys.argv[1:5]

def session():
    s = lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'outgoing_interfaces': '127.0.0.1',
        'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
        'enable_incoming_utp': False, 'enable_outgoing_utp': False,
        'alert_mask': lt.alert.category_t.status_notification | lt.alert.category_t.tracker_notification
            | lt.alert.category_t.error_notification | lt.alert.category_t.connect_notification,
    })
    return s

peers_seen = set()

def wait_for(s, kind, deadline):
    while time.time() < deadline:
        s.wait_for_alert(200)
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
