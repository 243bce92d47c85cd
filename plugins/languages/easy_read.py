"""Pure helpers: the Easy Read checks, on the Markdown of one page.

Easy Read (the guidance of Mencap and the Department of Health, "Making written information
easier to understand"): one idea to a sentence, sentences of 10 to 15 words, a picture for
each idea beside the words, a hard word only with its meaning. The build checks what can
be checked, on the page's Markdown so each message names its line:

- every sentence has at most ``EASY_READ_MAX_WORDS`` words (15);
- every section (the text before the first ``##`` heading, and each ``##`` section) has a
  picture, and every picture has alt text of at least ``EASY_READ_MIN_ALT_WORDS`` words
  that is not the file's name (content_checks also refuses "image", "photo" and the like);
- no word from the hard words list (``hard_words`` in content/data/easy_read.yml, each with
  an easier word or the meaning to use) unless the page explains it: the first time it is
  used it is in bold, and the same paragraph goes on to say what it means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from content_checks.body import GENERIC_ALT
from content_checks.rules import Issue

DEFAULTS = {"EASY_READ_MAX_WORDS": 15, "EASY_READ_MIN_ALT_WORDS": 3}
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)[^)]*\)")
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\([^)]*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'’”)]*\s+")
WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
TOKEN = re.compile(r"\{(impact|contact|times|crisis):[a-z0-9_]+\}")


@dataclass
class Block:
    """A paragraph or list item of the page: its first line and its text."""

    line: int
    text: str


def _plain(text: str) -> str:
    """Markdown inline syntax out: link text kept, pictures and markers removed."""
    text = IMAGE.sub("", text)
    text = LINK.sub(lambda m: m["text"], text)
    text = TOKEN.sub("1", text)  # a figure or a phone number counts as one word
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text).strip()


def blocks(lines: list[str], first_line: int) -> list[Block]:
    """Paragraphs and list items (headings and callout markers are not prose)."""
    found: list[Block] = []
    current: Block | None = None
    for number, raw in enumerate(lines, start=first_line):
        line = raw.strip()
        starts_item = bool(re.match(r"^(?:[-*+]|\d+[.)])\s+", line))
        if not line or HEADING.match(line) or line.startswith("!!!") or starts_item:
            if current and current.text.strip():
                found.append(current)
            current = None
            if starts_item:
                current = Block(number, line)
            continue
        if current is None:
            current = Block(number, line)
        else:
            current.text += " " + line
    if current and current.text.strip():
        found.append(current)
    return found


def sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(_plain(text)) if part.strip()]


def words(sentence: str) -> int:
    return len(WORD.findall(sentence))


def sections(lines: list[str], first_line: int) -> list[tuple[int, str, list[str]]]:
    """(first line, heading or "", lines) for the text before the first ## and each ## section."""
    found: list[tuple[int, str, list[str]]] = [(first_line, "", [])]
    for number, line in enumerate(lines, start=first_line):
        match = HEADING.match(line.strip())
        if match and len(match.group(1)) == 2:
            found.append((number, match.group(2).strip(), []))
        else:
            found[-1][2].append(line)
    return [(line, heading, body) for line, heading, body in found if heading or any(b.strip() for b in body)]


def check(src, html: str, settings: dict, hard_words: dict[str, str] | None = None) -> list[Issue]:
    """Every Easy Read problem of one file (``src``: content_checks.frontmatter.Source)."""
    limit = int(settings.get("EASY_READ_MAX_WORDS", DEFAULTS["EASY_READ_MAX_WORDS"]))
    min_alt = int(settings.get("EASY_READ_MIN_ALT_WORDS", DEFAULTS["EASY_READ_MIN_ALT_WORDS"]))
    if hard_words is None:
        hard_words = dict((settings.get("DATA") or {}).get("easy_read", {}).get("hard_words") or {})
    lines = src.lines[src.body_line - 1:]
    issues: list[Issue] = []
    for block in blocks(lines, src.body_line):
        for sentence in sentences(block.text):
            count = words(sentence)
            if count > limit:
                shown = sentence if len(sentence) <= 90 else sentence[:87] + "..."
                issues.append(Issue(src.path, block.line, "body",
                                    f'this sentence has {count} words; Easy Read sentences have {limit} at most: "{shown}"',
                                    "Split it into shorter sentences, with one idea in each"))
    for line, heading, body in sections(lines, src.body_line):
        pictures = [(n, m) for n, text in enumerate(body) for m in IMAGE.finditer(text)]
        where = f'the section "{heading}"' if heading else "the text before the first heading"
        if not pictures:
            issues.append(Issue(src.path, line, "image", f"{where} has no picture; Easy Read gives each part a "
                                "picture beside its words",
                                "Add one of our pictures, with a sentence that says what it shows: "
                                "![A parent talking with a helper]({static}/images/easy-read/talking.svg)"))
        for _, match in pictures:
            alt = match["alt"].strip()
            name = match["src"].rsplit("/", 1)[-1]
            said_elsewhere = (not alt or alt.lower() in (name.lower(), name.rsplit(".", 1)[0].lower())
                              or alt.lower().rstrip(".") in GENERIC_ALT)  # content_checks' messages (body.py)
            if not said_elsewhere and words(alt) < min_alt:
                issues.append(Issue(src.path, src.line_of(match.group(0), line), "image",
                                    f'the alt text "{alt}" does not say what the picture shows',
                                    f"Describe it in a short sentence of {min_alt} words or more, for example "
                                    '"A parent holding a baby and smiling"'))
    issues += _hard_words(src, lines, hard_words)
    return issues


def _forms(word: str) -> str:
    """A regular expression for a word and its usual English endings: therapist(s),
    refer(s), refer(r)ed, refer(r)ing."""
    return rf"{re.escape(word)}(?:{re.escape(word[-1])})?(?:s|es|ed|d|ing)?"


def _hard_words(src, lines: list[str], hard_words: dict[str, str]) -> list[Issue]:
    issues = []
    found_blocks = blocks(lines, src.body_line)
    for word, easier in sorted(hard_words.items()):
        pattern = re.compile(rf"(?<![\w-])(\*\*|__)?{_forms(str(word))}(\*\*|__)?(?![\w-])", re.I)
        for number, raw in enumerate(lines, start=src.body_line):
            heading = HEADING.match(raw.strip())
            if heading and pattern.search(heading.group(2)):
                issues.append(Issue(src.path, number, "heading",
                                    f'"{word}" is on the list of hard words (content/data/easy_read.yml), and a heading '
                                    "cannot explain it", f"Use an easier word in the heading ({easier}); explain the "
                                    "hard word in the text below it, if it is needed at all"))
        first = next(((block, match) for block in found_blocks for match in [pattern.search(block.text)] if match), None)
        if first is None:
            continue
        block, match = first
        bold = bool(match.group(1) and match.group(2))
        after = block.text[match.end():]
        explained = bold and len(sentences(after)) >= 1 and words(" ".join(sentences(after))) >= 3
        if not explained:
            issues.append(Issue(src.path, block.line, "body",
                                f'"{word}" is on the list of hard words (content/data/easy_read.yml) and is not explained',
                                f"Use an easier word ({easier}), or write it in bold the first time and say what it "
                                f"means straight after, in the same paragraph (**{word}** means {easier})"))
    return issues
