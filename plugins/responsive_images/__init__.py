"""Responsive images: every picture in a page's text is served at the right size.

For ``![alt]({static}/images/x.jpg)`` (or ``/images/x.jpg``, as the web editor writes)
the build makes ``RESPONSIVE_IMAGE_WIDTHS`` sizes (never wider than the original) as
WebP and JPEG with Pillow, and writes a ``<picture>`` with ``srcset``/``sizes``, explicit
``width``/``height`` (no layout shift) and ``loading="lazy"`` unless the picture opens
the page. The fallback ``src`` is a mid-size copy: the original is never sent.

Sizes are made once into ``RESPONSIVE_IMAGE_CACHE`` (var/cache/images, named by the
file's hash, so an edited picture gets new names) and copied into output/images/sized/
when the build finishes. A picture's facts (its size as shown, and whether it has
transparency) are kept there too, so a picture is decoded only when it is new or changed,
and each file is looked at once per build however many pages show it. A new picture's
sizes are made by a build worker (plugins/build_workers, when the build has started
them) while Pelican goes on, and waited for before they are copied. ``make check`` makes no files. Missing pictures and alt text are reported by content_checks, which
runs first.
"""

from __future__ import annotations

import logging
import os
import shutil
from urllib.parse import urljoin

from pelican import signals

import build_workers

from . import images

logger = logging.getLogger(__name__)

DEFAULTS = {
    "RESPONSIVE_IMAGE_WIDTHS": [320, 640, 960, 1280],
    "RESPONSIVE_IMAGE_SIZES": "(min-width: 48em) 40em, 100vw",
    "RESPONSIVE_IMAGE_CACHE": "var/cache/images",
    "RESPONSIVE_IMAGE_FOLDER": "images/sized",  # inside the output
}

_state: dict = {}


def _setting(name):
    return _state["settings"].get(name, DEFAULTS[name])


def _setup(pelican) -> None:
    _state.clear()
    settings = pelican.settings
    _state["settings"] = settings
    cache = _setting("RESPONSIVE_IMAGE_CACHE")
    if not os.path.isabs(cache):
        cache = os.path.join(os.path.dirname(os.path.abspath(settings["PATH"])), cache)
    _state["cache"] = cache
    _state["used"] = set()
    _state["facts"] = {}
    _state["made"] = {}
    _state["check_only"] = bool(settings.get("CONTENT_CHECK_ONLY"))


def _new_run(pelican) -> None:
    if "settings" in _state:
        _state["used"] = set()
        _state["facts"] = {}  # a picture may have changed between two `make serve` builds
        _state["made"] = {}  # picture path -> the job making its sizes (None: nothing to make)


def _variants(path: str, widths: list[int]) -> list[images.Variant]:
    """The sizes of one picture, worked out once per file per build (many pages may show
    the same picture), from the facts kept in the cache (images.describe)."""
    found = _state["facts"].get(path)
    if found is None:
        try:
            found = images.describe(path, _state["cache"], write=not _state["check_only"])
        except (OSError, ValueError) as error:
            found = error  # remembered too: the same broken file is not read again
        _state["facts"][path] = found
    if isinstance(found, Exception):
        raise found
    return images.variants_of(path, found, widths)


def _image_path(src: str, content) -> str | None:
    from content_checks.body import image_file

    root = _state["settings"]["PATH"]
    rel_dir = os.path.dirname(os.path.relpath(content.source_path, root))
    path = image_file(src, rel_dir, root)
    if path and os.path.isfile(path) and os.path.splitext(path)[1].lower() in images.FORMATS:
        return path
    return None


def _rewrite(content) -> None:
    from pelican.contents import Article, Page

    if "settings" not in _state or not isinstance(content, (Article, Page)):
        return
    text = getattr(content, "_content", None)
    if not text or "<img" not in text:
        return
    widths = [int(w) for w in _setting("RESPONSIVE_IMAGE_WIDTHS")]
    folder = _setting("RESPONSIVE_IMAGE_FOLDER").strip("/") + "/"
    pieces, position, changed = [], 0, False
    for match in images.IMG_RE.finditer(text):
        attrs = images.attributes(match.group(0))
        path = _image_path(attrs.get("src", ""), content)
        if path is None:
            continue
        try:
            variants = _variants(path, widths)
            if not _state["check_only"] and path not in _state["made"]:
                _state["made"][path] = (build_workers.submit(_state["settings"], images.make, path, variants,
                                                            _state["cache"], start=False)
                                        if images.missing(variants, _state["cache"]) else None)
        except (OSError, ValueError):
            continue  # not a picture Pillow can read: content_checks says so
        _state["used"].update(v.name for v in variants)
        pieces.append(text[position:match.start()])
        pieces.append(images.picture(
            variants, alt=attrs.get("alt", ""), url_prefix=images.ROOT + folder,
            sizes=_setting("RESPONSIVE_IMAGE_SIZES"), eager=images.is_lead(text, match.start()),
        ))
        position, changed = match.end(), True
    if not changed:
        return
    pieces.append(text[position:])
    content._content = "".join(pieces)
    _resolve_root_when_written(content)


def _resolve_root_when_written(content) -> None:
    """Pelican turns {static} links into URLs when a page is written, relative to that
    page (RELATIVE_URLS) or absolute (SITEURL). It does not look inside srcset, so our
    URLs carry a {ox-root} marker that we swap for the same site URL at the same moment."""
    original = content._update_content
    relative = bool(_state["settings"].get("RELATIVE_URLS"))

    def update(text, siteurl, _original=original):
        text = _original(text, siteurl)
        if not text or images.ROOT not in text:
            return text
        if relative:
            root = (siteurl.rstrip("/") + "/") if siteurl else ""
        else:
            root = urljoin(siteurl if siteurl.endswith("/") else siteurl + "/", "")
        return text.replace(images.ROOT, root)

    content._update_content = update


def _copy(pelican) -> None:
    if "settings" not in _state or _state["check_only"] or not _state["used"]:
        return
    for path, job in _state["made"].items():
        try:
            if job is not None:
                job.result()
        except (OSError, ValueError) as error:  # content_checks has said what is wrong with it
            logger.warning("responsive_images: could not make the sizes of %s: %s", path, error)
    target = os.path.join(pelican.settings["OUTPUT_PATH"], _setting("RESPONSIVE_IMAGE_FOLDER"))
    os.makedirs(target, exist_ok=True)
    for name in sorted(_state["used"]):
        destination = os.path.join(target, name)
        if not os.path.isfile(destination):
            try:
                shutil.copyfile(os.path.join(_state["cache"], name), destination)
            except OSError as error:  # not made (see the warning above): the page's picture is missing
                logger.warning("responsive_images: could not copy %s: %s", name, error)


def register() -> None:
    signals.initialized.connect(_setup)
    signals.get_generators.connect(_new_run)
    signals.content_object_init.connect(_rewrite)
    signals.finalized.connect(_copy)
