"""Pure helper: read a Markdown file's front matter exactly as Pelican's Markdown reader
does (Python-Markdown's ``meta`` extension), but keep the line of every field.

Rules (the same as Python-Markdown's): an optional ``---`` first line; then
``Key: value`` lines; a line indented by 4+ spaces continues the field above; the
front matter ends at the first blank line (or ``---`` / ``...``). The first line that is
none of these also ends it, and that line and everything after it become page text,
which is the silent mistake we report as ``stray``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")


@dataclass
class Field:
    name: str  # lower case, as Pelican sees it
    label: str  # as written in the file (Consent_date)
    value: str
    line: int
    extra_lines: list[int] = field(default_factory=list)  # continuation lines
    repeats: list[int] = field(default_factory=list)  # lines where it is written again


@dataclass
class Source:
    path: str
    text: str
    fields: dict[str, Field]
    body_line: int  # the line the page text starts on (1-based)
    stray: tuple[int, str] | None = None  # a line that ended the front matter too early

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def value(self, name: str) -> str | None:
        found = self.fields.get(name)
        return found.value if found else None

    def line_of(self, needle: str, default: int | None = None) -> int:
        """The first line of the page text that contains needle (1-based)."""
        for number, text in enumerate(self.lines, start=1):
            if number >= self.body_line and needle in text:
                return number
        return default if default is not None else self.body_line


def parse(text: str, path: str = "") -> Source:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    fields: dict[str, Field] = {}
    index, current, stray = 0, None, None
    if lines and BEGIN_RE.match(lines[0]):
        index = 1
    while index < len(lines):
        line = lines[index]
        number = index + 1
        if line.strip() == "" or END_RE.match(line):
            index += 1
            break
        match = META_RE.match(line)
        if match:
            key = match["key"]
            name = key.lower().strip()
            if name in fields:
                fields[name].repeats.append(number)
            else:
                fields[name] = Field(name, key, match["value"].strip(), number)
            current = fields[name]
        else:
            more = META_MORE_RE.match(line)
            if more and current is not None:
                current.extra_lines.append(number)
            else:
                if fields:  # a stray line inside the front matter, not the start of the text
                    stray = (number, line.strip())
                break
        index += 1
    return Source(path, text, fields, index + 1 if index < len(lines) else len(lines) + 1, stray)


def read(path: str) -> Source:
    with open(path, encoding="utf-8-sig") as handle:
        return parse(handle.read(), path)
