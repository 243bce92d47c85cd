"""Host headers: security headers for the host, made from the built pages.

After the build (after every plugin that writes pages), it reads every page, hashes any
inline <script> or <style> (there are none in the public pages; the web editor has one),
and writes the files below. When the build has workers (plugins/build_workers), they scan each page as
it is written, in batches, and only pages written or changed after that are read here.

- ``_headers`` (Netlify / Cloudflare Pages): a strict Content Security Policy, HSTS,
  nosniff, Referrer-Policy, Permissions-Policy, frame-ancestors (and X-Frame-Options),
  Cross-Origin-Opener-Policy; CORS for the Open Referral data.
- ``nginx-security-headers.conf``: the same for nginx.

The search page and Pagefind's worker (/pagefind/) also allow WebAssembly
('wasm-unsafe-eval'), which Pagefind needs, and the search page's own inline script by
its hash; no other page allows either.
A style="" or on*="" attribute in a page cannot be allowed by a hash: the build reports it.

Settings: HOST_HEADERS_FORM_ACTION (where forms may post; "'self'" by default, add the
referral service's origin if it is not this site), HOST_HEADERS_PATH_CSP (extra policies
by path, e.g. the web editor), HOST_HEADERS_FLAVOUR ("netlify" or "cloudflare").
"""

from __future__ import annotations

import os
from pathlib import Path

from pelican import signals

import build_workers
from content_problems import report

from . import policy



SEARCH_PATHS = ("/search/", "/pagefind/*")  # Pagefind: WebAssembly in the page and its worker


def build(output: Path, settings: dict, scanned: dict | None = None) -> list[policy.Rule]:
    """The header rules for this build. Inline code found in a page is allowed by its hash
    only in the policy that applies to that page (the search page's script is allowed on
    /search/ only). ``scanned``: pages scanned already (file -> (stamp, Inline)); one whose
    file has changed since is read again."""
    special = {path for path in (settings.get("HOST_HEADERS_PATH_CSP") or {})}
    own_rules = list(SEARCH_PATHS) + sorted(special)
    scanners = {rule: policy.PageScanner() for rule in own_rules + ["/*"]}
    scanned = scanned or {}
    for page, path in policy.html_files(output):  # one page in memory at a time
        rule = next((r for r in own_rules if policy.matches(r, page)), "/*")
        earlier = scanned.get(str(path))
        if earlier is not None and earlier[0] == policy.stamp(path):
            scanners[rule].add_found(page, earlier[1], path)
        else:
            scanners[rule].add(page, path.read_text(encoding="utf-8", errors="replace"), path)
    found = {rule: scanner.finish() for rule, scanner in scanners.items()}
    for rule, inline in found.items():
        if rule in special:
            continue  # the web editor's own policy decides what it allows
        for page, value in inline.style_attributes:
            report(str(output / page.lstrip("/")), "style", f'style="{value}" is blocked by the Content Security '
                   "Policy, so it would not work on the live site", "Move it into a class in theme/static/css/site.css "
                   "(from the template or the text that wrote it)", line=1)
        for page, name in inline.event_handlers:
            report(str(output / page.lstrip("/")), name, f"an {name}= attribute is blocked by the Content Security "
                   "Policy, so it would not work on the live site", "Use addEventListener in a script file instead",
                   line=1)
    form_action = settings.get("HOST_HEADERS_FORM_ACTION") or ["'self'"]
    site = policy.csp(policy.site_policy(found["/*"], form_action=form_action))
    overrides = {}
    for path in SEARCH_PATHS:
        merged = policy.Inline(scripts=found["/*"].scripts | found[path].scripts,
                               styles=found["/*"].styles | found[path].styles,
                               data_images=found["/*"].data_images | found[path].data_images)
        overrides[path] = policy.csp(policy.site_policy(merged, form_action=form_action, wasm=True))
    for path, directives in (settings.get("HOST_HEADERS_PATH_CSP") or {}).items():
        extra = found[path]
        merged = {name: list(values) for name, values in directives.items()}
        merged["script-src"] = merged.get("script-src", ["'self'"]) + sorted(extra.scripts)
        if extra.styles and "'unsafe-inline'" not in merged.get("style-src", []):
            merged["style-src"] = merged.get("style-src", ["'self'"]) + sorted(extra.styles)
        overrides[path] = policy.csp(merged)
    open_referral = (settings.get("OPEN_REFERRAL_PATH") or "").strip("/") or None
    return policy.rules(site, overrides, open_referral)


# Pages are handed to the build workers in batches of this many as they are written.
WORKER_BATCH = 64
_state: dict = {}  # this build's pages waiting for a worker, and the workers' jobs


def _new_run(pelican) -> None:
    _state.update(output=Path(os.path.abspath(pelican.output_path)), settings=pelican.settings, waiting=[],
                  jobs=[])


def _written(path, context=None) -> None:
    """A page is written: a build worker scans it now, if the build has workers running."""
    if "output" not in _state or not str(path).endswith(".html") or not build_workers.running():
        return
    absolute = Path(os.path.abspath(path))
    _state["waiting"].append((policy.page_address(_state["output"], absolute), str(absolute)))
    if len(_state["waiting"]) >= WORKER_BATCH:
        _state["jobs"].append(build_workers.submit(_state["settings"], policy.scan_files, _state["waiting"],
                                                   start=False))
        _state["waiting"] = []


def _scanned() -> dict:
    """file -> (stamp, Inline) for every page a worker has scanned (the rest are read here)."""
    found = {}
    for job in _state.get("jobs", []):
        for path, file_stamp, inline in job.result_or_none() or []:
            found[path] = (file_stamp, inline)
    _state.update(waiting=[], jobs=[])
    return found


def _write(pelican) -> None:
    output = Path(pelican.output_path)
    settings = pelican.settings
    all_rules = build(Path(os.path.abspath(output)), settings, _scanned())
    flavour = settings.get("HOST_HEADERS_FLAVOUR", "netlify")
    (output / "_headers").write_text(policy.headers_file(all_rules, flavour), encoding="utf-8")
    open_referral = (settings.get("OPEN_REFERRAL_PATH") or "").strip("/") or None
    (output / "nginx-security-headers.conf").write_text(policy.nginx_conf(all_rules, open_referral),
                                                        encoding="utf-8")


def register() -> None:
    signals.get_generators.connect(_new_run)
    signals.content_written.connect(_written)
    signals.finalized.connect(_write)
