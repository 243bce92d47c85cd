"""Readability: the Flesch-Kincaid grade of each parent-facing page, and a warning above
``READABILITY_MAX_GRADE`` (default 6, about reading age 11).

The grade is worked out from the page's text as it will be shown (after figures and
callouts are filled in), with textstat. A page over the limit is reported through
``content_problems`` like any other problem, pointing at its longest sentence; so
``make html`` warns and ``make publish`` stops. Pages shorter than
``READABILITY_MIN_WORDS`` are listed but not held to the limit (a few words give no
reliable grade), and ``READABILITY_SKIP`` lists pages not written for parents.

Every build prints a table of grades at the end and writes it to ``READABILITY_REPORT``
(var/readability.txt: not part of the published site). ``make check`` prints it too.

Grades are cached by a hash of each page's text (``READABILITY_CACHE``, default
var/cache/readability.json; see cache.py), so textstat and its dictionary are only loaded
when a page has changed. Pages that are not in the cache are graded by the build workers
(plugins/build_workers) while Pelican reads on, once there are 8 of them (a few are
graded here); the grades are gathered once every page is read
(``all_generators_finalized``), before anything is reported. Warnings and the
table are the same with or without the cache, and with or without workers.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from pelican import signals

import build_workers
from content_problems import report

from . import cache as grade_cache
from .cache import GradeCache
from .grade import Score

DEFAULTS = {
    "READABILITY_MAX_GRADE": 6,
    "READABILITY_MIN_WORDS": 80,
    "READABILITY_SKIP": [],
    "READABILITY_SECTIONS": ["stories", "news", "services", "pages"],
    "READABILITY_REPORT": None,
    # Grades of unchanged pages are reused from here (see cache.py); None: no cache.
    "READABILITY_CACHE": "var/cache/readability.json",
}

logger = logging.getLogger(__name__)
_state: dict = {}
# A worker (a fresh Python) takes longer to start than grading a few pages here: pages not
# in the cache go to the build workers once there are this many of them.
WORKER_MIN_PAGES = 8


@dataclass
class Row:
    path: str  # content/stories/x.md
    relative: str  # stories/x.md
    title: str
    score: Score | None  # None until the worker grading it has answered (``job``)
    status: str  # "ok", "over", "short" or "skipped" ("" until graded)
    source_path: str
    draft: bool = False
    job: build_workers.Job | None = None
    key: str = ""
    html: str | None = None  # a page not in the cache, kept until it is graded


def _setting(name):
    return _state["settings"].get(name, DEFAULTS[name])


def _project_path(target: str) -> str:
    """A setting's path, relative to the folder that holds PATH (the project) unless absolute."""
    if os.path.isabs(target):
        return target
    return os.path.join(os.path.dirname(os.path.abspath(_state["settings"]["PATH"])), target)


def _setup(pelican) -> None:
    _state.clear()
    _state["settings"] = pelican.settings
    _state["rows"] = []
    _state["waiting"] = []  # pages not in the cache, until there are enough for a worker
    target = _setting("READABILITY_CACHE")
    _state["cache"] = GradeCache(_project_path(target) if target else None)


def _new_run(pelican) -> None:
    """Each build starts a fresh table (`make serve` rebuilds with the same Pelican object)."""
    if "settings" in _state:
        _state["rows"] = []
        _state["waiting"] = []
        _state["cache"].start_run()


def _measure(content) -> None:
    from pelican.contents import Article, Page

    if "settings" not in _state or not isinstance(content, (Article, Page)):
        return
    root = _state["settings"]["PATH"]
    source = getattr(content, "source_path", "") or ""
    relative = os.path.relpath(source, root).replace(os.sep, "/")
    if relative.split("/", 1)[0] not in _setting("READABILITY_SECTIONS"):
        return
    html = getattr(content, "_content", "") or ""
    key, found = _state["cache"].lookup(html)
    title = str(getattr(content, "title", relative))
    draft = getattr(content, "status", "") == "draft"
    row = Row(os.path.relpath(source), relative, title, found, "", source, draft, key=key)
    _state["rows"].append(row)
    if found is None:
        row.html = html
        _state["waiting"].append(row)
        if len(_state["waiting"]) >= WORKER_MIN_PAGES and build_workers.count(_state["settings"]):
            # worth a worker: grade them beside Pelican
            for waiting in _state["waiting"]:
                waiting.job = build_workers.submit(_state["settings"], grade_cache.score, waiting.html,
                                                   _state["cache"].folder)
                waiting.html = None
            _state["waiting"] = []


def _status(row: Row) -> str:
    if row.relative in _setting("READABILITY_SKIP"):
        return "skipped"
    if row.score.words < int(_setting("READABILITY_MIN_WORDS")):
        return "short"
    if row.score.grade > float(_setting("READABILITY_MAX_GRADE")):
        return "over"
    return "ok"


def _gather() -> None:
    """Every page's grade: from the cache, from the worker that graded it, or (a few pages
    only, not worth starting a worker for) graded here now."""
    in_workers = here = 0
    for row in _state["rows"]:
        if row.job is not None:
            row.score, row.job = row.job.result(), None
            in_workers += 1
        elif row.html is not None:  # looked up at call time, so tests can watch each grading
            row.score, row.html = grade_cache.score(row.html, _state["cache"].folder), None
            here += 1
        else:
            row.status = _status(row)
            continue
        _state["cache"].keep(row.key, row.score)
        row.status = _status(row)
    _state["waiting"] = []
    if in_workers or here:
        logger.info("readability: %d of %d pages graded (not in the cache): %d by build workers, %d here",
                    in_workers + here, len(_state["rows"]), in_workers, here)


def _warn(generators) -> None:
    if "settings" not in _state:
        return
    _gather()
    _state["cache"].save()
    show_drafts = bool(_state["settings"].get("SHOW_DRAFTS", True))
    limit = float(_setting("READABILITY_MAX_GRADE"))
    if not show_drafts:
        _state["rows"] = [row for row in _state["rows"] if not row.draft]
    for row in _state["rows"]:
        if row.status != "over":
            continue
        line = _line_of(row.source_path, row.score.longest)
        report(
            row.source_path, "body",
            f"the reading grade is {row.score.grade:g}, above our limit of {limit:g} "
            f"(by {row.score.grade - limit:.1f}); the longest sentence has {row.score.longest_words} words",
            "Use shorter sentences (15 words or fewer) and everyday words; start with the sentence "
            f'on this line: "{_short(row.score.longest)}"',
            line=line,
        )


def _line_of(path: str, sentence: str) -> int:
    words = sentence.split()[:4]
    needle = " ".join(words)
    try:
        with open(path, encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if needle and needle in " ".join(text.split()):
                    return number
    except OSError:
        pass
    return 1


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


LABELS = {"ok": "ok", "over": "OVER LIMIT", "short": "too short to score",
          "skipped": "not for parents (not scored)"}


def table() -> str:
    rows = sorted(_state.get("rows", []), key=lambda r: r.relative)
    if not rows:
        return ""
    limit = float(_setting("READABILITY_MAX_GRADE"))
    width = max(len(r.relative) for r in rows)
    lines = [f"Reading grades (Flesch-Kincaid; our limit is {limit:g}, about reading age {limit + 5:g})",
             f"{'page'.ljust(width)}  grade  words  result"]
    for row in rows:
        lines.append(f"{row.relative.ljust(width)}  {row.score.grade:5.1f}  {row.score.words:5d}  "
                     f"{LABELS[row.status]}{' (draft)' if row.draft else ''}")
    over = sum(1 for r in rows if r.status == "over")
    scored = [r for r in rows if r.status in ("ok", "over")]
    lines.append(f"{len(scored)} pages scored, {over} over the limit; highest "
                 f"{max((r.score.grade for r in scored), default=0):g}.")
    return "\n".join(lines) + "\n"


def print_report(stream=None) -> None:
    text = table()
    if text:
        (stream or sys.stdout).write("\n" + text)


def _write_report(pelican) -> None:
    text = table()
    if not text:
        return
    target = _setting("READABILITY_REPORT")
    if target:
        target = _project_path(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    print_report()


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_run)
    signals.content_object_init.connect(_measure)
    signals.all_generators_finalized.connect(_warn)
    signals.finalized.connect(_write_report)
