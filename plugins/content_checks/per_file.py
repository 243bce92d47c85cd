"""One file's checks, in the form a build worker runs them (plugins/build_workers).

Everything here works from the file's front matter (as read by frontmatter.read), the
page's HTML and a few plain values (``Common``), never from Pelican's objects, so it can
run in another process while Pelican reads on. The results (Issue and Link values) are reported by the build process
in the order the files were read.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from . import body, frontmatter, rules


@dataclass(frozen=True)
class Common:
    """What every file's checks need from the settings and the site (all picklable)."""
    root: str  # the content folder
    now: dt.datetime  # in TIMEZONE, naive
    services: dict  # service slug -> file
    funders: dict  # content/data/funders.yml
    settings: dict  # CONTENT_SUMMARY_MAX_LENGTH and NEWS_TOPICS
    max_bytes: int  # IMAGE_MAX_BYTES


@dataclass(frozen=True)
class File:
    """One file to check: its front matter, section, folder in the content, page and HTML."""
    src: frontmatter.Source
    section: str
    rel_dir: str
    url: str
    html: str


def stamp(path: str) -> tuple[int, int]:
    """A file's (modification time in ns, size); (0, -1) if it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return 0, -1
    return info.st_mtime_ns, info.st_size


def check_file(item: File, common: Common) -> tuple[list[rules.Issue], list[body.Link], dt.datetime | None]:
    """The file's problems (front matter, unsafe HTML, pictures), the links in its text
    (checked once every page is known), and until when the result holds as time passes:
    the earliest date in its front matter after ``common.now`` (the checks compare dates
    with now), or None."""
    src = item.src
    later = [d for d in (rules.parse_date(f.value) for f in src.fields.values()) if d and d > common.now]
    issues = rules.check_file(src, item.section, now=common.now, services=common.services,
                              funders=common.funders, settings=common.settings)
    issues += body.check_unsafe_html(src)
    parsed = body.collect(item.html)  # parsed once, for both the pictures and the links
    issues += body.check_images(src, item.html, content_root=common.root, rel_dir=item.rel_dir,
                                max_bytes=common.max_bytes, parsed=parsed)
    return issues, body.links_of(src, item.html, item.url, parsed=parsed), min(later, default=None)


def check_files(items: list[File], common: Common) -> list[tuple]:
    """``check_file`` for several files (one job for a worker)."""
    return [check_file(item, common) for item in items]
