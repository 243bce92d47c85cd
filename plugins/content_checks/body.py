"""Pure helpers: checks on the page text (raw HTML that runs code, pictures, links)."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from .frontmatter import Source
from .rules import Issue

# ------------------------------------------------------------------- code in the text

FENCE_RE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
CODE_SPAN_RE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
UNSAFE_TAG_RE = re.compile(r"<\s*(script|iframe|object|embed|frame|frameset|applet|base)\b", re.I)
HANDLER_RE = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.I | re.S)
GUIDE_RE = re.compile(r"<!--\s*GUIDE\b")
TODO_RE = re.compile(r"\bTODO\b")
JS_URL_RE = re.compile(r"(?:\]\(\s*<?|(?:href|src|action)\s*=\s*[\"']?)\s*(javascript|vbscript|data)\s*:", re.I)

WHY = {
    "script": "it runs code on visitors' phones and computers",
    "iframe": "it shows another website inside ours, which can track visitors",
    "frame": "it shows another website inside ours, which can track visitors",
    "frameset": "it shows another website inside ours, which can track visitors",
    "object": "it loads a plug-in or another website inside ours",
    "embed": "it loads a plug-in or another website inside ours",
    "applet": "it runs code on visitors' computers",
    "base": "it changes where every link on the page goes",
}


def _blank_code(text: str) -> str:
    """Hide code blocks and `code` spans (shown as text, so harmless); keep line numbers."""
    keep_lines = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    return CODE_SPAN_RE.sub(keep_lines, FENCE_RE.sub(keep_lines, text))


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check_unsafe_html(src: Source) -> list[Issue]:
    """No <script>, <iframe>, <object>, <embed> (and friends), on...= handlers or
    javascript: links in the Markdown: the build stops anything that could run code."""
    text = _blank_code(src.text)
    body_start = sum(len(line) + 1 for line in src.text.splitlines()[: src.body_line - 1])
    issues = []
    for match in UNSAFE_TAG_RE.finditer(text, body_start):
        tag = match.group(1).lower()
        issues.append(Issue(src.path, _line_at(text, match.start()), "body",
                            f"<{tag}> is not allowed in the text ({WHY[tag]})",
                            "Delete it. To show a video, map or form, ask a developer to add it to "
                            "the site's templates"))
    for match in HANDLER_RE.finditer(text, body_start):
        attribute = match.group(1).lower()
        issues.append(Issue(src.path, _line_at(text, match.start(1)), "body",
                            f"{attribute}= is not allowed in the text (it runs code when someone "
                            "uses the page)",
                            f"Delete {attribute}=\"...\" from the tag"))
    raw = src.text
    for match in GUIDE_RE.finditer(raw, body_start):
        issues.append(Issue(src.path, _line_at(raw, match.start()), "body",
                            "the template's guidance note is still in the text",
                            "Delete the note: from the line starting <!-- GUIDE down to the line ending -->"))
    for match in TODO_RE.finditer(text, body_start):
        issues.append(Issue(src.path, _line_at(text, match.start()), "body",
                            "the text still says TODO here",
                            "Write this part of the story, or delete the line"))
    for match in JS_URL_RE.finditer(text, body_start):
        scheme = match.group(1).lower()
        issues.append(Issue(src.path, _line_at(text, match.start(1)), "body",
                            f"a link starting with {scheme}: is not allowed (it can run code or "
                            "hide what it contains)",
                            "Link to a page with https:// or {filename}, or delete the link"))
    return issues


# --------------------------------------------------------------- pictures and links

class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images: list[dict] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


# An <img> or <a> start tag (quoted attribute values may hold ">"), and HTML comments.
IMG_OR_A_TAG_RE = re.compile(r"""<(?:img|a)\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
COMMENT_RE = re.compile(r"<!--.*?-->", re.S)


def collect(html: str) -> tuple[list[dict], list[str]]:
    """The <img> attributes and <a href> values of rendered page HTML.

    Only the <img> and <a> tags go through the HTML parser (comments are dropped first), so
    a page's text is not parsed for nothing: a story has a handful of such tags."""
    parser = _Collector()
    html = COMMENT_RE.sub("", html or "")
    for tag in IMG_OR_A_TAG_RE.findall(html):
        parser.feed(tag)
    parser.close()
    return parser.images, parser.links


GENERIC_ALT = {"image", "photo", "picture", "img", "pic", "graphic", "illustration", "photograph",
               "image of", "photo of", "picture of", "alt", "alt text", "placeholder", "untitled",
               "screenshot", "logo", "banner"}
IMAGE_PREFIXES = ("{static}", "{attach}", "{filename}")


@dataclass(frozen=True)
class ImageRef:
    src: str
    file: str | None  # the file under content/ it points to (None: another site)


def image_file(src: str, source_relative_dir: str, content_root: str, static_dirs=("images",)) -> str | None:
    """Where a picture's src points inside content/ (None when it is on another site).

    Accepts {static}/images/x.jpg (recommended), /images/x.jpg (what the web editor
    writes), and paths relative to the Markdown file (../images/x.jpg)."""
    src = unquote(src.strip())
    for prefix in IMAGE_PREFIXES:
        if src.startswith(prefix):
            path = src[len(prefix):].split("?")[0].split("#")[0]
            base = "" if path.startswith("/") else source_relative_dir
            return os.path.normpath(os.path.join(content_root, base, path.lstrip("/")))
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return None
    if parts.path.startswith("/"):
        return os.path.normpath(os.path.join(content_root, parts.path.lstrip("/")))
    return os.path.normpath(os.path.join(content_root, source_relative_dir, parts.path))


def check_images(src: Source, html: str, *, content_root: str, rel_dir: str, max_bytes: int,
                 parsed: tuple[list[dict], list[str]] | None = None) -> list[Issue]:
    """Every picture has meaningful alt text, exists, and is small enough.

    ``parsed`` is ``collect(html)`` when the caller has it already (the page is parsed once)."""
    images, _ = parsed if parsed is not None else collect(html)
    issues = []
    for attrs in images:
        source = attrs.get("src", "") or ""
        name = posixpath.basename(urlsplit(source).path) or source
        alt = attrs.get("alt")
        # The line of this picture: by its alt text (two pictures may show one file), else its file name.
        line = (src.line_of(f"![{alt}]", default=0) if alt else 0) or (src.line_of(name) if name else src.body_line)
        stem = os.path.splitext(name)[0].lower()
        file = image_file(source, rel_dir, content_root) if source else None
        written = ("{static}/" + os.path.relpath(file, content_root).replace(os.sep, "/")) if file else source
        if alt is None or not alt.strip():
            issues.append(Issue(src.path, line, "image", f"the picture {name} has no alt text",
                                "Describe what the picture shows, in a short sentence, inside the square "
                                f"brackets: ![A mug of tea on a sunny windowsill]({written})"))
        elif alt.strip().lower() in {name.lower(), stem} or re.sub(r"[\s_-]+", "", alt.lower()) == re.sub(r"[\s_-]+", "", stem):
            issues.append(Issue(src.path, line, "image", f'the alt text "{alt}" is just the file name',
                                "Describe what the picture shows, for someone who cannot see it: "
                                "for example ![A mug of tea on a sunny windowsill](...)"))
        elif alt.strip().lower().rstrip(".") in GENERIC_ALT:
            issues.append(Issue(src.path, line, "image", f'the alt text "{alt}" does not say what the picture shows',
                                "Describe it, for someone who cannot see it: for example "
                                "![A mug of tea on a sunny windowsill](...)"))
        if source and file is None:
            issues.append(Issue(src.path, line, "image", f"the picture {source} is on another website",
                                "Add the picture to content/images/ and use ![...]({static}/images/"
                                f"{name or 'picture.jpg'}): the site never loads files from other websites"))
        elif file is not None:
            issues.extend(check_image_file(src.path, line, file, content_root, max_bytes))
    return issues


def check_image_file(path: str, line: int, file: str, content_root: str, max_bytes: int) -> list[Issue]:
    shown = os.path.relpath(file, os.path.dirname(content_root.rstrip("/")) or ".")
    if not os.path.isfile(file):
        folder = os.path.dirname(file)
        near = _close_file(os.path.basename(file), folder)
        return [Issue(path, line, "image", f"there is no picture {shown}"
                      + (f" (did you mean {near}?)" if near else ""),
                      "Check the spelling of the file name (capital letters count), or add the "
                      "picture to content/images/")]
    size = os.path.getsize(file)
    if size > max_bytes:
        return [Issue(path, line, "image",
                      f"{shown} is {_size(size)}; the limit is {_size(max_bytes)}",
                      "Save a smaller copy (2000 pixels wide is plenty; the site makes the phone "
                      "sizes itself) and use that")]
    if os.path.splitext(file)[1].lower() in PICTURE_SUFFIXES and not _readable_picture(file):
        return [Issue(path, line, "image", f"{shown} is not a picture that can be opened (it may be damaged, or "
                      "another kind of file renamed)",
                      "Open it in a picture program and save it again as JPEG or PNG, then use the new file")]
    return []


PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


def _readable_picture(file: str) -> bool:
    """Whether Pillow can read the picture's header (quick: the pixels are not decoded)."""
    try:
        from PIL import Image

        with Image.open(file) as picture:
            picture.verify()
        return True
    except Exception:  # Pillow raises many kinds for a broken file; all mean "cannot be used"
        return False


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{max(1, round(count / 1000))} KB"


def _close_file(name: str, folder: str) -> str | None:
    import difflib

    try:
        names = os.listdir(folder)
    except OSError:
        return None
    lower = {n.lower(): n for n in names}
    if name.lower() in lower:
        return lower[name.lower()]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.7)
    return close[0] if close else None


# -------------------------------------------------------------------------------- links

@dataclass(frozen=True)
class Link:
    path: str  # the Markdown file
    line: int
    href: str
    from_url: str  # the page's own URL, for relative links


def links_of(src: Source, html: str, page_url: str,
             parsed: tuple[list[dict], list[str]] | None = None) -> list[Link]:
    _, hrefs = parsed if parsed is not None else collect(html)
    return [Link(src.path, src.line_of(href), href, page_url) for href in hrefs]


@dataclass
class SiteMap:
    """What exists in the site, to check links against."""

    sources: dict[str, str]  # content path (pages/get-support.md) -> status (published/hidden/draft)
    statics: set[str]  # static file paths (images/x.jpg)
    urls: set[str]  # every published URL without leading slash ("" for home, "stories/", "images/x.jpg")
    external_hosts: set[str]
    content_root: str


def check_link(link: Link, site: SiteMap, *, rel_dir: str, drafts_published: bool = False) -> list[Issue]:
    href = link.href.strip()
    issue = lambda what, fix: [Issue(link.path, link.line, "body", what, fix)]  # noqa: E731
    if href.startswith("#") or href == "":
        return []
    if href.startswith("{filename}") or href.startswith("{static}") or href.startswith("{attach}"):
        what = href[1:href.index("}")]
        raw = unquote(href[len(what) + 2:].split("#")[0].split("?")[0])
        target = posixpath.normpath(raw.lstrip("/") if raw.startswith("/") else posixpath.join(rel_dir, raw))
        if what == "filename":
            if target in site.sources:
                if site.sources[target] == "draft":
                    return issue(f"the link to {href} goes to a draft, which is not published, so "
                                 "the link would be broken on the live site",
                                 "Publish that page first, or remove the link")
                return []
            if target in site.statics:
                return issue(f"the link {href} uses {{filename}} for a file that is not a page",
                             f"Write {{static}}/{target} instead")
            near = _close(target, list(site.sources))
            return issue(f"the link to {href} goes nowhere: there is no file content/{target}"
                         + (f" (did you mean {near}?)" if near else ""),
                         f"Check the file name, for example {{filename}}/{near or 'pages/get-support.md'}")
        if target in site.statics:
            return []
        return issue(f"the link to {href} goes nowhere: there is no file content/{target}",
                     "Check the file name (capital letters count), or add the file to content/images/")
    parts = urlsplit(href)
    scheme = parts.scheme.lower()
    if scheme in ("mailto", "tel", "sms", "javascript", "vbscript", "data"):
        return []  # the last three are reported by check_unsafe_html
    if scheme in ("http", "https") or parts.netloc:
        host = (parts.hostname or "").lower()
        if host not in site.external_hosts:
            return issue(f"the link to {href} goes to {host}, which is not on the list of sites we link to",
                         "Check it is a site we trust, then ask a developer to add it to "
                         "EXTERNAL_LINK_HOSTS in pelicanconf.py; or remove the link")
        if scheme == "http":
            return issue(f"the link to {href} is not secure (http)", f"Write https://{href[7:]}")
        return []
    if scheme:
        return issue(f'the link to {href} uses "{scheme}:", which we do not link to',
                     "Use an https:// web address, or {filename} for a page of this site")
    # A link inside the site, written as a web address (/get-support/ or ../get-support/).
    path = unquote(parts.path)
    base = "/" + link.from_url.lstrip("/")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(base) if not base.endswith("/") else base, path))
    target = target.lstrip("/")
    if path.endswith("/") and target:
        target += "/"
    if target in ("", ".") or target in site.urls:
        return []
    if target + "/" in site.urls:
        return issue(f"the link to {href} needs a / at the end",
                     f"Write {href.split('#')[0]}/ (or better, link with {{filename}} to the Markdown file)")
    if target.endswith("index.html") and target[: -len("index.html")] in site.urls:
        return []
    near = _close(target, [u for u in site.urls if u.endswith("/")])
    return issue(f"the link to {href} goes to a page that does not exist"
                 + (f" (did you mean /{near}?)" if near else ""),
                 "Link to the Markdown file instead, for example [get support]({filename}/pages/get-support.md): "
                 "the build then checks the page exists")


def _close(target: str, options: list[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(target, options, n=1, cutoff=0.6)
    return close[0] if close else None
