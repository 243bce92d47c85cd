"""Every page of the build is valid HTML, by the Nu HTML Checker (vnu.jar, pinned in
package.json), run ONCE over the whole output folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def vnu_messages(built_site) -> list[dict]:
    java = shutil.which("java")
    if not java:
        pytest.fail("java is not installed: run `sudo apt-get install default-jre-headless` (Java 11+)", pytrace=False)
    if not VNU.is_file():
        pytest.fail(f"{VNU.relative_to(ROOT)} is missing: run `npm ci` in the project folder", pytrace=False)
    proc = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--skip-non-html", str(built_site)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    # vnu writes its JSON report to stderr; exit status 1 just means "errors found".
    try:
        report = json.loads(proc.stderr or proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"vnu.jar did not produce a JSON report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )
    for m in report.get("messages", []):
        path = unquote(urlsplit(m.get("url", "")).path)
        try:
            m["file"] = Path(path).resolve().relative_to(built_site.resolve()).as_posix()
        except ValueError:
            m["file"] = path or "(no file)"
    return report.get("messages", [])


def describe(m: dict) -> str:
    line = m.get("lastLine") or m.get("firstLine")
    where = f"{m['file']}:{line}" if line else m["file"]
    extract = " ".join((m.get("extract") or "").split())
    return f"{where}: {m.get('message', '').strip()}" + (f"\n      {extract[:160]}" if extract else "")


def test_every_page_is_valid_html(vnu_messages):
    errors = [m for m in vnu_messages if m.get("type") in ("error", "non-document-error")]
    warnings = [m for m in vnu_messages if m.get("type") == "info" and m.get("subType") == "warning"]
    if warnings:  # shown with -s or -rA; not a failure
        print(f"\nvnu.jar warnings ({len(warnings)}):\n  - " + "\n  - ".join(map(describe, warnings)))
    if errors:
        pytest.fail(
            f"Nu HTML Checker found {len(errors)} error(s):\n  - " + "\n  - ".join(map(describe, errors)),
            pytrace=False,
        )
