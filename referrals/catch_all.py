"""The last line of defence of an ASGI app: an unexpected error becomes a page, not a traceback.

Used by the referral service (referrals/app.py) and the staff inbox (referrals/inbox/app.py),
each with its own log line and page. Nothing is re-raised, so the server prints no
traceback either; if the response had already started, the error is logged and the
connection simply ends.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def where(exc: BaseException) -> str:
    """The file name and line where ``exc`` was raised ("app.py:120"), or "?"."""
    tb = exc.__traceback__
    while tb and tb.tb_next:
        tb = tb.tb_next
    return f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else "?"


class CatchAll:
    """ASGI middleware. Subclasses say what to log (``report``: one line, never anything a
    person typed) and what to answer (``answer``: a Response for the request's scope)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    def report(self, exc: Exception) -> None:
        raise NotImplementedError

    def answer(self, scope: Scope) -> Response:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def track(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, track)
        except Exception as exc:
            self.report(exc)
            if not started:
                await self.answer(scope)(scope, receive, send)
