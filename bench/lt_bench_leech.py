#!/usr/bin/python3
"""Downloads one torrent with python3-libtorrent from known peers, for the benchmarks.

  lt_bench_leech.py TORRENT SAVE_PATH PEERS [plain]

PEERS is a port on 127.0.0.1 or a comma-separated list of IP:PORT (loopback addresses).
With "plain" the leecher never tries protocol encryption (otherwise it first dials encrypted
and reconnects in plaintext to a peer without MSE, which costs about a second per peer).

Loopback TCP only, default settings otherwise (libtorrent as users run it). When every piece
is received and hash-checked it prints one line
"DONE <cpu_seconds> <max_rss_kib> <wall_seconds_since_add> <user_seconds> <system_seconds> <cpu_seconds_at_add>"
(this process's own CPU time and peak RSS, all threads) and exits.
"""
import os
import resource
import sys
import time

sys.dont_write_bytecode = True  # importing lt_loopback must not leave __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "support"))
import libtorrent as lt  # noqa: E402
from lt_loopback import fail, loopback_session, started_torrent_params, wait_for_alerts  # noqa: E402


def main() -> None:
    torrent, save_path, peers = sys.argv[1], sys.argv[2], sys.argv[3]
    plain = sys.argv[4:5] == ["plain"]
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.time()
    ses = loopback_session("127.0.0.1", extra={
        "enable_ip_notifier": False,
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification
        | lt.alert.category_t.storage_notification,
        **({"out_enc_policy": int(lt.enc_policy.disabled), "in_enc_policy": int(lt.enc_policy.disabled)} if plain else {}),
    })
    handle = ses.add_torrent(started_torrent_params(torrent, save_path))
    for peer in peers.split(","):
        ip, _, port = peer.rpartition(":")
        handle.connect_peer((ip or "127.0.0.1", int(port)))
    deadline = time.time() + 600
    while True:
        wait_for_alerts(ses, 50)
        for alert in ses.pop_alerts():
            # a listen failure does not matter: this leecher only dials out
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert)):
                fail(alert.message())
        st = handle.status()
        if st.is_finished or st.is_seeding:
            break
        if time.time() > deadline:
            fail("timeout at progress %.3f" % st.progress)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print("DONE %.3f %d %.3f %.3f %.3f %.3f" % (ru.ru_utime + ru.ru_stime, ru.ru_maxrss, time.time() - t0, ru.ru_utime, ru.ru_stime,
                                             ru0.ru_utime + ru0.ru_stime), flush=True)
    # libtorrent 2 reports a piece done once hashed, possibly before its store buffer reached
    # the file: flush before exiting, so whoever compares the file sees all of it
    handle.flush_cache()
    flush_deadline = time.time() + 30
    while time.time() < flush_deadline:
        wait_for_alerts(ses, 100)
        if any(isinstance(a, lt.cache_flushed_alert) for a in ses.pop_alerts()):
            break
    os._exit(0)


main()
