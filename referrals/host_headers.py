"""Reading the ``_headers`` file that the site build writes (plugins/host_headers).

The build writes, for each path, the headers the static host must send (Netlify's and
Cloudflare Pages' ``_headers`` format): the Content Security Policy and the other security
headers. The development server (``python -m referrals dev``, which ``make serve`` runs)
reads the same file, so a page previewed locally gets exactly the headers it will get in
production. Pure helpers: no web framework, no Pelican.

Format: a line with a path ("/*", "/search/", "/admin/*") starts a rule; indented
``Name: value`` lines under it are its headers; ``# ...`` lines are comments; an indented
``! Name`` line (Cloudflare's "detach the header set by an earlier rule") is skipped,
because later rules replace earlier values anyway.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Rule:
    path: str                  # "/*", "/search/", "/open-referral/*"
    headers: dict[str, str]
    note: str = ""


def parse_headers_file(text: str) -> list[Rule]:
    """The rules of a ``_headers`` file, in order."""
    found: list[Rule] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith((" ", "\t")):
            found.append(Rule(raw.strip(), {}))
        elif found and ":" in raw and not raw.strip().startswith("!"):
            name, value = raw.strip().split(":", 1)
            found[-1].headers[name.strip()] = value.strip()
    return found


def matches(rule_path: str, path: str) -> bool:
    """Whether a header rule ("/*", "/search/", "/admin/*") covers a request or file path."""
    if rule_path.endswith("*"):
        return path.startswith(rule_path[:-1])
    return path == rule_path or (rule_path.endswith("/") and path == rule_path + "index.html")


def headers_for(all_rules: list[Rule], path: str) -> dict[str, str]:
    """The headers for one request path, read as Netlify does: every matching rule applies,
    a later rule's value replaces an earlier one's."""
    result: dict[str, str] = {}
    for rule in all_rules:
        if matches(rule.path, path):
            result.update(rule.headers)
    return result
