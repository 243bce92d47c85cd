"""Pure helpers: read the redirects file, check it, and write the host rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml

SAFE_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


@dataclass(frozen=True)
class Redirect:
    old: str   # "/about-us/"
    new: str   # "/about/"
    line: int  # line in the redirects file, for error messages

    @property
    def stub_file(self) -> str | None:
        """Where the redirect page is written, or None for addresses like /x.php that a
        static host cannot serve as a page (the host rules still cover them)."""
        path = self.old.lstrip("/")
        if path == "":
            return None
        if path.endswith("/"):
            return path + "index.html"
        suffix = PurePosixPath(path).suffix.lower()
        if suffix in (".html", ".htm"):
            return path
        if suffix:
            return None
        return path + "/index.html"


class RedirectsFileError(Exception):
    pass


def parse(text: str) -> list[Redirect]:
    """The redirects in file order. Raises RedirectsFileError for a file that is not a
    mapping under ``redirects:``."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise RedirectsFileError(f"the file is not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise RedirectsFileError("the file is not a list of '/old/: /new/' lines under 'redirects:'")
    stray = [key for key in data if str(key).startswith("/")]
    if stray:
        raise RedirectsFileError(f"the address {stray[0]} is not under the line 'redirects:', so it would be ignored")
    mapping = data.get("redirects", {})
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, dict):
        raise RedirectsFileError("'redirects:' must be a list of '/old/: /new/' lines")
    lines = text.splitlines()
    found = []
    for old, new in mapping.items():
        number = next((n for n, line in enumerate(lines, start=1)
                       if line.strip().startswith(f"{old}:") or line.strip().startswith(f"'{old}'")
                       or line.strip().startswith(f'"{old}"')), 1)
        found.append(Redirect(str(old).strip(), str(new if new is not None else "").strip(), number))
    return found


def normalise(url: str) -> str:
    """"/about/#team" -> "/about/" (the part a file can answer)."""
    return url.split("#", 1)[0].split("?", 1)[0]


def check(redirects: list[Redirect], exists, is_page) -> list[tuple[Redirect, str, str]]:
    """Problems as (redirect, message, fix). ``exists(path)`` says whether the build has
    a page or file at a site path; ``is_page(path)`` whether a real page lives there."""
    problems = []
    olds = {r.old for r in redirects}
    for r in redirects:
        if not SAFE_PATH.match(r.old):
            problems.append((r, f"'{r.old}' is not an address on this site",
                             "Write the old address as a path starting with /, for example /about-us/"))
            continue
        if not SAFE_PATH.match(r.new):
            problems.append((r, f"'{r.new}' is not an address on this site",
                             "Write the new address as a path starting with /, for example /about/"))
            continue
        if normalise(r.old) == normalise(r.new):
            problems.append((r, f"'{r.old}' redirects to itself", "Delete this line or give a new address"))
            continue
        if is_page(r.old):
            problems.append((r, f"'{r.old}' is still a page on the site, so it cannot redirect",
                             "Delete this line, or move the page first"))
            continue
        if normalise(r.new) in olds:
            problems.append((r, f"'{r.new}' is itself an old address in this file",
                             "Point straight to the final page, so visitors are redirected only once"))
            continue
        if not exists(normalise(r.new)):
            problems.append((r, f"'{r.new}' is not a page on the site",
                             "Change it to the address of a page that exists, for example /services/therapy-sessions/"))
    return problems


def netlify_redirects(redirects: list[Redirect], base: str = "", force: bool = False,
                      extra: list[tuple[str, str, int]] | None = None) -> str:
    """The ``_redirects`` file (Netlify, Cloudflare Pages): one ``old new 301`` per line.

    Each old address is listed with and without its trailing slash. ``extra`` rules (for
    example rewrites of the Open Referral API paths) come after the redirects.
    """
    code = "301!" if force else "301"
    out = ["# Made by the build from content/data/redirects.yml. Do not edit by hand."]
    for r in redirects:
        for old in _variants(r.old):
            out.append(f"{old} {r.new} {code}")
    for source, target, status in extra or []:
        out.append(f"{source} {target} {status}")
    return "\n".join(out) + "\n"


def nginx_map(redirects: list[Redirect]) -> str:
    """An nginx ``map`` from the request path to the new address (see docs/partners.md)."""
    out = [
        "# Made by the build from content/data/redirects.yml. Do not edit by hand.",
        "# In the http {} block:   include /path/to/site/nginx-redirects.map;",
        "# In the server {} block: if ($oxpip_redirect) { return 301 $oxpip_redirect; }",
        "map $uri $oxpip_redirect {",
        "    default \"\";",
    ]
    for r in redirects:
        for old in _variants(r.old):
            out.append(f"    \"{old}\" \"{r.new}\";")
    out.append("}")
    return "\n".join(out) + "\n"


def _variants(old: str) -> list[str]:
    if old.endswith("/") and old != "/":
        return [old, old.rstrip("/")]
    return [old]
