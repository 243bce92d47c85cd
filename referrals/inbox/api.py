"""The JSON the inbox page uses. Every answer holds only what the server may hold: sealed
copies (base64), references, statuses, times, staff ids and names, spam marks. Every change
needs a signed-in session, the session's CSRF token (X-CSRF-Token) and the inbox's own
origin; each writes its audit row (inbox_store.py). Opening a referral and exporting are
audited too: the server cannot see what was read, only that it was fetched to be read.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import crypto, form_definition
from ..inbox_store import InboxReferral, NotFound
from ..store import STATUSES
from . import sessions
from .times import when

if TYPE_CHECKING:
    from .app import Inbox

STATUS_LABELS = {
    "new": "New",
    "contacted": "Contacted",
    "handled": "Handled",
    "signposted": "Not for us, signposted",
}
EXPIRED = {
    "idle": "You were signed out after a while without using the inbox.",
    "absolute": "Your session reached its time limit.",
}
TRAIL_ACTIONS = {"opened": "Opened", "export": "Downloaded in a spreadsheet"}
MAX_NOTE_COPY = 24 * 1024  # a sealed note of up to 10,000 characters, with room to spare
MAX_EXPORT = 1000


def trail_text(action: str, detail: str, names: dict[str, str]) -> str:
    """One audit row of a referral in words for a person: "Status changed from New to
    Contacted", "Assigned to Kim Park", "Note added". The stored detail stays as written
    (ids and status values, see inbox_store.py); an action or detail not known here is
    shown as stored."""
    if action == "status":
        old, _, new = detail.partition(" -> ")
        if old in STATUS_LABELS and new in STATUS_LABELS:
            return f"Status changed from {STATUS_LABELS[old]} to {STATUS_LABELS[new]}"
    if action == "assigned" and detail.startswith("to "):
        who = detail[3:]
        return "Assigned to nobody" if who == "nobody" else f"Assigned to {names.get(who, who)}"
    if action == "note":
        return "Note added"
    label = TRAIL_ACTIONS.get(action, action)
    return f"{label}: {detail}" if detail else label


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def form_json() -> dict:
    """The form as the parent saw it, for laying a referral out: questions in page order."""
    fields = []
    for f in form_definition.field_order():
        fields.append({
            "name": f.name, "kind": f.kind, "label": f.label, "nested": f.nested, "parts": list(f.part_names()),
            "options": [{"value": o.value, "label": o.label, "reveals": list(o.reveals)} for o in f.options],
        })
    groups = [{"legend": g.legend, "fields": list(g.fields)} for g in form_definition.GROUPS]
    return {"version": form_definition.FORM_VERSION, "fields": fields, "groups": groups}


class Api:
    def __init__(self, inbox: "Inbox"):
        self.inbox = inbox
        self.store = inbox.store

    async def _who(self, request: Request, change: bool = False):
        """(session, member) or the JSON refusal to send back."""
        session, member, expired = await self.inbox.staff_session(request)
        if member is None:
            reason = f"expired-{expired}" if expired else "signed-out"
            text = EXPIRED.get(expired, "You are not signed in.") + " Sign in again to carry on."
            return None, JSONResponse({"reason": reason, "message": text, "next": f"/sign-in?reason={reason}"}, status_code=401)
        if change and not (
            sessions.same_origin(request, self.inbox.inbox) and sessions.csrf_ok(session, request.headers.get("x-csrf-token"))
        ):
            return None, JSONResponse({
                "reason": "csrf",
                "message": "This change was refused: the page's security token did not match, so nothing was changed."
                           " Reload the page and try again.",
            }, status_code=403)
        return (session, member), None

    async def _body(self, request: Request) -> dict | None:
        from .app import _read_body

        raw = await _read_body(request)
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def _summary(self, r: InboxReferral, names: dict[str, str]) -> dict:
        zone = self.inbox.settings.zone
        return {
            "reference": r.reference,
            "received": r.received_at.isoformat(),
            "received_text": when(r.received_at, zone),
            "status": r.status,
            "status_text": STATUS_LABELS[r.status],
            "assignee": r.assignee,
            "assignee_name": names.get(r.assignee, r.assignee) if r.assignee else "",
            "spam": list(r.flags),
            "copies": {key_id: _b64(sealed) for key_id, sealed in r.copies.items()},
        }

    async def _names(self) -> dict[str, str]:
        return {m.id: m.name for m in await run_in_threadpool(self.store.staff, True)}

    # -- reading -------------------------------------------------------------------------
    async def me(self, request: Request) -> Response:
        who, refusal = await self._who(request)
        if refusal:
            return refusal
        _, member = who
        colleagues = await run_in_threadpool(self.store.staff)
        keys = {"team": _key(self.inbox.team_key)}
        if self.inbox.recovery_key is not None:
            keys["recovery"] = _key(self.inbox.recovery_key)
        return JSONResponse({
            "staff": {"id": member.id, "name": member.name},
            "colleagues": [{"id": m.id, "name": m.name} for m in colleagues if m.signed_up or m.id == member.id],
            "keys": keys,
            "statuses": [{"value": s, "label": STATUS_LABELS[s]} for s in STATUSES],
            "key_idle_minutes": self.inbox.inbox.key_idle_minutes,
            "zone": self.inbox.settings.timezone,
        })

    async def form(self, request: Request) -> Response:
        who, refusal = await self._who(request)
        return refusal or JSONResponse(form_json())

    async def referrals(self, request: Request) -> Response:
        who, refusal = await self._who(request)
        if refusal:
            return refusal
        status = request.query_params.get("status") or None
        if status not in (None, *STATUSES):
            return JSONResponse({"message": "Unknown status"}, status_code=400)
        rows = await run_in_threadpool(self.store.referrals, status)
        names = await self._names()
        return JSONResponse({"referrals": [self._summary(r, names) for r in rows]})

    async def referral(self, request: Request) -> Response:
        who, refusal = await self._who(request)
        if refusal:
            return refusal
        _, member = who
        reference = request.path_params["reference"].upper()
        try:
            row = await run_in_threadpool(self.store.referral, reference)
        except NotFound:
            return JSONResponse({"message": f"There is no referral {reference}. It may have been deleted after it was closed."}, status_code=404)
        await run_in_threadpool(self.store.record, "opened", member.id, self.inbox.now(), reference)
        return await self._detail(row)

    async def _detail(self, row: InboxReferral) -> Response:
        names = await self._names()
        zone = self.inbox.settings.zone
        notes = await run_in_threadpool(self.store.notes, row.reference)
        trail = await run_in_threadpool(self.store.audit_trail, row.reference)
        return JSONResponse({
            **self._summary(row, names),
            "notes": [
                {"id": n.id, "staff_id": n.staff_id, "staff_name": names.get(n.staff_id, n.staff_id),
                 "created_text": when(n.created_at, zone), "copies": {k: _b64(v) for k, v in n.copies.items()}}
                for n in notes
            ],
            "trail": [
                {"at_text": when(a.at, zone), "staff_id": a.staff_id, "staff_name": names.get(a.staff_id or "", a.staff_id or ""),
                 "action": a.action, "detail": a.detail, "text": trail_text(a.action, a.detail, names)}
                for a in trail
            ],
        })

    # -- changing ------------------------------------------------------------------------
    async def set_status(self, request: Request) -> Response:
        return await self._change(request, self._status)

    async def assign(self, request: Request) -> Response:
        return await self._change(request, self._assign)

    async def add_note(self, request: Request) -> Response:
        return await self._change(request, self._note)

    async def _change(self, request: Request, action) -> Response:
        who, refusal = await self._who(request, change=True)
        if refusal:
            return refusal
        body = await self._body(request)
        if body is None:
            return JSONResponse({"message": "That could not be read. Reload the page and try again."}, status_code=400)
        reference = request.path_params["reference"].upper()
        try:
            problem = await action(reference, body, who[1].id)
        except NotFound as exc:
            return JSONResponse({"message": str(exc)}, status_code=404)
        if problem:
            return JSONResponse({"message": problem}, status_code=400)
        return await self._detail(await run_in_threadpool(self.store.referral, reference))

    async def _status(self, reference: str, body: dict, staff_id: str) -> str:
        status = body.get("status")
        if status not in STATUSES:
            return "Choose a status"
        await run_in_threadpool(self.store.set_status, reference, status, staff_id, self.inbox.now())
        return ""

    async def _assign(self, reference: str, body: dict, staff_id: str) -> str:
        assignee = body.get("assignee") or None
        if assignee is not None and not isinstance(assignee, str):
            return "Choose who it is for"
        await run_in_threadpool(self.store.assign, reference, assignee, staff_id, self.inbox.now())
        return ""

    async def _note(self, reference: str, body: dict, staff_id: str) -> str:
        copies = body.get("copies")
        wanted = [crypto.key_id(self.inbox.team_key)]
        if self.inbox.recovery_key is not None:
            wanted.append(crypto.key_id(self.inbox.recovery_key))
        if not isinstance(copies, dict) or sorted(copies) != sorted(wanted):
            return "The note must be sealed to the team's key" + (" and the recovery key" if len(wanted) > 1 else "")
        try:
            raw = {k: base64.b64decode(copies[k], validate=True) for k in wanted}
        except (ValueError, TypeError):
            return "The note could not be read"
        if any(not (48 < len(v) <= MAX_NOTE_COPY) for v in raw.values()):
            return "Notes can be up to 10,000 characters"
        await run_in_threadpool(self.store.add_note, reference, raw, staff_id, self.inbox.now())
        return ""

    async def exported(self, request: Request) -> Response:
        who, refusal = await self._who(request, change=True)
        if refusal:
            return refusal
        body = await self._body(request)
        references = body.get("references") if body else None
        if not isinstance(references, list) or not references or len(references) > MAX_EXPORT:
            return JSONResponse({"message": "Choose the referrals to download first."}, status_code=400)
        known = {r.reference for r in await run_in_threadpool(self.store.referrals)}
        chosen = [str(r).upper() for r in references if str(r).upper() in known]
        now = self.inbox.now()
        for reference in chosen:
            await run_in_threadpool(self.store.record, "export", who[1].id, now, reference, f"CSV of {len(chosen)}")
        return JSONResponse({"recorded": chosen})


def _key(public_key) -> dict:
    return {"key_id": crypto.key_id(public_key), "public_key": _b64(bytes(public_key))}


def routes(inbox: "Inbox") -> list[Route]:
    api = Api(inbox)
    one = "/api/referrals/{reference:str}"
    return [
        Route("/api/me", api.me, methods=["GET"]),
        Route("/api/form", api.form, methods=["GET"]),
        Route("/api/referrals", api.referrals, methods=["GET"]),
        Route(one, api.referral, methods=["GET"]),
        Route(one + "/status", api.set_status, methods=["POST"]),
        Route(one + "/assign", api.assign, methods=["POST"]),
        Route(one + "/notes", api.add_note, methods=["POST"]),
        Route("/api/export", api.exported, methods=["POST"]),
    ]
