"""Collects content problems from every plugin and reports them the same way.

Each problem reads ``path:line: field: what is wrong. How to fix it.`` so a volunteer
knows which file to open, which line and field to look at, and what to change.
Local builds print them as warnings; with ``STRICT_CONTENT_CHECKS`` (publishconf.py)
any problem found while reading stops the build before a page is written, and one found
later (a part of the site that could not be made) ends it with exit status 1, so nothing
is published. Either way the build ends with the same problems again as plain lines, one
each (``summary``): Pelican's console wraps its warnings into a narrow column, which is
hard to read in a small terminal or a CI log.

No build ends in a traceback:
- Pelican's own errors about a content file (a file it cannot read, a missing title, an
  unknown status, a Save_as outside the site) become problems in the same shape
  (pelican_messages.py), and the file is left out of a preview as Pelican does.
- Anything else that stops Pelican is shown as one plain line that says it is not the
  content's fault and how to see the details (``-D``), instead of a traceback.

A *notice* (``notice``) has the same shape but never stops a build: something to see to
soon, such as a page whose review date has passed or waiting times checked more than a
month ago. Builds print notices as warnings and list them after the problems.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from pelican import signals
from pelican.log import LimitFilter

from . import pelican_messages

logger = logging.getLogger("oxpip.content")

_problems: list["Problem"] = []
_notices: list["Problem"] = []
_settings: dict = {}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message} {self.fix}"


def relative_path(path: str) -> str:
    """Show paths from the project root, as a volunteer sees them in the file list."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def field_line(path: str, field: str) -> int:
    """The line of a front-matter field in a Markdown file, or 1 if it is missing."""
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    break
                if text.split(":", 1)[0].strip().lower() == field.lower():
                    return number
    except OSError:
        pass
    return 1


def text_line(path: str, needle: str) -> int:
    """The first line of a file that contains ``needle`` (1 if none does)."""
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if needle in text:
                    return number
    except (OSError, UnicodeDecodeError):
        pass
    return 1


def _record(into: list[Problem], path: str, field: str, message: str, fix: str, line: int | None) -> Problem:
    found = Problem(
        relative_path(path),
        line if line is not None else field_line(path, field),
        field,
        message.rstrip(".") + ".",
        fix.rstrip(".") + ".",
    )
    if found not in into:
        into.append(found)
        logger.warning("%s", found)
    return found


def report(path: str, field: str, message: str, fix: str, line: int | None = None) -> Problem:
    """Record a problem with one file; printed at once, counted at the end."""
    return _record(_problems, path, field, message, fix, line)


def notice(path: str, field: str, message: str, fix: str, line: int | None = None) -> Problem:
    """Record something to see to soon; printed like a problem, but publishing goes on."""
    return _record(_notices, path, field, message, fix, line)


def problems() -> list[Problem]:
    return list(_problems)


def notices() -> list[Problem]:
    return list(_notices)


class _PelicanMessages(logging.Filter):
    """Pelican's errors about a content file, reported as content problems instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in pelican_messages.TEMPLATES or not _settings:
            return True
        error = sys.exc_info()[1]  # Pelican logs "Could not process" inside its except block
        found = pelican_messages.problem_for(record.msg, tuple(record.args or ()), error, _settings.get("PATH", ""))
        if found is None:
            return True
        path, line, field, message, fix = found
        shown = relative_path(path)
        if not any(p.path == shown and p.field == field for p in _problems):
            report(path, field, message, fix, line=line)
        return False


class _NoTraceback(logging.Filter):
    """The last resort: whatever stops Pelican is one plain line, not a traceback. (A content
    problem never gets here: each is reported in its own words.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.CRITICAL and record.exc_info:
            error = record.exc_info[1]
            if isinstance(error, RuntimeError) and str(error) == "Warning or error encountered":
                record.msg, record.args = "The build stopped because of the error above.", ()
            else:
                record.msg = ("The build stopped: %s: %s. This is a fault in the site's code or settings, not in "
                              "your content; run the same command with -D added (for example .venv/bin/python -m "
                              "pelican content -s pelicanconf.py -D) to see where, or ask a developer.")
                record.args = (type(error).__name__, error)
            record.exc_info = record.exc_text = None
        return True


_FILTERS = {"pelican.generators": _PelicanMessages(), "pelican.contents": _PelicanMessages(),
            "pelican": _NoTraceback()}


def _reset(pelican) -> None:
    _problems.clear()
    _notices.clear()
    _settings.clear()
    _settings.update(pelican.settings)
    for name, log_filter in _FILTERS.items():
        if log_filter not in logging.getLogger(name).filters:
            logging.getLogger(name).addFilter(log_filter)


def summary(found: list[Problem], *, stopped: bool, written: bool = False) -> str:
    """Every problem on one plain line, under a heading that says what happens next.
    ``written``: a strict build that found them only after writing the site."""
    count = len(found)
    files = len({problem.path for problem in found})
    what = f"{count} content problem{'s' if count != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if stopped and written:
        heading = (f"{what}. The build failed: the site in the output folder is not complete and must not be "
                   "published. Fix each one, then build again:")
    elif stopped:
        heading = f"{what}. Nothing was published. Fix each one, then build again:"
    else:
        heading = f"{what}. The preview was built, but publishing will stop until each one is fixed:"
    return "\n".join(["", heading, *(f"  {problem}" for problem in found)]) + "\n"


def notices_summary(found: list[Problem]) -> str:
    """Every notice on one plain line, under a heading that says publishing goes on."""
    count = len(found)
    heading = f"{count} thing{'s' if count != 1 else ''} to see to soon (publishing goes on):"
    return "\n".join(["", heading, *(f"  {item}" for item in found)]) + "\n"


def _stop_if_strict(pelican) -> None:
    """Runs when the writer is made: after every check, before any page is written.

    A build that goes on prints the problems again at its very end: the summary is
    connected to ``finalized`` only now, after every plugin has connected its own handlers,
    and Pelican calls handlers in the order they were connected.
    """
    signals.finalized.connect(_print_summary)
    if _problems and _settings.get("STRICT_CONTENT_CHECKS"):
        if _notices:
            sys.stderr.write(notices_summary(_notices))
        sys.stderr.write(summary(_problems, stopped=True))
        count = len(_problems)
        # Written, not logged: under `--fatal errors` (make publish) Pelican turns an ERROR
        # record into an exception with a traceback.
        sys.stderr.write(f"{count} content problem{'s' if count != 1 else ''} found (listed above). "
                         "Fix them and build again; nothing was published.\n")
        # SystemExit, not an exception: Pelican would print a traceback for one.
        raise SystemExit(1)


def _print_summary(pelican) -> None:
    """At the end of a build that went on: with problems in a preview (`make html`, `make
    serve`), or, in a strict build, with a part that could not be made (exit status 1)."""
    if _notices:
        sys.stdout.write(notices_summary(_notices))
    if not _problems:
        return
    if _settings.get("STRICT_CONTENT_CHECKS"):
        sys.stderr.write(summary(_problems, stopped=True, written=True))
        raise SystemExit(1)
    sys.stdout.write(summary(_problems, stopped=False))


def _forget(pelican) -> None:
    """Each rebuild under `make serve` reports what is still wrong, afresh.

    Pelican's log filter drops a message it has printed before, so ours are let through again.
    """
    LimitFilter._raised_messages.difference_update((logging.WARNING, str(p)) for p in _problems + _notices)
    _problems.clear()
    _notices.clear()


def register() -> None:
    signals.initialized.connect(_reset)
    signals.get_generators.connect(_forget)
    signals.get_writer.connect(_stop_if_strict)
