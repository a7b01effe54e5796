"""A python3-libtorrent DHT node on one 127.0.0.x address, driven over stdin/stdout.

usage: lt_dht_node.py IP PORT [BOOTSTRAP_IP:PORT ...]

Prints "READY <port>" once listening. Commands on stdin, one per line:
  ADD_TORRENT <hex>        add a torrent by info hash (no metadata) with DHT on: libtorrent
                           then announces itself for it (get_peers + announce_peer)
  ANNOUNCE <hex> <port>    dht_announce the info hash on TCP port
  GET_PEERS <hex>          dht_get_peers; prints "PEERS <hex> ip:port ..." when the lookup ends
  NODES                    prints "NODES <n>" (nodes in libtorrent's routing table)
  ADD_NODE <ip> <port>     add_dht_node
  SEED <torrent> <dir>     seed a .torrent whose data is in <dir> (libtorrent announces it in
                           the DHT); prints "SEEDING <hex>" once the check found every piece
  LEECH <torrent> <dir>    download a .torrent (or a magnet link) into <dir>, peers from the DHT (and its
                           trackers, if any); prints "FINISHED <hex> <payload bytes>" once done
Every torrent listens on this node's IP:PORT (TCP); the DHT uses the same port over UDP.
Closing stdin stops it.
"""
import os
import queue
import sys
import tempfile
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from lt_loopback import loopback_session, wait_for_alerts  # noqa: E402

ip, port = sys.argv[1], int(sys.argv[2])
DHT = {
    "enable_dht": True,
    "dht_restrict_routing_ips": False,
    "dht_restrict_search_ips": False,
    "dht_prefer_verified_node_ids": False,
    "dht_ignore_dark_internet": False,
    "dht_enforce_node_id": False,
    "dht_bootstrap_nodes": "",
    "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification
    | lt.alert.category_t.dht_notification | lt.alert.category_t.dht_operation_notification,
}
ses = loopback_session(ip, port, DHT)
for b in sys.argv[3:]:
    h, p = b.rsplit(":", 1)
    ses.add_dht_node((h, int(p)))

commands = queue.Queue()


def read_stdin():
    for line in sys.stdin:
        commands.put(line.split())
    commands.put(None)


threading.Thread(target=read_stdin, daemon=True).start()
save = tempfile.mkdtemp(prefix="lt-dht-")
handles = []
# (handle, hex, "SEEDING" | "FINISHED") waiting for their line
watched = []


def add_file_torrent(path, save_path):
    # a magnet link (no spaces) or a .torrent file
    if path.startswith("magnet:"):
        atp = lt.parse_magnet_uri(path)
        hexhash = str(atp.info_hashes.v1)
    else:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(path)
        hexhash = str(atp.ti.info_hashes().v1)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    h = ses.add_torrent(atp)
    handles.append(h)
    return h, hexhash

ready = False
while True:
    if not ready and ses.listen_port() > 0:
        ready = True
        print("READY %d" % ses.listen_port(), flush=True)
    try:
        while True:
            cmd = commands.get_nowait()
            if cmd is None:
                os._exit(0)
            if not cmd:
                continue
            if cmd[0] == "ADD_TORRENT":
                atp = lt.add_torrent_params()
                atp.info_hashes = lt.info_hash_t(lt.sha1_hash(bytes.fromhex(cmd[1])))
                atp.save_path = save
                atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
                handles.append(ses.add_torrent(atp))
                print("ADDED %s" % cmd[1], flush=True)
            elif cmd[0] == "ANNOUNCE":
                ses.dht_announce(lt.sha1_hash(bytes.fromhex(cmd[1])), int(cmd[2]), 0)
            elif cmd[0] == "GET_PEERS":
                ses.dht_get_peers(lt.sha1_hash(bytes.fromhex(cmd[1])))
            elif cmd[0] == "NODES":
                ses.post_dht_stats()
            elif cmd[0] == "ADD_NODE":
                ses.add_dht_node((cmd[1], int(cmd[2])))
            elif cmd[0] in ("SEED", "LEECH"):
                h, hexhash = add_file_torrent(cmd[1], cmd[2])
                watched.append((h, hexhash, "SEEDING" if cmd[0] == "SEED" else "FINISHED"))
    except queue.Empty:
        pass
    for entry in list(watched):
        h, hexhash, what = entry
        st = h.status()
        if what == "SEEDING" and st.is_seeding:
            print("SEEDING %s" % hexhash, flush=True)
            watched.remove(entry)
        elif what == "SEEDING" and st.state == lt.torrent_status.downloading:
            print("ERROR data does not match the torrent %s (progress %.3f)" % (hexhash, st.progress), flush=True)
            watched.remove(entry)
        elif what == "FINISHED" and (st.is_finished or st.is_seeding):
            h.flush_cache()
            print("FINISHED %s %d" % (hexhash, st.total_payload_download), flush=True)
            watched.remove(entry)
    wait_for_alerts(ses, 100)
    for a in ses.pop_alerts():
        if isinstance(a, lt.dht_get_peers_reply_alert):
            print("PEERS %s %s" % (str(a.info_hash), " ".join("%s:%d" % (p[0], p[1]) for p in a.peers())), flush=True)
        elif isinstance(a, lt.dht_stats_alert):
            print("NODES %d" % sum(b["num_nodes"] for b in a.routing_table), flush=True)
        elif isinstance(a, (lt.torrent_error_alert, lt.file_error_alert)):
            print("ERROR " + a.message(), flush=True)
        elif isinstance(a, lt.listen_failed_alert):
            print("ERROR " + a.message(), flush=True)
            os._exit(1)
