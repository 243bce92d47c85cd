"""Build a tiny fixture site with the real settings and check what the core plugins did."""

import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_testkit import run_pelican

FIXTURE = Path(__file__).resolve().parent / "fixture_site"


def build(output: Path, *extra: str, console_columns: int | None = None) -> subprocess.CompletedProcess:
    return run_pelican(FIXTURE, output, *extra, console_columns=console_columns, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("fixture-out")
    result = build(output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output, result.stdout + result.stderr


def page(site, path):
    return BeautifulSoup((site[0] / path).read_text(encoding="utf-8"), "html.parser")


def test_services_are_published_at_stable_addresses(site):
    soup = page(site, "services/therapy/index.html")
    assert soup.h1.get_text() == "Therapy"
    assert "ox-template-service" in soup.body["class"]


def test_stories_link_to_previous_and_next_in_date_order(site):
    first, middle = page(site, "stories/story-1/index.html"), page(site, "stories/story-2/index.html")
    assert first.find("a", rel="prev") is None
    assert first.find("a", rel="next")["href"].endswith("stories/story-2/")
    assert middle.find("a", rel="prev")["href"].endswith("stories/story-1/")
    assert middle.find("a", rel="next")["href"].endswith("stories/story-3/")


def test_service_lists_its_stories_and_stories_link_back(site):
    service = page(site, "services/therapy/index.html")
    titles = [h.get_text(strip=True) for h in service.select(".ox-card__title")]
    assert titles == ["Story 1", "Story 2"]
    story = page(site, "stories/story-1/index.html")
    assert story.find("a", string="therapy")["href"].endswith("services/therapy/")


def test_breadcrumbs_follow_the_section(site):
    crumbs = page(site, "stories/story-1/index.html").select(".ox-breadcrumbs a")
    assert [a.get_text() for a in crumbs] == ["Home", "Stories"]


def test_figures_and_contact_details_come_from_the_data_files(site):
    home = page(site, "index.html")
    assert "91% of parents" in home.get_text()
    service = page(site, "services/therapy/index.html")
    assert service.find("a", href="tel:+441865000000").get_text() == "01865 000000"


def test_callouts_in_markdown_become_the_care_component(site):
    callout = page(site, "stories/story-1/index.html").select_one("section.ox-care.ox-care--urgent")
    assert callout.h2.get_text() == "Call 111 if"
    assert callout["aria-labelledby"] == callout.h2["id"]


def test_news_names_its_funders_from_the_data_file(site):
    funders = page(site, "news/grant/index.html").select(".ox-funders li")
    assert [li.get_text() for li in funders] == ["The Powerhouse"]


def test_local_build_warns_with_file_line_field_and_fix(site):
    log = site[1]
    assert 'stories/story-3.md:8: Service: "no-such-service" is not one of our services.' in log
    assert 'news/grant.md:6: Funders: "unknown-funder" is not in content/data/funders.yml.' in log


PROBLEM_LINES = (
    '  tests/unit/fixture_site/stories/story-3.md:8: Service: "no-such-service" is not one of our '
    "services. Use the name of a file in content/services/ without .md (services now: therapy).",
    '  tests/unit/fixture_site/news/grant.md:6: Funders: "unknown-funder" is not in '
    "content/data/funders.yml. Use a key from that file (powerhouse), separated by commas, or ask "
    "for the funder to be added there first.",
)


def test_a_build_ends_by_listing_each_problem_on_one_whole_line(tmp_path):
    """Pelican's console squeezes warnings into a column (here 60 characters wide, as in a
    small terminal); the list at the end keeps each problem on one line a volunteer can read."""
    result = build(tmp_path / "out", console_columns=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("2 content problems in 2 files."))
    assert "publishing will stop until each one is fixed" in lines[heading]
    assert sorted(lines[heading + 1:heading + 3]) == sorted(PROBLEM_LINES)
    assert any(line.startswith("Reading grades") for line in lines[:heading]), "the list comes last"


def test_strict_build_stops_without_a_traceback_and_publishes_nothing(tmp_path):
    result = build(tmp_path / "out", "-e", "STRICT_CONTENT_CHECKS=true")
    log = result.stdout + result.stderr
    assert result.returncode == 1
    assert "2 content problems in 2 files. Nothing was published. Fix each one, then build again:" in result.stderr
    for line in PROBLEM_LINES:
        assert line in result.stderr.splitlines()
    assert "Traceback" not in log
    assert not (tmp_path / "out" / "index.html").exists()


def test_an_action_block_becomes_a_button_link(site):
    button = page(site, "services/therapy/index.html").select_one("main a.ox-button[href$='../../']")
    assert button is not None and button.get_text() == "Refer yourself"
