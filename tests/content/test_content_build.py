"""Whole builds of a copy of content/ with a draft and a scheduled post added:
drafts and scheduling, responsive images, the readability report, the web editor
(including a Chromium run of Decap CMS that writes a story the next build publishes).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path

import pytest
from content_testkit import FIXTURE, ROOT
from site_testkit import run_pelican

SITEURL = "https://www.oxpip.org.uk"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """content/ plus a draft story and a post scheduled for 30 days from now, built twice."""
    root = tmp_path_factory.mktemp("content-build")
    content = root / "content"
    shutil.copytree(ROOT / "content", content)
    draft = (FIXTURE / "stories" / "good-story.md").read_text(encoding="utf-8")
    draft = draft.replace("Slug: good-story", "Slug: a-draft-story\nStatus: draft")
    draft = draft.replace("{static}/images/calm.png", "{static}/images/tea-on-the-windowsill.png")
    (content / "stories" / "a-draft-story.md").write_text(draft, encoding="utf-8")
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    (content / "news" / "a-scheduled-post.md").write_text(
        f"Title: A post for next month\nDate: {later}\nScheduled: yes\nSlug: a-scheduled-post\n"
        "Summary: This goes live next month.\nTopic: Events\n\nWe will tell you more soon.\n",
        encoding="utf-8")
    local = run_pelican(content, root / "local")
    publish = run_pelican(content, root / "publish", settings="publishconf.py")
    return {"root": root, "content": content, "local": local, "publish": publish}


def html_files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*.html")}


def test_both_builds_succeed_with_no_content_problem(site):
    """The publish build is strict: exit 0 means no content problem at all."""
    for name in ("local", "publish"):
        result = site[name]
        assert result.returncode == 0, f"{name} build failed:\n{result.log[-6000:]}"


def test_drafts_are_built_locally_marked_as_drafts_and_not_listed(site):
    out = site["root"] / "local"
    draft = out / "drafts" / "stories" / "a-draft-story" / "index.html"
    scheduled = out / "drafts" / "news" / "a-scheduled-post" / "index.html"
    assert draft.is_file() and scheduled.is_file()
    assert 'class="ox-draft-banner"' in draft.read_text(encoding="utf-8")
    assert 'class="ox-draft-banner"' in scheduled.read_text(encoding="utf-8")
    listing = (out / "stories" / "index.html").read_text(encoding="utf-8")
    assert "a-draft-story" not in listing and not (out / "stories" / "a-draft-story").exists()


def test_drafts_and_scheduled_posts_are_never_published(site):
    out = site["root"] / "publish"
    assert not (out / "drafts").exists()
    for name, text in html_files(out).items():
        assert "a-draft-story" not in text and "a-scheduled-post" not in text, name
        assert "A post for next month" not in text, name


def test_story_and_news_pictures_are_responsive(site):
    out = site["root"] / "local"
    pages = {"stories/sophie-finding-her-voice/index.html": "tea-on-the-windowsill",
             "news/growing-our-work-in-didcot/index.html": "houses-and-trees-in-didcot"}
    for page, stem in pages.items():
        text = (out / page).read_text(encoding="utf-8")
        picture = re.search(r"<picture\b.*?</picture>", text, re.S)
        assert picture, f"no <picture> in {page}"
        markup = picture.group(0)
        source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', markup)
        img = re.search(r"<img ([^>]+)>", markup).group(1)
        assert source and source.group(2) == "(min-width: 48em) 40em, 100vw"
        widths = [int(w) for w in re.findall(r" (\d+)w", source.group(1))]
        assert widths == [320, 640, 960, 1280]
        assert re.search(r'width="1280" height="800"', img)
        assert 'loading="lazy"' in img and 'decoding="async"' in img
        assert re.search(r'alt="A drawing of [^"]+"', img)
        src = re.search(r'src="([^"]+)"', img).group(1)
        assert src.endswith("-640.jpg"), "the fallback is a mid-size copy, never the original"
        for url in re.findall(r'(?:srcset|src)="([^"]+)"', markup):
            for candidate in url.split(","):
                path = (out / page).parent / candidate.strip().split()[0]
                assert path.resolve().is_file(), f"{candidate} in {page} does not exist"
        assert stem in src
    for name, text in html_files(out).items():
        assert not re.search(r"images/(tea-on-the-windowsill|houses-and-trees-in-didcot)\.png", text), \
            f"{name} sends the original picture"


def test_published_picture_urls_are_absolute(site):
    text = (site["root"] / "publish" / "stories" / "sophie-finding-her-voice" / "index.html").read_text(encoding="utf-8")
    assert f'src="{SITEURL}/images/sized/tea-on-the-windowsill-' in text
    assert "__OXPIP_SITE_ROOT__" not in text


def test_the_build_writes_the_readability_table(site):
    table = (site["root"] / "var" / "readability.txt").read_text(encoding="utf-8")
    assert table.startswith("Reading grades (Flesch-Kincaid; our limit is 6, about reading age 11)")
    assert re.search(r"stories/daniel-and-his-son\.md +\d+\.\d +\d+ +ok", table)
    assert "0 over the limit" in table
    assert "Reading grades" in site["local"].stdout


def test_the_web_editor_is_in_both_builds_and_not_indexed(site):
    for name in ("local", "publish"):
        admin = site["root"] / name / "admin"
        for file in ("index.html", "decap-cms.js", "oxpip-cms.js", "config.js"):
            assert (admin / file).is_file(), f"{name}: admin/{file} missing"
        assert not list(admin.glob("*.map"))
        index = (admin / "index.html").read_text(encoding="utf-8")
        assert '<meta name="robots" content="noindex, nofollow">' in index
        assert not re.search(r'(src|href)="(https?:)?//', index), "the editor page loads from another host"


# ------------------------------------------------------------------- the web editor


def test_a_volunteer_writes_a_story_in_the_web_editor_and_the_next_build_publishes_it(site, browser, tmp_path):
    """Through `make serve`'s own server (with the live host's headers, the editor's strict
    policy included) and its own local backend, as a volunteer trying the editor does."""
    from site_testkit import make_serve

    out = site["root"] / "local"
    with make_serve(out, tmp_path / "serve", content_root=site["root"]) as base_url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60000)  # the editor is a large script: slow machines need longer
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text))
        try:
            response = page.goto(f"{base_url}admin/")
            assert "'unsafe-eval'" in response.headers["content-security-policy"], "the editor's own policy"
            page.get_by_role("button", name="Login").click()
            page.goto(f"{base_url}admin/#/collections/stories/new")
            page.locator("input[id^=title-field]").fill("Jo’s story: a new start")
            page.locator("input[id^=date-field]").fill("2025-10-01")
            page.locator("textarea[id^=summary-field]").fill("Jo felt far from her baby. Talking it through helped.")
            page.locator("input[id^=quote-field]").fill("I feel like his mum now.")
            page.locator("input[id^=quote_by-field]").fill("Jo, mum to a 9-month-old")
            page.locator("input[id^=service-field]").fill("Therapy")
            page.get_by_text("Therapy sessions for you and your baby", exact=True).last.click()
            page.locator("input[id^=consent_reference-field]").fill("CONSENT-2025-020")
            page.locator("input[id^=consent_date-field]").fill("2025-09-20")
            page.locator("[data-slate-editor=true]").first.click()
            page.keyboard.type("Jo is not her real name. She found it hard to feel close to her son.")
            preview = page.frame_locator("iframe").first
            assert preview.locator("h1.ox-heading-xl").inner_text(timeout=30000) == "Jo’s story: a new start"
            page.get_by_role("button", name="Publish").first.click()
            page.get_by_text("Publish now").click()
            story = site["content"] / "stories" / "jo-s-story-a-new-start.md"
            for _ in range(300):
                if story.is_file():
                    break
                time.sleep(0.1)
        finally:
            page.close()
    assert not errors, errors
    hosts = {re.match(r"https?://([^/]+)", url).group(1) for url in requests if url.startswith("http")}
    site_host = base_url.split("/")[2]
    assert hosts == {site_host}, f"the editor asked other hosts: {hosts - {site_host}}"
    assert f"{base_url}admin/api/v1" in requests, "the editor reaches its backend through its own site"
    assert f"{base_url}theme/css/site.css" in requests, "the preview uses the site's style sheet"

    assert story.read_text(encoding="utf-8") == (
        "Title: Jo’s story: a new start\n"
        "Date: 2025-10-01\n"
        "Summary: Jo felt far from her baby. Talking it through helped.\n"
        "Pseudonym: yes\n"
        "Quote: I feel like his mum now.\n"
        "Quote_by: Jo, mum to a 9-month-old\n"
        "Service: therapy-sessions\n"
        "Consent_reference: CONSENT-2025-020\n"
        "Consent_date: 2025-09-20\n"
        "\n"
        "Jo is not her real name. She found it hard to feel close to her son.\n"
    )
    published = run_pelican(site["content"], site["root"] / "after-editor", settings="publishconf.py")
    assert published.returncode == 0, published.log[-6000:]
    page_html = site["root"] / "after-editor" / "stories" / "jo-s-story-a-new-start" / "index.html"
    assert "Jo’s story: a new start" in page_html.read_text(encoding="utf-8")


def test_a_broken_link_is_reported_once_in_our_words_not_pelicans(tmp_path):
    from content_testkit import edit, make_site

    content = make_site(tmp_path)
    edit(content, "stories/good-story.md", "{filename}/pages/get-support.md", "{filename}/pages/get-suport.md")
    result = run_pelican(content, tmp_path / "output")
    assert result.returncode == 0, result.log[-4000:]
    assert "stories/good-story.md:23: body: the link to {filename}/pages/get-suport.md goes nowhere" in result.log
    assert "Unable to find" not in result.log


def test_a_volunteer_adds_a_translation_in_the_web_editor_and_it_is_published_at_its_address(site, browser, tmp_path):
    """The editor's Translations collection writes content/translations/<lang>/<page>.md with
    the fields plugins/languages reads; the next build publishes it at /ro/get-support/ (a
    language with no catalogue yet: the menu and buttons stay in English, and the build says so)."""
    from site_testkit import make_serve

    with make_serve(site["root"] / "local", tmp_path / "serve", content_root=site["root"]) as base_url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{base_url}admin/")
            page.get_by_role("button", name="Login").click()
            page.goto(f"{base_url}admin/#/collections/translations/new")
            page.locator("input[id^=lang-field]").fill("ro")
            page.locator("input[id^=translation_of-field]").fill("Get support")
            page.get_by_text("Get support", exact=True).last.click()
            page.locator("input[id^=title-field]").fill("Sprijin")
            page.locator("textarea[id^=summary-field]").fill("Cum primiți ajutor de la noi.")
            page.locator("input[id^=reviewed-field]").fill("2026-05-01")
            page.locator("input[id^=next_review-field]").fill("2027-05-01")
            page.locator("[data-slate-editor=true]").first.click()
            page.keyboard.type("Vă putem ajuta. Ajutorul nostru este gratuit.")
            page.get_by_role("button", name="Publish").first.click()
            page.get_by_text("Publish now").click()
            written = site["content"] / "translations" / "ro" / "get-support.md"
            for _ in range(300):
                if written.is_file():
                    break
                time.sleep(0.1)
        finally:
            page.close()
    assert not errors, errors
    text = written.read_text(encoding="utf-8")
    for line in ("Lang: ro\n", "Translation_of: get-support\n", "Title: Sprijin\n"):
        assert line in text, text
    assert "Translator_checked: yes" not in text, "a new translation is not checked yet"
    preview = run_pelican(site["content"], site["root"] / "after-translation")
    assert "Translator_checked: no translator has checked this translation yet" in preview.log
    assert "there is no catalogue for Romanian (ro)" in preview.log
    built = site["root"] / "after-translation" / "ro" / "get-support" / "index.html"
    assert 'lang="ro"' in built.read_text(encoding="utf-8")
    written.write_text("Translator_checked: yes\n" + text, encoding="utf-8")
    published = run_pelican(site["content"], site["root"] / "after-translation-checked", settings="publishconf.py")
    assert published.returncode == 0, published.log[-4000:]
    english = (site["root"] / "after-translation-checked" / "get-support" / "index.html").read_text(encoding="utf-8")
    assert 'hreflang="ro"' in english and ">Română<" in english
    written.unlink()
    (site["content"] / "translations" / "ro").rmdir()
