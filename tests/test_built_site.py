"""Built-site tests: the real content/ built once (see conftest.built_site), every HTML
page parsed with BeautifulSoup. Each test checks one rule on EVERY page and lists every
page that breaks it, with what is wrong, so one run shows the whole picture."""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
import yaml

from site_testkit import words_of

ROOT = Path(__file__).resolve().parent.parent

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]


# ------------------------------------------------------------------------- helpers


def report(problems: list[str], rule: str) -> None:
    """Fail with one line per problem (each starts with the page's URL)."""
    if problems:
        shown = problems[:80]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        pytest.fail(
            f"{rule}: {len(problems)} problem(s)\n  - " + "\n  - ".join(shown) + more,
            pytrace=False,
        )


def text_of(el) -> str:
    return " ".join(el.get_text(" ", strip=True).replace("\xa0", " ").split())


def hidden(el) -> bool:
    """True if el is inside something never rendered (hidden, inert, template)."""
    node = el
    while node is not None and getattr(node, "name", None):
        if node.name == "template" or node.has_attr("hidden") or node.has_attr("inert"):
            return True
        node = node.parent
    return False


def tabindex(el) -> int | None:
    try:
        return int(el.get("tabindex")) if el.has_attr("tabindex") else None
    except ValueError:
        return None


def focusable(el) -> bool:
    """In the sequential (Tab) focus order, as far as HTML alone tells."""
    ti = tabindex(el)
    if ti is not None and ti < 0:
        return False
    if hidden(el) or el.has_attr("disabled"):
        return False
    if ti is not None:
        return True
    name = el.name
    if name in ("a", "area"):
        return el.has_attr("href")
    if name in ("button", "select", "textarea", "iframe"):
        return True
    if name == "input":
        return (el.get("type") or "text").lower() != "hidden"
    if name == "summary":
        return el.parent is not None and el.parent.name == "details" and el.parent.find("summary") is el
    if name in ("audio", "video"):
        return el.has_attr("controls")
    if el.has_attr("contenteditable") and el["contenteditable"].lower() != "false":
        return True
    return False


def tab_order(soup) -> list:
    body = soup.body or soup
    elements = [el for el in body.find_all(True) if focusable(el)]
    positive = [el for el in elements if (tabindex(el) or 0) > 0]
    rest = [el for el in elements if (tabindex(el) or 0) <= 0]
    return sorted(positive, key=tabindex) + rest


def describe(el) -> str:
    attrs = "".join(
        f' {k}="{v if isinstance(v, str) else " ".join(v)}"'
        for k, v in el.attrs.items()
        if k in ("id", "class", "href", "src", "name", "type")
    )
    text = text_of(el)[:40]
    return f"<{el.name}{attrs}>{text}" + ("..." if len(text_of(el)) > 40 else "")


def main_of(page):
    mains = page.soup.find_all("main") + page.soup.find_all(attrs={"role": "main"})
    return mains[0] if mains else None


@pytest.fixture(scope="module")
def settings(site_config):
    return site_config


@pytest.fixture(scope="module")
def pages(site_index):
    """Every HTML page in the build."""
    found = list(site_index)
    assert found, "the build has no HTML pages"
    return found


@pytest.fixture(scope="module")
def public_pages(site_index):
    """Every page for the public (not the staff-only ones listed in site_testkit.STAFF_ONLY)."""
    return site_index.public_pages


# --------------------------------------------------------------------------- build


def test_build_prints_no_warnings(build_result, built_site):
    """`make html` must be clean: a warning is a content or theme problem to fix."""
    warnings = build_result.warnings
    assert not warnings, (
        f"Pelican printed {len(warnings)} warning(s) while building content/ "
        "with pelicanconf.py:\n  - " + "\n  - ".join(warnings)
    )


# --------------------------------------------------------------- every page: basics


def test_every_page_sets_lang(pages):
    problems = []
    for page in pages:
        html = page.soup.find("html")
        lang = (html.get("lang") or "").strip() if html else ""
        if not lang:
            problems.append(f"{page.url}: <html> has no lang attribute")
        elif not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
            problems.append(f'{page.url}: lang="{lang}" is not a valid language tag')
    report(problems, "<html lang> must be set on every page")


def test_every_page_has_a_unique_title(pages):
    problems, by_title = [], collections.defaultdict(list)
    for page in pages:
        titles = page.soup.find_all("title")
        if len(titles) != 1:
            problems.append(f"{page.url}: {len(titles)} <title> elements (need exactly 1)")
            continue
        title = text_of(titles[0])
        if not title:
            problems.append(f"{page.url}: <title> is empty")
        else:
            by_title[title].append(page.url)
    for title, urls in by_title.items():
        if len(urls) > 1:
            problems.append(f'{", ".join(urls)}: share the same <title> "{title}"')
    report(problems, "every page needs its own <title>")


def test_every_page_has_exactly_one_h1(public_pages):
    problems = []
    for page in public_pages:
        h1s = page.soup.find_all("h1")
        if len(h1s) != 1:
            found = "; ".join(f'"{text_of(h)}"' for h in h1s) or "none"
            problems.append(f"{page.url}: {len(h1s)} <h1> elements ({found}); need exactly 1")
        elif not text_of(h1s[0]):
            problems.append(f"{page.url}: the <h1> is empty")
    report(problems, "exactly one <h1> per page")


def test_every_page_has_exactly_one_main(public_pages):
    problems = []
    for page in public_pages:
        mains = page.soup.find_all("main")
        roles = [el for el in page.soup.find_all(attrs={"role": "main"}) if el.name != "main"]
        if len(mains) + len(roles) != 1:
            problems.append(
                f"{page.url}: {len(mains)} <main> and {len(roles)} role=main elements; need exactly 1"
            )
        elif mains and not mains[0].get("id"):
            problems.append(f"{page.url}: <main> has no id for the skip link to target")
    report(problems, "exactly one <main> landmark per page")


def test_skip_link_is_first_in_tab_order_and_targets_main(public_pages):
    problems = []
    for page in public_pages:
        order = tab_order(page.soup)
        main = main_of(page)
        if not order:
            problems.append(f"{page.url}: nothing focusable on the page")
            continue
        first = order[0]
        positive = [describe(el) for el in order if (tabindex(el) or 0) > 0]
        if positive:
            problems.append(f"{page.url}: positive tabindex changes the tab order: {positive[:3]}")
        href = first.get("href", "") if first.name == "a" else ""
        if not href.startswith("#") or text_of(first) != words_of(page)("Skip to main content"):
            problems.append(
                f"{page.url}: the first focusable element is {describe(first)}, "
                "not a skip link (<a href=\"#<main id>\">Skip to main content</a>)"
            )
            continue
        main_id = main.get("id") if main else None
        if main_id is None or href[1:] != main_id:
            problems.append(
                f'{page.url}: skip link href="{href}" but <main> has id="{main_id}"'
            )
    report(problems, "the skip link must be the first focusable element and point at <main>")


def test_no_heading_level_is_skipped(public_pages):
    problems = []
    for page in public_pages:
        previous = None
        for h in page.soup.find_all(HEADINGS):
            level = int(h.name[1])
            if previous is not None and level > previous[0] + 1:
                problems.append(
                    f'{page.url}: <{h.name}> "{text_of(h)[:60]}" follows '
                    f'<h{previous[0]}> "{previous[1][:60]}" (no h{previous[0] + 1} between)'
                )
            previous = (level, text_of(h))
    report(problems, "heading levels must go down one at a time")


def test_every_img_has_alt(pages):
    problems = []
    for page in pages:
        for img in page.soup.find_all("img"):
            if not img.has_attr("alt"):
                problems.append(f'{page.url}: <img src="{img.get("src", "")}"> has no alt attribute')
        for inp in page.soup.find_all("input", attrs={"type": re.compile("^image$", re.I)}):
            if not (inp.get("alt") or "").strip():
                problems.append(f'{page.url}: <input type="image" src="{inp.get("src", "")}"> has no alt')
    report(problems, "every <img> needs an alt attribute (empty for decoration)")


# ----------------------------------------------------------------- links and assets


def test_every_internal_link_and_asset_resolves(site_index, pages):
    problems = []
    for page in pages:
        base = page.base
        for kind, url, _ in site_index.urls(page):
            target = site_index.resolve(base, url)
            if target.host is None and target.problem:
                problems.append(f'{page.url}: {kind}="{url}" {target.problem}')
    # url() and @import inside the style sheets the pages use
    seen = set()
    for page in pages:
        for css in site_index.stylesheets(page):
            if css in seen:
                continue
            seen.add(css)
            css_url = "/" + css.relative_to(site_index.root).as_posix()
            for url in site_index.css_urls(css.read_text(encoding="utf-8")):
                target = site_index.resolve(site_index.origin + css_url, url)
                if target.host is None and target.problem:
                    problems.append(f'{css_url}: url("{url}") {target.problem}')
    report(problems, "internal links and assets must resolve to a file in the build")


def test_404_page_works_at_any_address(site_index):
    """404.html is sent for ANY missing address (e.g. /services/old-name/), so its
    links and assets must not be relative to its own folder."""
    page = site_index.page("404.html")
    if page is None:
        pytest.fail("there is no 404.html in the build", pytrace=False)
    problems = []
    deep = "http://oxpip.invalid/a/missing/address/"
    for kind, url, _ in site_index.urls(page):
        first = site_index.resolve(page.base, url)
        if url.startswith("#") or first.host is not None or first.live:
            continue
        target = site_index.resolve(deep, url)
        if target.host is None and target.problem:
            problems.append(
                f'/404.html served at /a/missing/address/: {kind}="{url}" {target.problem} '
                "(use root-relative URLs such as /theme/css/site.css on the 404 page)"
            )
    report(problems, "the 404 page's links must work wherever it is served")


def test_no_third_party_hosts_and_only_allowed_external_links(site_index, pages, settings):
    allowed = settings.get("EXTERNAL_LINK_HOSTS")
    if not allowed:
        pytest.fail(
            "pelicanconf.py has no EXTERNAL_LINK_HOSTS: add the allow-list of hosts pages may "
            'link to, e.g. EXTERNAL_LINK_HOSTS = ["www.bbc.co.uk", "www.nhs.uk", "111.nhs.uk", '
            '"www.samaritans.org"]',
            pytrace=False,
        )
    allowed = {h.lower() for h in allowed}
    problems = []
    for page in pages:
        for kind, url, fetched in site_index.urls(page):
            target = site_index.resolve(page.base, url)
            if target.host is None:
                if target.scheme == "javascript":
                    problems.append(f'{page.url}: {kind}="{url}" uses a javascript: URL')
                elif target.live and fetched:
                    problems.append(
                        f'{page.url}: {kind}="{url}" loads from the live site, not from this build '
                        "(use a relative URL)"
                    )
                continue
            if not fetched:
                if target.host.lower() not in allowed:
                    problems.append(
                        f'{page.url}: {kind} points to {target.host} ({url}); that host is not in '
                        "EXTERNAL_LINK_HOSTS in pelicanconf.py"
                    )
                elif target.scheme != "https":
                    problems.append(f"{page.url}: external link {url} is not https")
            else:
                problems.append(f'{page.url}: {kind}="{url}" loads from third-party host {target.host}')
    seen = set()
    for page in pages:
        for css in site_index.stylesheets(page):
            if css in seen:
                continue
            seen.add(css)
            for url in site_index.css_urls(css.read_text(encoding="utf-8")):
                target = site_index.resolve(site_index.origin + "/", url)
                if target.host is not None:
                    problems.append(f"/{css.relative_to(site_index.root).as_posix()}: url({url}) loads from {target.host}")
    report(problems, "no request to another host; <a href> only to allowed hosts")


# -------------------------------------------------- consistent help and exit this page


def test_exit_this_page_and_get_help_now_in_the_same_place_on_every_page(site_index, public_pages, settings):
    exit_url = settings.get("EXIT_PAGE_URL")
    assert exit_url, "pelicanconf.py has no EXIT_PAGE_URL"
    problems, positions = [], {}
    for page in public_pages:
        main = main_of(page)
        order = tab_order(page.soup)
        before_main = [el for el in order if main is None or el.sourceline < main.sourceline
                       or (el.sourceline == main.sourceline and el.sourcepos < main.sourcepos)]
        _ = words_of(page)  # the page's own language
        exits = [i for i, el in enumerate(before_main) if el.name == "a" and text_of(el) == _("Exit this page")]
        helps = [i for i, el in enumerate(before_main)
                 if el.name == "a" and text_of(el) == _("Get help now") and el.find_parent("header")]
        if not exits:
            problems.append(f'{page.url}: no "Exit this page" link before <main>')
        else:
            link = before_main[exits[0]]
            if link["href"] != exit_url:
                problems.append(f'{page.url}: "Exit this page" href="{link["href"]}", expected {exit_url}')
        if not helps:
            problems.append(f'{page.url}: no "Get help now" link inside the <header>')
        else:
            target = site_index.resolve(page.base, before_main[helps[0]]["href"])
            lang = page.soup.html.get("lang", "").lower()
            own = site_index.root / lang / "get-help-now" / "index.html"  # the page in its language, if there is one
            expected = own if own.is_file() else site_index.root / "get-help-now" / "index.html"
            if target.host is not None or target.problem or target.file != expected:
                problems.append(f'{page.url}: "Get help now" does not lead to /get-help-now/ ({before_main[helps[0]]["href"]})')
        if exits and helps:
            positions[page.url] = (exits[0], helps[0])
    if positions:
        usual, _ = collections.Counter(positions.values()).most_common(1)[0]
        for url, pos in positions.items():
            if pos != usual:
                problems.append(
                    f"{url}: Exit this page / Get help now are tab stops {pos[0] + 1} / {pos[1] + 1}, "
                    f"but {usual[0] + 1} / {usual[1] + 1} on the other pages"
                )
    report(problems, '"Exit this page" and "Get help now" must be in the same place on every page')


# ------------------------------------------------------------------- required pages

REQUIRED_PAGES = {
    "home": "index.html",
    "get support": "get-support/index.html",
    "for professionals": "for-professionals/index.html",
    "about": "about/index.html",
    "get help now": "get-help-now/index.html",
    "contact": "contact/index.html",
    "privacy notice": "privacy/index.html",
    "accessibility statement": "accessibility/index.html",
    "services list": "services/index.html",
    "therapy sessions service": "services/therapy-sessions/index.html",
    "stories list": "stories/index.html",
    "news list": "news/index.html",
    "404": "404.html",
}


def test_required_pages_exist(site_index):
    missing = [f"{name}: /{rel} is missing" for name, rel in REQUIRED_PAGES.items() if site_index.page(rel) is None]
    report(missing, "required pages")


def test_get_help_now_gives_the_emergency_numbers(site_index):
    page = site_index.page("get-help-now/index.html")
    assert page is not None, "/get-help-now/ is missing"
    main = main_of(page)
    text = text_of(main) if main else ""
    missing = [
        f"/get-help-now/: {label} is not in <main>"
        for label, pattern in (("999", r"\b999\b"), ("111 (NHS 111)", r"\b111\b"), ("116 123 (Samaritans)", r"\b116 ?123\b"))
        if not re.search(pattern, text)
    ]
    report(missing, "Get help now must show 999, 111 and 116 123")


def entries(site_index, section: str) -> list:
    """Article pages of a section: /<section>/<slug>/ (not the /<section>/page/N/ listings)."""
    pattern = re.compile(rf"^{section}/(?!page/)[^/]+/index\.html$")
    return [p for rel, p in site_index.pages.items() if pattern.match(rel)]


def listing_pages(site_index, section: str) -> list:
    pattern = re.compile(rf"^{section}/(page/\d+/)?index\.html$")
    return sorted((p for rel, p in site_index.pages.items() if pattern.match(rel)), key=lambda p: (len(p.rel), p.rel))


def prev_next_links(site_index, page, candidates: set[str]) -> dict[str, str]:
    """{"prev": rel, "next": rel} for links to other pages in candidates."""
    found = {}
    for a in page.soup.find_all("a", href=True):
        rel = set(a.get("rel") or [])
        text = text_of(a).lower()
        kind = "prev" if ("prev" in rel or text.startswith("previous")) else "next" if ("next" in rel or text.startswith("next")) else None
        if not kind:
            continue
        t = site_index.resolve(page.base, a["href"])
        if t.host is None and not t.problem and t.file is not None:
            target = t.file.relative_to(site_index.root).as_posix()
            if target in candidates:
                found.setdefault(kind, target)
    return found


def test_stories_have_a_pull_quote_and_previous_next_links(site_index):
    stories = entries(site_index, "stories")
    problems = []
    if len(stories) < 3:
        problems.append(f"/stories/: {len(stories)} story pages, need at least 3")
    rels = {p.rel for p in stories}
    links = {}
    for page in stories:
        main = main_of(page)
        quote = main.find("blockquote") if main else None
        if quote is None or not text_of(quote):
            problems.append(f"{page.url}: no pull quote (<blockquote>) in <main>")
        links[page.rel] = prev_next_links(site_index, page, rels)
        if not links[page.rel]:
            problems.append(f"{page.url}: no previous/next link to another story")
    for rel, found in links.items():
        for kind, other in (("next", "prev"), ("prev", "next")):
            target = found.get(kind)
            if target and links.get(target, {}).get(other) != rel:
                problems.append(
                    f"/{rel[:-10]}: its {kind} story is /{target[:-10]}, but that story's {other} link "
                    f"goes to {('/' + links[target][other][:-10]) if links.get(target, {}).get(other) else 'nowhere'}"
                )
    if len(stories) >= 3 and not any(len(f) == 2 for f in links.values()):
        problems.append("/stories/: no story has both a previous and a next link")
    listings = listing_pages(site_index, "stories")
    if not listings:
        problems.append("/stories/ is missing")
    linked = {
        site_index.resolve(listing.base, a["href"]).file
        for listing in listings
        for a in listing.soup.find_all("a", href=True)
    }
    for page in stories:
        if listings and page.file.resolve() not in linked:
            problems.append(f"/stories/: no stories listing page links to the story {page.url}")
    report(problems, "stories")


def test_news_has_posts_and_working_pagination(site_index, settings):
    per_page = (settings.get("PAGINATED_TEMPLATES") or {}).get("category") or settings.get("DEFAULT_PAGINATION")
    per_page = per_page or 10**6  # no pagination configured: everything on /news/
    posts = entries(site_index, "news")
    listings = listing_pages(site_index, "news")
    problems = []
    if len(posts) < 3:
        problems.append(f"/news/: {len(posts)} news pages, need at least 3")
    if not listings or listings[0].rel != "news/index.html":
        report(problems + ["/news/ is missing"], "news")
    expected_pages = max(1, -(-len(posts) // per_page))
    if len(listings) != expected_pages:
        problems.append(
            f"/news/: {len(posts)} posts should make {expected_pages} listing page(s) of "
            f"{per_page}, found {len(listings)}: {[p.url for p in listings]}"
        )
    post_files = {p.file.resolve(): p for p in posts}
    listing_files = {p.file.resolve(): p for p in listings}
    shown_on = collections.defaultdict(list)
    for i, page in enumerate(listings):
        main = main_of(page) or page.soup
        linked_posts, linked_listings = set(), set()
        for a in main.find_all("a", href=True):
            t = site_index.resolve(page.base, a["href"])
            if t.host is None and t.problem and "page/" in a["href"]:
                problems.append(f'{page.url}: pagination link "{a["href"]}" {t.problem}')
            if t.file in post_files:
                linked_posts.add(t.file)
            if t.file in listing_files and t.file != page.file.resolve():
                linked_listings.add(t.file)
        for f in linked_posts:
            shown_on[f].append(page.url)
        if len(linked_posts) > per_page:
            problems.append(f"{page.url}: lists {len(linked_posts)} posts, more than {per_page} per page")
        for j in (i - 1, i + 1):
            if 0 <= j < len(listings) and listings[j].file.resolve() not in linked_listings:
                problems.append(f"{page.url}: no pagination link to {listings[j].url}")
    for f, post in post_files.items():
        if not shown_on.get(f):
            problems.append(f"/news/: the post {post.url} is not listed on any news listing page")
    report(problems, "news")


# ------------------------------------------------------------------- impact figures

HOME_FIGURES = ("bond_improved", "mental_health_improved", "families_affected")


def test_home_page_shows_the_impact_figures_from_the_data_file(site_index):
    data = yaml.safe_load((ROOT / "content" / "data" / "impact.yml").read_text(encoding="utf-8"))
    page = site_index.page("index.html")
    assert page is not None, "the home page /index.html is missing"
    main = main_of(page)
    text = text_of(main) if main else ""
    problems = []
    for key in HOME_FIGURES:
        figure = data.get(key)
        if not isinstance(figure, dict) or "value" not in figure:
            problems.append(f"content/data/impact.yml: no figure {key!r} with a value (the home page must show it)")
            continue
        value = str(figure["value"])
        if not re.search(rf"(?<![\d.]){re.escape(value)}", text):
            problems.append(f'/ (home): impact figure {key} "{value}" is not shown in <main>')
        words = " ".join(str(figure.get("text", "")).split())
        if words and words not in text:
            problems.append(f'/ (home): the words for {key} ("{words}") are not shown next to it')
    values = {str(f.get("value")) for f in data.values() if isinstance(f, dict)}
    for shown in set(re.findall(r"(?<![\d.])\d+(?:\.\d+)?%", text)):
        if shown not in values:
            problems.append(f'/ (home): shows "{shown}", which is not a value in content/data/impact.yml (typed by hand?)')
    report(problems, "impact figures on the home page must come from content/data/impact.yml")
