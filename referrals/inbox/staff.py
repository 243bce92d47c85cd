"""Staff accounts, managed from the CLI: add, remove, list, reset; one-time sign-up links.

A new member (or one reset after losing a phone or passkey) gets a link like
https://intake.example.org/sign-up/<token>. The link works once, for
REFERRALS_INBOX_SIGNUP_HOURS; the database keeps only the token's SHA-256, so a copy of
the database cannot be used to sign up. On that page the member makes a passkey, or a
password and an authenticator app's code.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from ..inbox_store import InboxBase

STAFF_ID = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


class StaffError(ValueError):
    """A staff command cannot be done; the message says why and what to do."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def check_id(staff_id: str) -> str:
    if not STAFF_ID.match(staff_id):
        raise StaffError(
            f"{staff_id!r} cannot be a staff id: use 2 to 32 lower-case letters, digits, dots, dashes"
            " or underscores, starting with a letter (for example sam or sam.taylor)"
        )
    return staff_id


def signup_link(origin: str, token: str) -> str:
    return f"{origin.rstrip('/')}/sign-up/{token}"


def add(store: InboxBase, staff_id: str, name: str, origin: str, hours: int, now: datetime, by: str) -> str:
    """Add a member; returns their one-time sign-up link."""
    check_id(staff_id)
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise StaffError("Give the member's name, up to 100 characters: --name \"Sam Taylor\"")
    token = secrets.token_urlsafe(32)
    store.add_staff(staff_id, name, token_hash(token), now + timedelta(hours=hours), now, by)
    return signup_link(origin, token)


def reset(store: InboxBase, staff_id: str, origin: str, hours: int, now: datetime, by: str) -> str:
    """Forget a member's sign-in methods and sign them out; returns a new one-time sign-up link."""
    token = secrets.token_urlsafe(32)
    store.reset_staff(check_id(staff_id), token_hash(token), now + timedelta(hours=hours), now, by)
    return signup_link(origin, token)
