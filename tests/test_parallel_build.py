"""The build with workers beside Pelican (plugins/build_workers: Markdown converted ahead,
reading grades, picture sizes, Pagefind fed while pages are written) makes exactly the
files the serial build makes (BUILD_WORKERS = 0), byte for byte.

The content is the real content/ with its stories padded to 40 by copying the real ones
(a third show a picture), each build with empty caches of its own, so every grade and
picture size is worked out in that build: by the workers in one, in the build process in
the other.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from site_testkit import ROOT, run_pelican

sys.path.insert(0, str(ROOT / "scripts"))
from synthetic_corpus import make_picture_corpus  # noqa: E402

STORIES = 40


def _with_problems(content: Path) -> None:
    """A few content problems the checks must report the same way in both builds."""
    for number, story in enumerate(sorted((content / "stories").glob("*-copy-*.md"))[:40:8]):
        text = story.read_text(encoding="utf-8")
        if number % 2:
            text = text.replace("Consent_date:", "Consent_dated:", 1)
        text += "\n\nSee [a page that is not there]({filename}/pages/no-such-page.md).\n"
        story.write_text(text, encoding="utf-8")


def _problems(log: str) -> list[str]:
    """The content problems listed at the end of the build, one a line, from content/ on."""
    start = log.index("content problem")
    return sorted(re.sub(r"^\S*?/content/", "content/", line.strip())
                  for line in log[start:].splitlines()[1:] if line.startswith("  "))


def _build(folder: Path, workers: int):
    content = make_picture_corpus(folder / "content", STORIES)
    _with_problems(content)
    # --verbose with Pelican's own console (its "plain" handler drops INFO lines): each
    # plugin says what its workers did.
    # MARKDOWN_AHEAD_WAIT: every Markdown file is converted by a worker, however busy the
    # machine (without it, the build process converts what the workers have not reached).
    result = run_pelican(content, folder / "output", "--verbose", "-e", f'DATA_PATH="{content / "data"}"',
                         f"BUILD_WORKERS={workers}", "MARKDOWN_AHEAD_WAIT=true", console_columns=300)
    assert result.returncode == 0, result.log[-4000:]
    assert "ERROR" not in result.log and "CRITICAL" not in result.log, result.log[-4000:]
    return result.log


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("parallel")
    serial_log = _build(root / "serial", 0)
    parallel_log = _build(root / "parallel", 2)
    return root, serial_log, parallel_log


def test_the_workers_did_the_work(builds):
    """Not a serial build twice: in the parallel one, workers converted Markdown and graded pages."""
    _, serial_log, parallel_log = builds
    converted = re.search(r"build workers converted (\d+) of the (\d+) Markdown files", parallel_log)
    assert converted and converted.group(1) == converted.group(2), parallel_log[-3000:]
    graded = r"readability: \d+ of \d+ pages graded \(not in the cache\): "
    assert re.search(graded + r"[1-9]\d* by build workers", parallel_log)
    assert "build workers converted" not in serial_log
    assert re.search(graded + r"0 by build workers", serial_log)


def test_serial_and_parallel_builds_write_the_same_bytes(builds):
    root = builds[0]
    serial, parallel = _files(root / "serial" / "output"), _files(root / "parallel" / "output")
    assert len(serial) > 100 and "pagefind/pagefind-entry.json" in serial
    assert any(name.startswith("images/sized/") for name in serial), "the pictures' sizes are made"
    assert sorted(serial) == sorted(parallel)
    different = [name for name in serial if serial[name] != parallel[name]]
    assert not different, f"{len(different)} files differ, for example {different[:5]}"


def test_serial_and_parallel_builds_report_the_same_content_problems(builds):
    _, serial_log, parallel_log = builds
    serial = _problems(serial_log)
    assert len(serial) >= 6 and any("Consent_date" in p for p in serial) and any("no-such-page" in p for p in serial)
    assert _problems(parallel_log) == serial


def test_serial_and_parallel_builds_keep_the_same_caches_and_report(builds):
    """The reading-grade report and the made picture sizes are the same too."""
    root = builds[0]
    assert (_files(root / "serial" / "var" / "cache" / "images")
            == _files(root / "parallel" / "var" / "cache" / "images"))
    assert ((root / "serial" / "var" / "readability.txt").read_bytes()
            == (root / "parallel" / "var" / "readability.txt").read_bytes())
