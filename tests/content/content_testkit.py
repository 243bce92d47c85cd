"""Helpers for the content tests: a small fixture site per check, checked in-process.

The base site (plugins/content_checks/fixtures/site/content) has one valid story, news
post, service and page, and produces no problem. Each test copies it, changes one thing,
and asserts the exact message the checks print.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "plugins" / "content_checks" / "fixtures" / "site" / "content"
for _path in (ROOT, ROOT / "plugins"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

# The checks alone (no templates are rendered, so the theme's other plugins are not needed).
CHECK_PLUGINS = ["content_problems", "site_data", "markdown_components",
                 "content_checks", "responsive_images", "readability"]
NOW = "2026-06-01"


def make_site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    return content


def edit(content: Path, relative: str, old: str, new: str) -> Path:
    path = content / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def where(content: Path, relative: str, line: int) -> str:
    """The start of a message: the file as the checks show it (from the working folder)."""
    return f"{os.path.relpath(content / relative)}:{line}:"


def check(content: Path, **settings) -> list[str]:
    """Run the content checks on a fixture site; every problem as printed."""
    from content_checks.run import check as run_check

    overrides = {
        "PATH": str(content),
        "DATA_PATH": str(content / "data"),
        "CONTENT_CHECK_NOW": NOW,
        "PLUGINS": CHECK_PLUGINS,
        "READABILITY_REPORT": None,
        "RESPONSIVE_IMAGE_CACHE": str(content.parent / "cache"),
        "BUILD_WORKERS": 0,  # every step in this process, so a test can watch it (monkeypatch)
    }
    overrides.update(settings)
    problems, _ = run_check(str(ROOT / "pelicanconf.py"), overrides)
    return [str(problem) for problem in problems]
