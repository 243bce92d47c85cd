"""The web editor: Decap CMS served from the site itself at /admin/ (no CDN).

When a build finishes, this copies into output/admin/:
- admin/index.html and admin/oxpip-cms.js (our start-up code, preview and file format);
- admin/config.yml, also turned into config.js so the editor never depends on how a
  web server labels .yml files;
- Decap's built files from node_modules/decap-cms/dist (decap-cms.js, the chunks it
  loads on demand from the same folder, and its WebAssembly files; no source maps).

The admin page is not a public page: it says noindex, is left out of the sitemap and of
the site-wide page tests. If `npm ci` has not been run, the build says so once and goes
on without the editor.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from pelican import signals

logger = logging.getLogger(__name__)

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
        logger.warning("The web editor (/admin/) was not built: Decap CMS is not installed. "
                       "Run `npm ci` (or `make test`, which does it) and build again.")
        return None
    target.mkdir(parents=True, exist_ok=True)
    for name in OUR_FILES:
        shutil.copyfile(source / name, target / name)
    (target / "config.js").write_text(config_script(source / "config.yml"), encoding="utf-8")
    for path in decap_files(dist):
        destination = target / path.name
        if not destination.is_file() or destination.stat().st_size != path.stat().st_size:
            shutil.copyfile(path, destination)
    return target


def _finalized(pelican) -> None:
    if pelican.settings.get("CONTENT_CHECK_ONLY"):
        return
    build(pelican.settings)


def register() -> None:
    signals.finalized.connect(_finalized)
