"""Drive one Pelican object through several builds, as `make serve`'s rebuilding process
does, and print a JSON list with what each build wrote and checked (for
tests/test_serve_rebuilds.py).

    python tests/serve_rebuilds_driver.py CONTENT OUTPUT STEP...

Steps: ``build``; ``edit RELATIVE`` (adds a line to a content file); ``add-picture
RELATIVE`` (writes a small PNG into the content folder); ``now YYYY-MM-DD`` (the date the
checks take as today, CONTENT_CHECK_NOW); ``theme DIR`` (a copy of the theme to use from
now on); ``edit-template RELATIVE|OLD|NEW`` (a change in that copy); ``translations DIR``
(a copy of the catalogues to use from now on); ``edit-catalogue LANG|OLD|NEW`` (a change in
that copy's catalogue). Builds use scripts/serve.py's
rebuild settings, no build workers (so each check can be counted here) and no search
index.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(ROOT / "scripts")]


def main(content: Path, output: Path, steps: list[str]) -> list[dict]:
    from pelican import Pelican
    from pelican.settings import read_settings
    from pelican.writers import Writer

    import content_problems
    from content_checks import per_file

    written: list[tuple[int, str]] = []  # (which writer, file) in order
    real_write = Writer.write_file

    def write_file(self, name, *args, **kwargs):
        written.append((id(self), name.replace("\\", "/")))
        return real_write(self, name, *args, **kwargs)

    Writer.write_file = write_file
    checked: list[str] = []
    real_check = per_file.check_file
    per_file.check_file = lambda item, common: checked.append(item.src.path) or real_check(item, common)

    from serve import CACHE, REBUILD  # scripts/serve.py: what the rebuilding process is given

    overrides = {"PATH": str(content), "OUTPUT_PATH": str(output), "DATA_PATH": str(content / "data"),
                 "SEARCH_INDEX": False, "BUILD_WORKERS": 0}
    for item in CACHE + REBUILD:
        key, _, value = item.partition("=")
        overrides[key] = json.loads(value)
    overrides["CACHE_PATH"] = str(content.parent / "pelican-cache")
    if os.environ.get("OXPIP_TEMPLATE_CACHE"):
        overrides["TEMPLATE_CACHE"] = os.environ["OXPIP_TEMPLATE_CACHE"]
    pelican = Pelican(read_settings(str(ROOT / "pelicanconf.py"), override=overrides))
    report = []
    for step in steps:
        if step == "build":
            written.clear(), checked.clear()
            pelican.run()
            writers = list(dict.fromkeys(writer for writer, _ in written))
            # Pelican's own writer writes last; any other wrote first (plugins/changed_first)
            early = [name for writer, name in written if len(writers) > 1 and writer == writers[0]]
            report.append({"written": [name for _, name in written], "checked": len(checked),
                           "checked_files": sorted(Path(c).name for c in checked),
                           "early": early, "files": len(_sources(content)),
                           "problems": [str(p) for p in content_problems.problems()]})
        elif step.startswith("edit "):
            time.sleep(0.01)
            with open(content / step.split(" ", 1)[1], "a", encoding="utf-8") as handle:
                handle.write("\nOne more line from the volunteer.\n")
        elif step.startswith("translations "):
            pelican.settings["TRANSLATIONS_PATH"] = step.split(" ", 1)[1]
        elif step.startswith("edit-catalogue "):
            code, old, new = step.split(" ", 1)[1].split("|")
            catalogue = Path(pelican.settings["TRANSLATIONS_PATH"]) / code / "LC_MESSAGES" / "messages.po"
            time.sleep(0.01)
            catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        elif step.startswith("theme "):
            pelican.settings["THEME"] = pelican.theme = step.split(" ", 1)[1]
        elif step.startswith("edit-template "):
            relative, old, new = step.split(" ", 1)[1].split("|")
            template = Path(pelican.settings["THEME"]) / "templates" / relative
            template.write_text(template.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        elif step.startswith("now "):
            pelican.settings["CONTENT_CHECK_NOW"] = step.split(" ", 1)[1]
        elif step.startswith("add-picture "):
            from PIL import Image

            Image.new("RGB", (40, 30), "white").save(content / step.split(" ", 1)[1])
    return report


def _sources(content: Path) -> list[Path]:
    """Every Markdown file Pelican reads (ARTICLE_PATHS and PAGE_PATHS, with their subfolders)."""
    from pelican.settings import read_settings

    settings = read_settings(str(ROOT / "pelicanconf.py"))
    return [p for folder in settings["ARTICLE_PATHS"] + settings["PAGE_PATHS"] for p in (content / folder).rglob("*.md")]


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])))
