"""How `serve` runs the app under uvicorn so that floods and slow clients are shed quietly.

- Bounded connections: at most `max_connections` open at once, kept below the process's
  open-file limit (RLIMIT_NOFILE, `ulimit -n`) with room for the database, the email
  sender and the listening socket, so the service never runs out of file descriptors.
  When full, a new connection pushes out the one that has waited longest for its request
  (a slow or stalled client) rather than being refused; only when every connection is busy
  with a request the app is answering is the new one closed.
- Time-outs: the whole request (headers and body) must arrive within `request_timeout`
  seconds of the connection opening, or of the first byte of the next request on a
  kept-alive connection; an idle kept-alive connection closes after KEEP_ALIVE_SECONDS.
  A half-sent POST is closed when its time is up.
- Quiet logs: the log says what happened once per kind and interval (referrals/logs.py),
  and the event loop's "out of file descriptors" errors are one line, not a traceback each.

Nginx in front does the same for the outside world (it buffers each request whole before
passing it on); these bounds protect the service itself, whoever reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("referrals.server")

KEEP_ALIVE_SECONDS = 5
RESERVED_FDS = 32  # standard streams, SQLite (3) or PostgreSQL's pool (10), SMTP, epoll, listener, imports
MAX_BACKLOG = 128


class ServerLimitsError(Exception):
    """The process cannot hold even a few connections (the open-file limit is too low)."""


def open_file_limit() -> int:
    """The soft RLIMIT_NOFILE (`ulimit -n`); "unlimited" counts as a large number."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return 1 << 20 if soft == resource.RLIM_INFINITY or soft < 0 else soft


def listen_backlog(nofile: int) -> int:
    """Connections accepted in one go: each takes a descriptor before it can be shed."""
    return max(8, min(MAX_BACKLOG, nofile // 8))


def connection_bound(wanted: int, nofile: int) -> int:
    """`wanted` connections, or fewer if the open-file limit cannot hold them.

    Raises ServerLimitsError when the limit leaves room for fewer than 4 connections.
    """
    room = nofile - RESERVED_FDS - listen_backlog(nofile)
    if room < 4:
        raise ServerLimitsError(
            f"the open-file limit (ulimit -n) is {nofile}: too low to serve; "
            f"raise it to at least {RESERVED_FDS + listen_backlog(nofile) + 4} (systemd: LimitNOFILE=)"
        )
    return min(wanted, room)


class ConnectionGuard:
    """Shared by every connection of one server: the bound, the time-out and the counts."""

    def __init__(self, max_connections: int, request_timeout: float):
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.open: dict["GuardedH11Protocol", None] = {}  # in the order they opened

    def admit(self, new: "GuardedH11Protocol") -> None:
        self.open[new] = None
        if len(self.open) <= self.max_connections:
            return
        waiting = [c for c in self.open if c.waiting_since is not None]
        oldest = min(waiting, key=lambda c: c.waiting_since) if waiting else new
        log.warning("connections full (%d): closed one that had waited longest for its request", self.max_connections)
        oldest.shed()

    def gone(self, connection: "GuardedH11Protocol") -> None:
        self.open.pop(connection, None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a request deadline and a place in a ConnectionGuard."""

    guard: ConnectionGuard  # set on the subclass made by protocol_class()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.waiting_since: float | None = None  # when it began waiting for a request; None while one is answered
        self._deadline: asyncio.TimerHandle | None = None

    # -- the request deadline ---------------------------------------------------------------
    def _arm(self) -> None:
        self.waiting_since = time.monotonic()
        self._deadline = self.loop.call_later(self.guard.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        log.info("closed a connection whose request did not arrive within %.0f s", self.guard.request_timeout)
        self.shed()

    def shed(self) -> None:
        """Close this connection now; an app still waiting for its body sees the client leave."""
        self._disarm()
        self.waiting_since = None
        if not self.transport.is_closing():
            self.transport.abort()

    # -- uvicorn's hooks ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()
        self.guard.admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.guard.gone(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and self.conn.their_state is h11.IDLE and self.waiting_since is not None:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self._disarm()  # the whole request is in: the app's time is its own
            self.waiting_since = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.waiting_since = time.monotonic()  # idle until the next request (or keep-alive ends)


def protocol_class(guard: ConnectionGuard) -> type[GuardedH11Protocol]:
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"guard": guard})


def run(app, host: str, port: int, max_connections: int, request_timeout: float) -> None:
    """Serve `app` until stopped (SIGINT/SIGTERM), within the bounds above."""
    nofile = open_file_limit()
    bound = connection_bound(max_connections, nofile)
    if bound < max_connections:
        log.warning(
            "REFERRALS_MAX_CONNECTIONS is %d, but the open-file limit (ulimit -n %d) leaves room for %d: using %d",
            max_connections, nofile, bound, bound,
        )
    log.info("at most %d connections; a request must arrive within %.0f s", bound, request_timeout)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_class(ConnectionGuard(bound, request_timeout)),
        loop="asyncio",
        backlog=listen_backlog(nofile),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        proxy_headers=False,
        server_header=False,
        log_config=None,  # our handler (referrals/logs.py): one line per kind per interval
        log_level="info",
        access_log=False,  # the proxy keeps the access log; ours says what happened, per kind
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
