"""Connection floods and slow clients are shed quietly; real parents still get through.

The real `python -m referrals serve`, limited to 100 file descriptors (RLIMIT_NOFILE, as
`ulimit -n 100`), held by 150 connections that each sent half a POST (the issue's input).
Before, the event loop logged a traceback for every failed accept: about 157,000 in 18 s.
"""

from __future__ import annotations

import logging
import resource
import socket
import time

import httpx
import pytest

from referrals import logs
from referrals.form_definition import PAGE_PATH
from referrals.server import ServerLimitsError, connection_bound

from referral_helpers import free_port, serve_env, start_server, valid_answers

HALF_POST = (
    b"POST /get-support/refer-yourself/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\nfull_name=Half"
)
FLOOD = 150
HOLD_SECONDS = 12


def limited_server(tmp_path, referral_site, keys, nofile=100, **settings):
    port = free_port()
    (tmp_path / "data").mkdir(exist_ok=True)
    env = serve_env(port, tmp_path / "data" / "referrals.sqlite3", keys[1], referral_site, **settings)

    def limit_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    return start_server(["serve", "--port", str(port)], env, tmp_path / "server.log", port, preexec_fn=limit_descriptors)


def open_half_posts(port: int, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(HALF_POST)
        except OSError:
            pass  # refused or reset: the server shed it
        held.append(s)
    return held


def parent_post(url: str) -> int:
    with httpx.Client(base_url=url, headers={"Origin": url}, timeout=20) as http:
        return http.post(PAGE_PATH, data=valid_answers()).status_code


def test_a_flood_of_half_sent_posts_under_100_descriptors_is_shed_quietly(tmp_path, referral_site, keys):
    server = limited_server(tmp_path, referral_site, keys)
    try:
        before = server.log_path.stat().st_size
        lines_before = server.log().count("\n")
        started = time.monotonic()
        held = open_half_posts(server.port, FLOOD)
        time.sleep(2)
        during = parent_post(server.url)  # a real parent, while the flood holds every slot
        time.sleep(max(0, HOLD_SECONDS - (time.monotonic() - started)))
        grew = server.log_path.stat().st_size - before
        lines = server.log().count("\n") - lines_before
        for s in held:
            s.close()
        time.sleep(1)
        after = parent_post(server.url)
        health = httpx.get(f"{server.url}/healthz", timeout=10).status_code
        text = server.log()
    finally:
        server.stop()
    print(f"{FLOOD} half-sent POSTs held {HOLD_SECONDS} s under 100 descriptors: log grew {grew} bytes, {lines} lines")
    assert "Traceback" not in text
    assert lines <= 12 and grew <= 3000, f"the log grew {grew} bytes, {lines} lines:\n{text[-3000:]}"
    assert during == 303, "a parent gets through while the flood holds the connections"
    assert after == 303 and health == 200
    assert "ulimit -n 100" in text, "the bound below the descriptor limit is said at start-up"


def test_a_half_sent_post_a_slow_header_and_a_silent_connection_time_out(tmp_path, referral_site, keys):
    server = limited_server(tmp_path, referral_site, keys, nofile=1024, request_timeout_seconds=5)
    try:
        sockets = {
            "half-sent body": HALF_POST,
            "half-sent headers": b"POST /get-support/refer-yourself/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
            "nothing sent": b"",
        }
        opened = {}
        for name, data in sockets.items():
            s = socket.create_connection(("127.0.0.1", server.port), timeout=20)
            if data:
                s.sendall(data)
            opened[name] = (s, time.monotonic())
        # A kept-alive connection: one whole request, then half of the next.
        kept = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert b" 200 " in kept.recv(4096)
        kept.sendall(HALF_POST)
        opened["half-sent after a kept-alive request"] = (kept, time.monotonic())
        closed_after = {}
        for name, (s, since) in opened.items():
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
            closed_after[name] = time.monotonic() - since
            s.close()
        assert parent_post(server.url) == 303
    finally:
        server.stop()
    print("closed after (s):", {k: round(v, 1) for k, v in closed_after.items()})
    for name, seconds in closed_after.items():
        assert 4.5 <= seconds < 12, f"{name}: closed after {seconds:.1f} s (time-out 5 s)"


def test_the_bound_leaves_room_for_the_database_and_refuses_a_hopeless_limit():
    assert connection_bound(200, 1024) == 200
    assert connection_bound(200, 100) == 100 - 32 - 12
    with pytest.raises(ServerLimitsError, match="ulimit -n"):
        connection_bound(200, 40)


def test_one_line_per_kind_per_interval_with_a_count():
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    now = [0.0]
    limiter = logs.OncePerInterval(60, clock_fn=lambda: now[0])
    handler = Keep()
    handler.addFilter(limiter)
    limiter.handler = handler
    # A plain logger: importing Pelican (the site fixtures do) gives new loggers a filter of its own.
    logger = logging.Logger("referrals.test-flood", logging.INFO)
    logger.addHandler(handler)
    try:
        for n in range(1000):
            now[0] = n * 0.01
            logger.info("form post abandoned: %s", "the browser went away")
            logger.warning("other kind %d", n)
        logger.info("referral %s stored", "AAAA-0001", extra={"each": True})
        logger.info("referral %s stored", "AAAA-0002", extra={"each": True})
        assert records == [
            "form post abandoned: the browser went away",
            "other kind 0",
            "referral AAAA-0001 stored",
            "referral AAAA-0002 stored",
        ]
        now[0] = 61
        limiter.flush()
        assert sorted(records[4:]) == [

            "form post abandoned: the browser went away (and 999 more like this in the last 61 s)",
            "other kind 999 (and 999 more like this in the last 61 s)",
        ]
        limiter.flush()
        logger.info("form post abandoned: %s", "again")
        assert len(records) == 6, "nothing held back: no count line; the next one waits its interval"
        now[0] = 122
        logger.info("form post abandoned: %s", "later")
        assert records[-1] == "form post abandoned: later (and 1 more like this in the last 61 s)"
    finally:
        logger.removeHandler(handler)
