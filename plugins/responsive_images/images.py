"""Pure helpers: make the sizes of a picture (Pillow) and the <picture> markup for them."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import dataclass

from PIL import Image, ImageOps

IMG_RE = re.compile(r"<img\b[^>]*>", re.I | re.S)
ATTR_RE = re.compile(r'([a-zA-Z_:-]+)\s*=\s*("([^"]*)"|\'([^\']*)\')', re.S)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
ROOT = "__OXPIP_SITE_ROOT__/"  # stands for the site root until the page is written (not {...}: Pelican would take it for a link)


def attributes(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): html.unescape(m.group(3) if m.group(3) is not None else m.group(4))
            for m in ATTR_RE.finditer(tag)}


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    kind: str  # "webp" or the fallback ("jpg" / "png")
    name: str  # file name under the sized folder

    @property
    def mime(self) -> str:
        return {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}[self.kind]


RECIPE = "webp85-jpeg82-lanczos"  # change this when the encoding changes: new names, no stale cache
FACTS_FORMAT = "oxpip-picture-facts/1"  # what describe() keeps beside the sizes


@dataclass(frozen=True)
class Facts:
    """What the build needs to know about one picture file: its size as shown (after the
    EXIF orientation is applied, in pixels), whether it has transparency, and ``stamp``,
    a short hash of the file and of RECIPE that every made file's name carries."""
    width: int
    height: int
    transparent: bool
    stamp: str

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


def fingerprint(path: str) -> str:
    """A short hash of the picture and of how we encode it, so names change with either."""
    digest = hashlib.sha256(RECIPE.encode())
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()[:10]


def stem_of(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(path))[0].lower()).strip("-")


def measure(path: str, stamp: str | None = None) -> Facts:
    """Decode the picture (the costly part: the whole image) and read its facts."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        width, height = image.size
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return Facts(width, height, transparent, stamp or fingerprint(path))


def _facts_file(path: str, stamp: str, folder: str) -> str:
    return os.path.join(folder, f"{stem_of(path)}-{stamp}.json")


def describe(path: str, folder: str | None = None, *, write: bool = True) -> Facts:
    """The picture's facts, kept in ``folder`` (the cache of made sizes) beside its sizes
    as ``<stem>-<stamp>.json``, so a picture is decoded once, not on every build. The file
    is hashed every time (cheap): an edited picture gets a new stamp and is measured again.
    A facts file that is missing or unreadable is ignored; ``write=False`` (``make check``)
    leaves the folder as it is. Raises OSError or ValueError when Pillow cannot read it."""
    stamp = fingerprint(path)
    if folder:
        try:
            with open(_facts_file(path, stamp, folder), encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("format") == FACTS_FORMAT:
                facts = Facts(int(data["width"]), int(data["height"]), bool(data["transparent"]), stamp)
                if facts.width > 0 and facts.height > 0:
                    return facts
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    facts = measure(path, stamp)
    if folder and write:
        _write_atomically(_facts_file(path, stamp, folder), json.dumps(
            {"format": FACTS_FORMAT, "width": facts.width, "height": facts.height,
             "transparent": facts.transparent}).encode("utf-8"))
    return facts


def _write_atomically(target: str, data: bytes) -> None:
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        temporary = f"{target}.{os.getpid()}.part"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except OSError:
        pass  # a cache that cannot be written only makes the next build slower


def variants_of(path: str, facts: Facts, widths: list[int]) -> list[Variant]:
    """The variants to make: each width no wider than the original, as WebP and as a JPEG
    (PNG when the picture has transparency)."""
    original_width, original_height = facts.size
    chosen = sorted({w for w in widths if w < original_width} | {min(original_width, max(widths))})
    stem = stem_of(path)
    fallback = "png" if facts.transparent else "jpg"
    variants = []
    for width in chosen:
        height = max(1, round(original_height * width / original_width))
        for kind in ("webp", fallback):
            variants.append(Variant(width, height, kind, f"{stem}-{facts.stamp}-{width}.{kind}"))
    return variants


def plan(path: str, widths: list[int], folder: str | None = None) -> tuple[tuple[int, int], list[Variant]]:
    """The original's size (width, height in pixels, as shown) and the variants to make."""
    facts = describe(path, folder)
    return facts.size, variants_of(path, facts, widths)


def missing(variants: list[Variant], folder: str) -> list[Variant]:
    """The variants not made yet (a made file's name holds the picture's hash)."""
    return [v for v in variants if not os.path.isfile(os.path.join(folder, v.name))]


def make(path: str, variants: list[Variant], folder: str) -> None:
    """Write the variants that are not in folder yet (the name holds the file's hash)."""
    missing_now = missing(variants, folder)
    if not missing_now:
        return
    os.makedirs(folder, exist_ok=True)
    with Image.open(path) as source:
        source = ImageOps.exif_transpose(source)
        for variant in missing_now:
            image = source.copy()
            if variant.kind == "jpg":
                image = image.convert("RGB")
            elif variant.kind == "webp" and image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "transparency" in source.info or image.mode in ("LA", "PA") else "RGB")
            image = image.resize((variant.width, variant.height), Image.Resampling.LANCZOS)
            target = os.path.join(folder, variant.name)
            temporary = target + ".part"
            if variant.kind == "webp":
                image.save(temporary, "WEBP", quality=85, method=6)
            elif variant.kind == "jpg":
                image.save(temporary, "JPEG", quality=82, optimize=True, progressive=True)
            else:
                image.save(temporary, "PNG", optimize=True)
            os.replace(temporary, target)  # never a half-written file in the cache


def picture(variants: list[Variant], *, alt: str, url_prefix: str, sizes: str, eager: bool) -> str:
    """<picture> with a WebP <source> and a fallback <img>: phones pick the smallest size
    that fills the screen; the original is never sent. width/height stop layout shift."""
    webp = [v for v in variants if v.kind == "webp"]
    fallback = [v for v in variants if v.kind != "webp"]
    srcset = lambda items: ", ".join(f"{url_prefix}{v.name} {v.width}w" for v in items)  # noqa: E731
    middle = min(fallback, key=lambda v: abs(v.width - 640))
    largest = fallback[-1]
    loading = 'loading="eager" fetchpriority="high"' if eager else 'loading="lazy"'
    return (
        f'<picture class="ox-picture">'
        f'<source type="image/webp" srcset="{srcset(webp)}" sizes="{html.escape(sizes)}">'
        f'<img src="{url_prefix}{middle.name}" srcset="{srcset(fallback)}" sizes="{html.escape(sizes)}" '
        f'width="{largest.width}" height="{largest.height}" alt="{html.escape(alt)}" '
        f'{loading} decoding="async">'
        f"</picture>"
    )


def is_lead(html_text: str, start: int) -> bool:
    """The picture opens the page text (so it is on screen at once): load it eagerly."""
    before = re.sub(r"<[^>]+>", "", html_text[:start]).strip()
    return before == ""
