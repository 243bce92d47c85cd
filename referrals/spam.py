"""Spam signals that never turn a real parent away.

- Time-trap token: the service signs the time it showed the form (the static page cannot
  be signed per visitor at build time, so the service serves the form page itself and
  puts a fresh token in it). A post back faster than a person could type, with no token,
  a forged token or a very old one is still stored, but marked for a person to check.
- Honeypot: a field hidden from people and from assistive technology; if it comes back
  filled, the referral is kept and marked.
- Origin: a post from another site is refused (that is cross-site request forgery, not a
  parent): a real Origin must be on the allow-list exactly, or be the very address the
  request was sent to (then the allow-list is wrong, and the service says so), and
  `Origin: null` (what browsers send under our no-referrer policy) is judged by
  Sec-Fetch-Site. No signal at all (old browsers, privacy tools) is kept and marked.
- Rate limit per client: over it, the referral is still kept, and marked. A client address
  can be shared by a whole family hub, or by everyone when the proxy in front is not trusted,
  so other people's posts must never turn a parent away.
- Flood bound: over all clients together, only so many referrals are kept per window
  (separately for clean and for marked ones, so a flood of marked spam cannot crowd out
  clean referrals); beyond it a post is held back with every answer kept and a phone
  number. This protects the disk; it is far above what a charity receives.
"""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "oxpip-referral-form-token"
FIRST_VIEW = "v"  # the form as first shown
RETRY_VIEW = "r"  # the form shown again after an error: the person has already spent time on it


@dataclass(frozen=True)
class TokenCheck:
    flag: str | None  # None when the token is good and the timing plausible
    form_id: str | None = None  # the form this token belongs to (kept across error pages); None if not good


class TimeTrap:
    """Signs and checks the form token (itsdangerous: HMAC with a server-side secret).

    A token carries its kind (first view or retry) and a random form id. The id stays the
    same on every error page of one form, so the service can tell the same form sent twice.
    """

    def __init__(self, secret: str, min_seconds: float, max_age_seconds: float):
        self._serializer = URLSafeTimedSerializer(secret, salt=_SALT)
        self.min_seconds = min_seconds
        self.max_age_seconds = max_age_seconds

    def issue(self, kind: str = FIRST_VIEW, form_id: str | None = None) -> str:
        return self._serializer.dumps([kind, form_id or secrets.token_urlsafe(12)])

    def check(self, token: str, now: float | None = None) -> TokenCheck:
        if not token:
            return TokenCheck("no-token")
        try:
            payload, issued = self._serializer.loads(token, max_age=self.max_age_seconds, return_timestamp=True)
        except SignatureExpired:
            return TokenCheck("old-token")
        except BadSignature:
            return TokenCheck("bad-token")
        if isinstance(payload, str):  # a token from before form ids: still good, just not recognisable
            kind, form_id = payload, None
        elif isinstance(payload, list) and len(payload) == 2 and isinstance(payload[1], str):
            kind, form_id = payload
        else:
            return TokenCheck("bad-token")
        if kind not in (FIRST_VIEW, RETRY_VIEW):
            return TokenCheck("bad-token")
        elapsed = (now or time.time()) - issued.timestamp()
        if kind == FIRST_VIEW and elapsed < self.min_seconds:
            return TokenCheck("fast", form_id)
        return TokenCheck(None, form_id)

    def for_retry(self, check: TokenCheck) -> str:
        """The token for a form shown again after an error: the same form id.

        A parent who came with a good token has already spent time on the form, so the new
        token skips the speed check. One who came without a good token starts the clock now.
        """
        return self.issue(RETRY_VIEW if check.flag in (None, "fast") else FIRST_VIEW, check.form_id)


class FloodGuard:
    """At most `count` kept referrals per `window_seconds` over all clients, counted apart for
    clean and for marked ones. `count` 0 turns it off. In memory, per process."""

    def __init__(self, count: int, window_seconds: float):
        self.count = count
        self.window = window_seconds
        self._kept: dict[bool, deque[float]] = {False: deque(), True: deque()}

    def allow(self, marked: bool, now: float | None = None) -> bool:
        """True (and counted) if one more referral of this kind may be kept now."""
        if self.count <= 0:
            return True
        now = time.monotonic() if now is None else now
        kept = self._kept[marked]
        while kept and kept[0] <= now - self.window:
            kept.popleft()
        if len(kept) >= self.count:
            return False
        kept.append(now)
        return True


class RateLimiter:
    """Sliding window per client key, bounded in memory (oldest clients forgotten first)."""

    def __init__(self, count: int, window_seconds: float, max_clients: int = 10_000):
        self.count = count
        self.window = window_seconds
        self.max_clients = max_clients
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str, now: float | None = None) -> bool:
        if self.count <= 0:
            return True
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(client, None) or deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        allowed = len(hits) < self.count
        if allowed:
            hits.append(now)
        self._hits[client] = hits
        while len(self._hits) > self.max_clients:
            self._hits.popitem(last=False)
        return allowed


def origin_verdict(origin: str | None, fetch_site: str | None, allowed: tuple[str, ...], host: str | None = None) -> str:
    """"ok", "unlisted" (fine, but the allow-list lacks it), "missing" (kept, marked) or "foreign" (refused).

    A real Origin must match the allow-list exactly, or be the address the request itself
    was sent to (`host`, the Host header): a browser on another site never sends that, so
    such a post is ours and only the allow-list is wrong ("unlisted"). Our pages use
    Referrer-Policy no-referrer, and with that policy browsers send `Origin: null` on a
    same-origin form post; then the browser's own Sec-Fetch-Site header (which no web page
    can forge) tells same-origin from cross-site. Old browsers that send neither are kept
    and marked.
    """
    if origin and origin != "null":
        if origin in allowed:
            return "ok"
        if host and origin in (f"https://{host}", f"http://{host}"):
            return "unlisted"
        return "foreign"
    site = (fetch_site or "").strip().lower()
    if site == "same-origin":
        return "ok"
    if site in ("cross-site", "same-site"):
        return "foreign"
    return "missing"


FORWARDING_HEADERS = ("X-Forwarded-For", "X-Forwarded-Proto", "Forwarded", "X-Real-IP")


def forwarded_by_untrusted_peer(peer: str | None, headers, trusted: tuple[str, ...]) -> str | None:
    """The first proxy header present (by name, of the lower-case names in `headers`) when
    `peer` is not a trusted proxy, else None.

    Such a request came through a reverse proxy the service was not told to trust
    (REFERRALS_TRUSTED_PROXIES): every parent then seems to share the proxy's address.
    """
    if peer and _is_trusted(peer, trusted):
        return None
    for name in FORWARDING_HEADERS:
        if name.lower() in headers:
            return name
    return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's IP: the peer, or the right-most untrusted X-Forwarded-For hop behind our proxy."""
    peer = peer or "unknown"
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
