"""Host headers: security headers for the host, made from the built pages.

After the build (this plugin runs last), it reads every page, hashes any inline <script>
or <style> (there are none in the public pages; the web editor has one), and writes:

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

from pathlib import Path

from pelican import signals

from content_problems import report

from . import policy



SEARCH_PATHS = ("/search/", "/pagefind/*")  # Pagefind: WebAssembly in the page and its worker


def build(output: Path, settings: dict) -> list[policy.Rule]:
    """The header rules for this build. Inline code found in a page is allowed by its hash
    only in the policy that applies to that page (the search page's script is allowed on
    /search/ only)."""
    special = {path for path in (settings.get("HOST_HEADERS_PATH_CSP") or {})}
    own_rules = list(SEARCH_PATHS) + sorted(special)
    scanners = {rule: policy.PageScanner() for rule in own_rules + ["/*"]}
    for page, html, path in policy.html_files(output):  # one page in memory at a time
        rule = next((r for r in own_rules if policy.matches(r, page)), "/*")
        scanners[rule].add(page, html, path)
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


def _write(pelican) -> None:
    output = Path(pelican.output_path)
    settings = pelican.settings
    all_rules = build(output, settings)
    flavour = settings.get("HOST_HEADERS_FLAVOUR", "netlify")
    (output / "_headers").write_text(policy.headers_file(all_rules, flavour), encoding="utf-8")
    open_referral = (settings.get("OPEN_REFERRAL_PATH") or "").strip("/") or None
    (output / "nginx-security-headers.conf").write_text(policy.nginx_conf(all_rules, open_referral),
                                                        encoding="utf-8")


def register() -> None:
    signals.finalized.connect(_write)
