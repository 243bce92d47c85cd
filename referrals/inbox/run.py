"""Running the inbox: alone (`python -m referrals inbox`), or beside the site and form in one
process for development (`python -m referrals dev`, which `make serve` runs).

Two uvicorn servers in one process share one signal handler: Ctrl+C or SIGTERM stops both.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import uvicorn

UVICORN = dict(proxy_headers=False, server_header=False, log_level="info", timeout_graceful_shutdown=10)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `serve_together`."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def serve_together(apps: list[tuple[object, str, int]]) -> None:
    """Serve each (ASGI app, host, port) until SIGINT or SIGTERM; blocks. The first is the main
    one: if another cannot start (its port is taken), the rest carry on without it."""
    servers = [_Server(uvicorn.Config(app, host=host, port=port, **UVICORN)) for app, host, port in apps]

    async def run(index: int, server: _Server) -> None:
        try:
            await server.serve()
        except SystemExit:
            if index == 0:
                raise
            _, host, port = apps[index]
            print(f"  The staff inbox could not start on {host}:{port} (is the port in use?); the site carries on.", flush=True)

    async def main() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            for server in servers:
                server.should_exit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        await asyncio.gather(*(run(i, server) for i, server in enumerate(servers)))

    asyncio.run(main())


def serve_inbox(host: str, port: int) -> None:
    """`python -m referrals inbox`: the inbox alone, settings from REFERRALS_* variables."""
    from .app import create_app

    uvicorn.run(create_app(), host=host, port=port, **UVICORN)
