"""The web editor: Decap CMS served from the site itself at /admin/ (no CDN).

When a build finishes, this copies into output/admin/:
- admin/index.html and admin/oxpip-cms.js (our start-up code, preview and file format);
- admin/config.yml, also turned into config.js so the editor never depends on how a
  web server labels .yml files;
- Decap's built files from node_modules/decap-cms/dist (decap-cms.js, the chunks it
  loads on demand from the same folder, and its WebAssembly files; no source maps).

The admin page is not a public page: it says noindex, is left out of the sitemap and of
the site-wide page tests. If Decap CMS is not installed (`npm ci` not run), that is a
problem like any content problem, found before anything is written: `make html` says so
and goes on without the editor; `make publish` (which runs `npm ci` itself) stops, so a
site is never published without its editor.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pelican import signals

from content_problems import report, text_line

DEFAULTS = {
    "DECAP_ADMIN_SOURCE": "admin",
    "DECAP_DIST": "node_modules/decap-cms/dist",
    "DECAP_ADMIN_OUTPUT": "admin",
}
OUR_FILES = ("index.html", "oxpip-cms.js", "config.yml")


PROJECT = Path(__file__).resolve().parents[2]  # the folder with admin/ and node_modules/


def _project_root(settings) -> Path:
    return PROJECT


def _path(settings, name) -> Path:
    value = Path(settings.get(name, DEFAULTS[name]))
    return value if value.is_absolute() else _project_root(settings) / value


def decap_files(dist: Path) -> list[Path]:
    """decap-cms.js, its numbered chunks, WebAssembly and licence files (no .map, no
    cms.js: the same bundle under an older name)."""
    wanted = []
    for path in sorted(dist.iterdir()):
        name = path.name
        if name.endswith(".map"):
            continue
        if name == "decap-cms.js" or name.endswith(".decap-cms.js") or name.endswith(".wasm") \
                or name == "decap-cms.js.LICENSE.txt":
            wanted.append(path)
    return wanted


def config_script(config_yml: Path) -> str:
    import yaml

    config = yaml.safe_load(config_yml.read_text(encoding="utf-8"))
    return "window.OXPIP_CMS_CONFIG = " + json.dumps(config, ensure_ascii=False, indent=1) + ";\n"


def build(settings) -> Path | None:
    source = _path(settings, "DECAP_ADMIN_SOURCE")
    dist = _path(settings, "DECAP_DIST")
    if not (source / "index.html").is_file():
        return None
    target = Path(settings["OUTPUT_PATH"]) / settings.get("DECAP_ADMIN_OUTPUT", DEFAULTS["DECAP_ADMIN_OUTPUT"])
    if not (dist / "decap-cms.js").is_file():
        return None  # reported by _check_installed
    target.mkdir(parents=True, exist_ok=True)
    for name in OUR_FILES:
        shutil.copyfile(source / name, target / name)
    (target / "config.js").write_text(config_script(source / "config.yml"), encoding="utf-8")
    for path in decap_files(dist):
        destination = target / path.name
        if not destination.is_file() or destination.stat().st_size != path.stat().st_size:
            shutil.copyfile(path, destination)
    return target


def _check_installed(pelican) -> None:
    """Before anything is read or written: is Decap CMS there to copy?"""
    settings = pelican.settings
    if settings.get("CONTENT_CHECK_ONLY") or not (_path(settings, "DECAP_ADMIN_SOURCE") / "index.html").is_file():
        return
    if not (_path(settings, "DECAP_DIST") / "decap-cms.js").is_file():
        package = PROJECT / "package.json"
        report(str(package), "decap-cms", "the web editor (/admin/) cannot be built: Decap CMS is not installed "
               f"({_path(settings, 'DECAP_DIST')} is missing)",
               "Run `npm ci` (make publish, make serve and make test do it for you), then build again",
               line=text_line(str(package), '"decap-cms"'))


def _finalized(pelican) -> None:
    if pelican.settings.get("CONTENT_CHECK_ONLY"):
        return
    build(pelican.settings)


def register() -> None:
    signals.get_generators.connect(_check_installed)
    signals.finalized.connect(_finalized)
