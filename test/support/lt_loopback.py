"""Shared python3-libtorrent set-up for statorrent's test and benchmark peers (imported, not run).

Every session made here listens and dials on one 127.0.0.x address only, with DHT, LSD, UPnP,
NAT-PMP and uTP off, so real clients in tests never touch anything beyond loopback TCP.
Scripts importing this set sys.dont_write_bytecode first so no __pycache__ lands in the tree.
"""
import os
import select
import sys
import threading

import libtorrent as lt

#: The alerts every script needs: state changes and errors.
BASE_ALERTS = lt.alert.category_t.status_notification | lt.alert.category_t.error_notification

#: Alerts after which a peer cannot do its job: report them and exit.
FATAL_ALERTS = (lt.torrent_error_alert, lt.file_error_alert, lt.listen_failed_alert)


def loopback_settings(ip="127.0.0.1", port=0, extra=None, base=None):
    """A settings dict for `ip:port` (port 0: the OS picks), loopback TCP only.

    `base` is a settings pack to start from (e.g. lt.high_performance_seed()); `extra` entries
    override the loopback ones (e.g. a wider "alert_mask").
    """
    if not ip.startswith("127."):
        raise ValueError("loopback addresses only, not " + ip)
    settings = dict(base) if base is not None else {}
    settings.update({
        "listen_interfaces": "%s:%d" % (ip, port),
        "outgoing_interfaces": ip,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        # several peers of a test share 127.0.0.1
        "allow_multiple_connections_per_ip": True,
        "alert_mask": BASE_ALERTS,
    })
    settings.update(extra or {})
    return settings


def loopback_session(ip="127.0.0.1", port=0, extra=None, base=None):
    """A libtorrent session with loopback_settings(ip, port, extra, base)."""
    return lt.session(loopback_settings(ip, port, extra, base))


#: Per session (by id): the read end of the pipe libtorrent writes to when alerts arrive, polled.
_alert_pipes = {}


def wait_for_alerts(ses, timeout_ms):
    """Returns once `ses` has alerts to pop, or after `timeout_ms`. Use instead of
    session.wait_for_alert: the binding turns the alert pointer it returns into a Python object
    after the wait, by which time libtorrent's network thread may have moved that alert (its
    queue grows by reallocating); python3-libtorrent 2.0.8 segfaulted there in 1 of 60 runs.
    libtorrent writes a byte to our pipe when its queue becomes non-empty (set_alert_fd)."""
    entry = _alert_pipes.get(id(ses))
    if entry is None:
        fd, w = os.pipe()
        os.set_blocking(fd, False)
        os.set_blocking(w, False)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        ses.set_alert_fd(w)
        _alert_pipes[id(ses)] = (fd, poller)
        return  # alerts queued before the pipe existed may have written nothing: pop now
    fd, poller = entry
    poller.poll(timeout_ms)
    try:
        os.read(fd, 4096)
    except BlockingIOError:
        pass


def started_torrent_params(torrent_path, save_path):
    """add_torrent_params for `torrent_path` over `save_path`, neither auto-managed nor paused
    (a test peer must start at once, whatever the session's queueing limits)."""
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent_path)
    atp.save_path = save_path
    atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
    return atp


def stdin_closed():
    """An Event set once stdin closes: the process that started us went away."""
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()
    return closed


def fail(message, hard=False):
    """Prints "ERROR <message>" on stdout and exits 1; `hard` skips interpreter clean-up
    (no waiting on the session's threads)."""
    print("ERROR " + message, flush=True)
    if hard:
        os._exit(1)
    sys.exit(1)


def exit_if_fatal(alert, hard=False):
    """fail() with the alert's message if it is one of FATAL_ALERTS."""
    if isinstance(alert, FATAL_ALERTS):
        fail(alert.message(), hard)


def mismatch_message(status):
    """What to say when the hash check found the data under save_path incomplete."""
    return "data does not match the torrent (progress %.3f)" % status.progress


def seed_until_stdin_closes(ses, handle):
    """Waits for the hash check, prints "READY <port>" once seeding (or fails if the data does
    not match), then keeps seeding until stdin closes."""
    stop = stdin_closed()
    ready = False
    while not stop.is_set():
        wait_for_alerts(ses, 200)
        for alert in ses.pop_alerts():
            exit_if_fatal(alert)
        status = handle.status()
        if not ready and status.is_seeding and ses.listen_port() > 0:
            ready = True
            print("READY %d" % ses.listen_port(), flush=True)
        elif not ready and status.state == lt.torrent_status.downloading:
            fail(mismatch_message(status))
    os._exit(0)
