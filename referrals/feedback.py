"""'Was this page helpful?': what a feedback post may hold, and how a comment is made safe.

The form is on every page of the site (referrals/templates/feedback_form.html). It asks
yes or no and an optional comment, and nothing else: no name, no contact details, no
cookie. The service keeps, for each answer, the page it is about, yes or no, the day
(in the charity's time zone, no time of day) and, if there is one, the comment, with
obvious phone numbers, email addresses and postcodes masked and then sealed to the intake
team's key like a referral (docs/referrals.md says why). It never keeps the sender's IP
address: the rate limit uses a keyed hash of it, in memory only.

Nothing here does I/O; feedback_app.py serves the form and feedback_store.py stores it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

PATH = "/feedback/"  # POST here (the service); GET shows the form on a page of its own
THANKS_PATH = "/feedback/thank-you/"  # a static page of the built site
GENERAL_PAGE = PATH  # feedback about the whole website, or about a page we cannot name
COMMENT_MAX_CHARS = 1000
# As for the referral form (and the proxy's limit): a comment far over 1,000 characters
# still comes back to be shortened, every word kept, rather than being refused unread.
MAX_BODY_BYTES = 64 * 1024
ANSWERS = ("yes", "no")
PAGE_MAX_CHARS = 300

_EMAIL = re.compile(r"[\w.%+'-]+@(?:[\w-]+\.)+[^\W\d_]{2,}")
# 9 or more digits, with the spaces, dots, dashes and brackets people put between them
# (07700 900 982, +44 (0)1865-000000). Short service numbers (999, 111, 116 123) stay.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ \t.()\-/]*\d){8,}(?!\w)")
# A full UK postcode (OX11 7AB, SW1A 1AA): the outward and inward parts together.
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
MASKS = (
    ("email", _EMAIL, "[email address removed]"),
    ("phone", _PHONE, "[phone number removed]"),
    ("postcode", _POSTCODE, "[postcode removed]"),
)


@dataclass(frozen=True)
class Masked:
    text: str
    removed: dict[str, int]  # kind -> how many were masked ({"phone": 1})


def mask_personal(text: str) -> Masked:
    """The comment with obvious email addresses, phone numbers and UK postcodes replaced.

    Emails go first, so the digits in one are never read as a phone number. This catches
    what people commonly type; it cannot find every detail that identifies someone, which
    is why comments are also sealed."""
    removed: dict[str, int] = {}
    for kind, pattern, replacement in MASKS:
        text, count = pattern.subn(replacement, text)
        if count:
            removed[kind] = count
    return Masked(text, removed)


@dataclass
class FeedbackPost:
    """A checked post. ``errors``: field -> error code ("missing", "too_long"), in page order."""

    page: str
    helpful: str  # "yes" or "no" ("" when missing)
    comment: str  # as typed, cleaned of control characters (shown back after an error)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")


def site_page(site_dir: Path, page: str) -> str:
    """The page a post is about, if it is a page of the built site; otherwise GENERAL_PAGE.

    Only a path of a built HTML page is kept as it is ("/get-support/", "/404.html"), so the
    plain ``page`` column can never hold anything a person typed."""
    page = (page or "").strip()
    if not page.startswith("/") or len(page) > PAGE_MAX_CHARS or not re.fullmatch(r"[A-Za-z0-9/_.\-]+", page):
        return GENERAL_PAGE
    if "//" in page or any(part in ("..", ".") for part in page.split("/")):
        return GENERAL_PAGE
    relative = page.lstrip("/") + ("index.html" if page.endswith("/") else "")
    if not relative.endswith(".html"):
        return GENERAL_PAGE
    root = Path(site_dir).resolve()
    try:
        target = (root / relative).resolve()
    except (OSError, RuntimeError):
        return GENERAL_PAGE
    return page if target.is_file() and root in target.parents else GENERAL_PAGE


def read_post(form: Mapping[str, str], site_dir: Path) -> FeedbackPost:
    """Check a posted feedback form (the first value of each name, as app._read_form gives)."""
    comment = _CONTROL.sub("", (form.get("comment") or "").replace("\r\n", "\n").replace("\t", " ")).strip()
    post = FeedbackPost(site_page(site_dir, form.get("page", "")), (form.get("helpful") or "").strip(), comment)
    if post.helpful not in ANSWERS:
        post.helpful = ""
        post.errors["helpful"] = "missing"
    if len(comment) > COMMENT_MAX_CHARS:
        post.errors["comment"] = "too_long"
    return post


class ClientKey:
    """A keyed hash of the client's address, for the in-memory rate limit: the address
    itself is never stored, and the key (random per process) is never written anywhere."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def __call__(self, address: str) -> str:
        return hmac.new(self._key, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
