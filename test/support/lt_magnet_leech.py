#!/usr/bin/python3
"""Downloads a torrent given only a magnet link with python3-libtorrent, for statorrent's tests.

  lt_magnet_leech.py MAGNET_URI SAVE_PATH PEER_PORT [--stay]

Listens on 127.0.0.1 (OS-chosen port), prints "LISTENING <port>", dials 127.0.0.1:PEER_PORT
(loopback TCP only; also uses the magnet's trackers). Prints "METADATA <info hash hex> <peer>"
when the metadata arrived (BEP 9) with the address of the peer that had sent it, then
"FINISHED <payload bytes downloaded>" once every piece is checked and the files are closed.
Prints "PEER <ip:port> <source flags>" for each peer it is connected to, again when its flags change (libtorrent's peer_info
source bits: 1 tracker, 2 DHT, 4 PEX, 8 LSD, 32 incoming). With --stay it downloads slowly
(64 KiB/s) and keeps running after FINISHED, to see peers learnt later (e.g. by PEX). Prints "ERROR <message>" and exits 1 on
failure; exits when stdin closes or on SIGTERM.
"""
import os
import sys

sys.dont_write_bytecode = True
import libtorrent as lt  # noqa: E402
from lt_loopback import BASE_ALERTS, exit_if_fatal, fail, loopback_session, stdin_closed, wait_for_alerts  # noqa: E402


def main() -> None:
    uri, save_path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seen = set()
    finished = False
    stay = "--stay" in sys.argv[4:]
    extra = {"alert_mask": BASE_ALERTS | lt.alert.category_t.peer_notification}
    if stay:
        # slow (64 KiB/s, loopback included): it stays a leecher, so it keeps its connections
        extra["download_rate_limit"] = 65536
    ses = loopback_session("127.0.0.1", extra=extra)
    if stay:
        everyone = lt.ip_filter()
        everyone.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        ses.set_peer_class_filter(everyone)
    atp = lt.parse_magnet_uri(uri)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    handle = ses.add_torrent(atp)
    handle.connect_peer(("127.0.0.1", port))
    stop = stdin_closed()
    listening = False
    have_metadata = False
    while not stop.is_set():
        wait_for_alerts(ses, 100)
        for alert in ses.pop_alerts():
            exit_if_fatal(alert, hard=True)
            print("ALERT " + alert.message(), file=sys.stderr, flush=True)
            if isinstance(alert, lt.metadata_failed_alert):
                fail("metadata failed: " + alert.message(), hard=True)
            if isinstance(alert, lt.metadata_received_alert) and not have_metadata:
                have_metadata = True
                peers = ["%s:%d" % p.ip for p in handle.get_peer_info()]
                print("METADATA %s %s" % (str(handle.torrent_file().info_hash()), ",".join(peers)), flush=True)
        if not listening and ses.listen_port() > 0:
            listening = True
            print("LISTENING %d" % ses.listen_port(), flush=True)
        for p in handle.get_peer_info():
            key = "%s:%d" % p.ip
            # again whenever its sources change: one IP is one peer entry in libtorrent, so a
            # connection it accepted gains the PEX bit once a PEX message names that IP too
            if (key, int(p.source)) not in seen:
                seen.add((key, int(p.source)))
                print("PEER %s %d" % (key, int(p.source)), flush=True)
        status = handle.status()
        if stay and have_metadata and not finished and (status.is_finished or status.is_seeding):
            finished = True
            print("FINISHED %d" % status.total_payload_download, flush=True)
        if not stay and have_metadata and (status.is_finished or status.is_seeding):
            payload = status.total_payload_download
            ses.pause()
            del handle
            del ses
            print("FINISHED %d" % payload, flush=True)
            os._exit(0)
    os._exit(0)


main()
