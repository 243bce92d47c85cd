"""Cells that are safe to open in a spreadsheet (CSV injection, OWASP "CSV Injection").

A spreadsheet runs a cell as a formula when it starts with `=`, `+`, `-` or `@` (and some
treat a leading tab or carriage return the same way). It also splits a line into cells on
whatever separator its locale uses: `,` in English settings, `;` in much of Europe, tab,
`|`, and line breaks. So a value is made safe at every point where any of those could start
a new cell, not only at its first character, and every cell is quoted in the file.

The staff inbox's in-browser CSV follows exactly the same rule; both are tested against
tests/referrals/data/formula_safety_cases.json.
"""

from __future__ import annotations

SEPARATORS = frozenset(",;\t|\r\n")  # where a spreadsheet may start a new cell
TRIGGERS = frozenset("=+-@\t\r")  # a cell starting with one of these may run as a formula


def formula_safe(cell: object) -> str:
    """`cell` as text, with `'` put in front of every part a spreadsheet could run.

    A part starts at the beginning of the text and right after each separator; leading
    spaces do not count (a spreadsheet may trim them), so `'` goes just before the first
    other character when that is a trigger. None is "". The staff inbox's CSV
    (referrals/inbox/static/inbox-csv.js) does exactly the same.
    """
    text = "" if cell is None else str(cell)
    out = []
    part_start = True
    for char in text:
        if part_start and char != " ":
            if char in TRIGGERS:
                out.append("'")
            part_start = False
        out.append(char)
        if char in SEPARATORS:
            part_start = True
    return "".join(out)
