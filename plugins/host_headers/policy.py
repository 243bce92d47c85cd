"""Pure helpers: find inline code in built pages, and write the host header files.

The Content Security Policy allows scripts, styles, images and connections from this site
only. An inline <script> or <style> is allowed only by its sha256 hash, which the build
computes from the pages themselves, so a template change can never silently break a page
or silently widen the policy. JSON-LD (<script type="application/ld+json">) is data, not
script: browsers never run it and CSP does not apply to it, so it needs no hash.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# The reading side of _headers (Rule, matches, headers_for, parse_headers_file) lives with
# the referral service, whose development server sends these same headers (make serve).
from referrals.host_headers import Rule, headers_for, matches, parse_headers_file  # noqa: F401

DATA_SCRIPT_TYPES = {"application/ld+json", "application/json", "text/template", "importmap"}
JS_TYPES = {"", "text/javascript", "application/javascript", "module"}


@dataclass
class Inline:
    scripts: set[str] = field(default_factory=set)      # sha256 sources: 'sha256-...'
    styles: set[str] = field(default_factory=set)
    style_attributes: list[tuple[str, str]] = field(default_factory=list)  # (page, value)
    event_handlers: list[tuple[str, str]] = field(default_factory=list)     # (page, attribute)
    data_images: set[str] = field(default_factory=set)  # pages with a data: image (an inline icon)


def sha256_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


class _Finder(HTMLParser):
    def __init__(self, page: str, found: Inline):
        super().__init__(convert_charrefs=False)
        self.page, self.found = page, found
        self.capture: str | None = None
        self.buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.found.style_attributes.append((self.page, attrs["style"] or ""))
        for name in attrs:
            if name.startswith("on"):
                self.found.event_handlers.append((self.page, name))
        if (tag in ("img", "source") and (attrs.get("src") or "").startswith("data:image/")) or \
                (tag == "link" and "icon" in (attrs.get("rel") or "") and (attrs.get("href") or "").startswith("data:image/")):
            self.found.data_images.add(self.page)
        if tag == "script" and "src" not in attrs:
            kind = (attrs.get("type") or "").strip().lower()
            if kind in JS_TYPES:
                self.capture, self.buffer = "script", []
        elif tag == "style":
            self.capture, self.buffer = "style", []

    def handle_data(self, data):
        if self.capture:
            self.buffer.append(data)

    def handle_entityref(self, name):
        if self.capture:
            self.buffer.append(f"&{name};")

    def handle_charref(self, name):
        if self.capture:
            self.buffer.append(f"&#{name};")

    def handle_endtag(self, tag):
        if self.capture and tag == self.capture:
            text = "".join(self.buffer)
            (self.found.scripts if tag == "script" else self.found.styles).add(sha256_source(text))
            self.capture = None


def scan(files: list[tuple[str, str]]) -> Inline:
    """Inline scripts, styles, style attributes and event handlers in (page, html) pairs."""
    found = Inline()
    for page, html in files:
        _scan_page(page, html, found)
    return found


def _scan_page(page: str, html: str, found: Inline) -> None:
    finder = _Finder(page, found)
    finder.feed(html)
    finder.close()


# A cheap, conservative prefilter: a page that none of these match cannot add a hash, a
# style="" or an on*="" report, so it need not be parsed. (They may match more than the
# parser finds, e.g. a comment or an attribute value; then the page is simply parsed.)
_STYLE_TAG = re.compile(r"<style\b", re.I)
_ATTRIBUTE = re.compile(r"""[\s'"/](?:on[^\s/>="'<]*|style)\s*(?:=|/?>)""", re.I)
_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
_WELL_FORMED_ATTRS = re.compile(
    r"""(?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?""")
_ONE_ATTR = re.compile(r"""\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
DATA_IMAGE = "data:image/"


def _inline_script_possible(attrs: str) -> bool:
    """Whether a <script ...> tag (its attribute text) may be inline code the parser hashes."""
    if not _WELL_FORMED_ATTRS.fullmatch(attrs):
        return True
    found = {}
    for match in _ONE_ATTR.finditer(attrs):
        name = match.group(1).lower()
        if name not in found:  # the parser keeps the first of a repeated attribute in dict()
            found[name] = next((g for g in match.groups()[1:] if g is not None), "")
    if "src" in found:
        return False
    return found.get("type", "").strip().lower() in JS_TYPES


def needs_scan(html: str) -> bool:
    """Whether a page may have an inline <script> or <style>, a style="" or an on*="" (the
    things that need a hash or a report). Data images are checked apart (``scan_pages``)."""
    if _STYLE_TAG.search(html) or _ATTRIBUTE.search(html):
        return True
    return any(_inline_script_possible(m.group(1)) for m in _SCRIPT_TAG.finditer(html))


class PageScanner:
    """``scan`` over pages given one at a time, parsing only the pages that can need it, with
    the same scripts, styles, style attributes, event handlers (in the same order) and the
    same answer to whether any page has a data: image: pages the prefilter passes are parsed
    at once; pages with a data: image are parsed at the end (read again from their file)
    only until one is confirmed. No page's text is kept."""

    def __init__(self):
        self.found = Inline()
        self._data_image_pages: list[tuple[str, Path]] = []

    def add(self, page: str, html: str, path: Path) -> None:
        if needs_scan(html):
            _scan_page(page, html, self.found)
        elif DATA_IMAGE in html:
            self._data_image_pages.append((page, path))

    def add_found(self, page: str, found: Inline | bool, path: Path) -> None:
        """What ``scan_file`` found in one page (scanned elsewhere, e.g. by a build worker)."""
        if found is True:
            self._data_image_pages.append((page, path))
        if isinstance(found, bool):
            return
        self.found.scripts |= found.scripts
        self.found.styles |= found.styles
        self.found.style_attributes += found.style_attributes
        self.found.event_handlers += found.event_handlers
        self.found.data_images |= found.data_images

    def finish(self) -> Inline:
        for page, path in self._data_image_pages:
            if self.found.data_images:
                break
            _scan_page(page, _read(path), self.found)
        self._data_image_pages = []
        return self.found


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def stamp(path: Path | str) -> tuple[int, int]:
    """A file's (modification time in ns, size): whether it changed since it was scanned."""
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size


def scan_file(page: str, path: str) -> tuple[tuple[int, int], Inline | bool]:
    """One written page, read and scanned on its own, as ``PageScanner.add`` would: its
    stamp, and what parsing found in it, or (not parsed) whether it has a data: image."""
    file_stamp = stamp(path)
    html = _read(Path(path))
    if needs_scan(html):
        found = Inline()
        _scan_page(page, html, found)
        return file_stamp, found
    return file_stamp, DATA_IMAGE in html


def scan_files(pages: list[tuple[str, str]]) -> list[tuple[str, tuple[int, int], Inline | bool]]:
    """``scan_file`` for several (address, file) pairs: one job for a build worker."""
    return [(path, *scan_file(page, path)) for page, path in pages]


def html_files(output: Path, under: str = ""):
    """Each built page as (address, file), in a stable order."""
    root = output / under if under else output
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.html")):
        yield page_address(output, path), path


def page_address(output: Path, path: Path) -> str:
    return "/" + path.relative_to(output).as_posix()


def csp(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


def site_policy(inline: Inline, *, form_action: list[str], wasm: bool = False) -> dict[str, list[str]]:
    """The strict policy for every page (the search page adds WebAssembly for Pagefind).

    ``data:`` images are allowed only if a page has one (the inline favicon): an image
    cannot run script, and an inline icon saves every page a request."""
    script = ["'self'"] + sorted(inline.scripts)
    if wasm:
        script.append("'wasm-unsafe-eval'")
    return {
        "default-src": ["'none'"],
        "script-src": script,
        "style-src": ["'self'"] + sorted(inline.styles),
        "img-src": ["'self'"] + (["data:"] if inline.data_images else []),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": form_action,
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "upgrade-insecure-requests": [],
    }


COMMON_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": ("accelerometer=(), browsing-topics=(), camera=(), geolocation=(), "
                           "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"),
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def rules(site_csp: str, overrides: dict[str, str], open_referral: str | None) -> list[Rule]:
    """Header rules in order. Later rules replace a header set by an earlier one."""
    out = [Rule("/*", {"Content-Security-Policy": site_csp, **COMMON_HEADERS},
                "Every response: the strict policy and the security headers.")]
    for path, policy in overrides.items():
        out.append(Rule(path, {"Content-Security-Policy": policy}, f"{path} needs more than the strict policy."))
    if open_referral:
        out.append(Rule(f"/{open_referral}/*", {"Access-Control-Allow-Origin": "*",
                                                "Cross-Origin-Resource-Policy": "cross-origin"},
                        "Open Referral UK data: any directory may read it (UK compliance rule)."))
    return out


def headers_file(all_rules: list[Rule], flavour: str = "netlify") -> str:
    """``_headers`` for Netlify (a later rule's header replaces an earlier one's) or
    Cloudflare Pages (``flavour="cloudflare"``: ``! Header`` first detaches the earlier one)."""
    out = ["# Made by the build (plugins/host_headers). Do not edit by hand: change the",
           "# templates or the HOST_HEADERS_* settings, then build again. See docs/partners.md."]
    for rule in all_rules:
        out.append("")
        if rule.note:
            out.append(f"# {rule.note}")
        out.append(rule.path)
        for name, value in rule.headers.items():
            if flavour == "cloudflare" and rule.path != "/*" and name in all_rules[0].headers:
                out.append(f"  ! {name}")
            out.append(f"  {name}: {value}")
    return "\n".join(out) + "\n"


def _nginx_block(headers: dict[str, str], indent: str) -> list[str]:
    return [f'{indent}add_header {name} "{value}" always;' for name, value in headers.items()]


def nginx_conf(all_rules: list[Rule], open_referral: str | None) -> str:
    """An nginx snippet for the server {} block. nginx drops inherited add_header lines in
    a location that has its own, so each location repeats the full set."""
    base = all_rules[0].headers
    out = ["# Made by the build (plugins/host_headers). Include it inside server { ... }:",
           "#     include /path/to/site/nginx-security-headers.conf;",
           "# Redirects (nginx-redirects.map, included in http { ... }):",
           "#     if ($oxpip_redirect) { return 301 $oxpip_redirect; }",
           ""]
    out += _nginx_block(base, "")
    for rule in all_rules[1:]:
        merged = dict(base, **rule.headers)
        if rule.path.endswith("*"):
            prefix = rule.path[:-1]
            out.append("")
            out.append(f"location {prefix} {{")
            if open_referral and prefix == f"/{open_referral}/":
                out.append("    default_type application/json;")
                out.append("    try_files $uri $uri.json $uri/index.json =404;")
        else:
            out.append("")
            out.append(f"location = {rule.path} {{")
            if rule.path.endswith("/"):
                out.append("    try_files ${uri}index.html =404;")
        out += _nginx_block(merged, "    ")
        out.append("}")
    return "\n".join(out) + "\n"
