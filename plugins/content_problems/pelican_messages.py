"""Pure helpers: Pelican's own messages about a content file, in our words.

Pelican reports a file it cannot use with an error of its own ("Could not process
news/x.md", "Skipping ...: could not find information about 'title'") and leaves the file
out, or stops with a traceback. ``problem_for`` turns each such message into the line,
field, what is wrong and how to fix it, so it reads like every other content problem.
"""

from __future__ import annotations

import os

# Pelican's message templates (record.msg) that name a content file.
COULD_NOT_PROCESS = "Could not process %s"
MISSING_PROPERTY = "Skipping %s: could not find information about '%s'"
OUTSIDE_OUTPUT = "Skipping %s: file %r would be written outside output path"
UNKNOWN_STATUS = "Unknown status '%s' for file %s, skipping it. (Not in %s)"
TEMPLATES = (COULD_NOT_PROCESS, MISSING_PROPERTY, OUTSIDE_OUTPUT, UNKNOWN_STATUS)


def unreadable(path: str, error: BaseException | None) -> tuple[int | None, str, str, str]:
    """(line, field, what is wrong, how to fix it) for a file Pelican could not read; line
    None means the line of the field."""
    if isinstance(error, UnicodeDecodeError):
        data = error.object if isinstance(error.object, bytes) else b""
        if b"\x00" in data[:8192] or not data.strip():
            return (1, "file", "this is not a text file (it may be a picture or a document from another program)",
                    "Only Markdown text files (.md) belong here: move pictures to content/images/, "
                    "and copy the words of a document into a new .md file")
        line = data.count(b"\n", 0, error.start) + 1
        return (line, "file", f"this file is not saved as UTF-8 text (byte 0x{data[error.start]:02X} on line {line} "
                              "cannot be read)",
                "Open it in a text editor and save it again with the encoding UTF-8")
    if type(error).__name__ == "ZoneInfoNotFoundError":
        zone = str(error).strip("'\"").rsplit(" ", 1)[-1]
        return (None, "Timezone", f'"{zone}" is not a time zone',
                "Delete the Timezone line: dates are in the charity's own time zone (TIMEZONE in pelicanconf.py)")
    if isinstance(error, OSError):
        return (1, "file", f"this file cannot be opened ({error.strerror or error})",
                "Check that it exists and that you may read it")
    name = type(error).__name__ if error is not None else "an error"
    detail = str(error).strip().splitlines()[0] if error is not None and str(error).strip() else name
    return (1, "file", f"this file could not be read ({detail})",
            "Check the fields at the top of the file: each is one line, Name: value, then a blank line")


def problem_for(msg: str, args: tuple, error: BaseException | None, content_root: str) -> tuple | None:
    """(path, line, field, what, fix) for one of Pelican's messages about a file, or None if
    the message is not about a content file."""
    if msg == COULD_NOT_PROCESS and args:
        path = os.path.join(content_root, str(args[0]))
        return (path, *unreadable(path, error))
    if msg == MISSING_PROPERTY and len(args) == 2:
        field = str(args[1]).capitalize()
        return (str(args[0]), None, field, "this field is missing, so the page cannot be made",
                f'Add the line "{field}: ..." at the top of the file, before the first blank line')
    if msg == OUTSIDE_OUTPUT and len(args) == 2:
        return (str(args[0]), None, "Save_as", f'"{args[1]}" would put the page outside the website',
                "Delete the Save_as line (the page then goes at its usual address), or give a path inside the "
                "site such as about/our-team/index.html")
    if msg == UNKNOWN_STATUS and len(args) == 3:
        return (str(args[1]), None, "Status", f'"{args[0]}" is not a status',
                "Write Status: draft to keep it as a private preview, or delete the Status line to publish it")
    return None
