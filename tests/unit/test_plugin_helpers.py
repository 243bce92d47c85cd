"""The pure helpers behind the core plugins: data tokens, sections, callouts, problems."""

import os

import pytest

from content_problems import Problem, field_line
from markdown_components.components import find_blocks, replace_blocks
from sections.sections import adjacent, nav_key, section_of
from site_data.data import DataFileError, load_data, replace_tokens

DATA = {
    "impact": {"bond_improved": {"value": "91%", "text": "..."}},
    "contact": {"phone": "01865 000000", "phone_href": "+441865000000", "email": "a@b.org"},
}


def test_tokens_are_replaced_with_values_from_the_data_files():
    unknown = []
    text = replace_tokens("{impact:bond_improved} of parents; call {contact:phone}", DATA, unknown.append)
    assert text == "91% of parents; call 01865 000000"
    assert unknown == []


def test_tokens_in_page_bodies_become_links_and_are_escaped():
    html = replace_tokens("Call {contact:phone} or email {contact:email}", DATA, lambda t: None, html=True)
    assert '<a href="tel:+441865000000" dir="ltr">01865 000000</a>' in html
    assert '<a href="mailto:a@b.org" dir="ltr">a@b.org</a>' in html


def test_unknown_tokens_are_reported_and_left_visible():
    unknown = []
    assert replace_tokens("{impact:nope}", DATA, unknown.append) == "{impact:nope}"
    assert unknown == ["{impact:nope}"]


def test_invalid_yaml_names_the_file_and_line(tmp_path):
    (tmp_path / "impact.yml").write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        load_data(tmp_path)
    assert "impact.yml:" in str(error.value) and "indentation" in str(error.value)


def test_section_is_the_top_folder_under_content():
    root = os.path.join("site", "content")
    assert section_of(os.path.join(root, "stories", "a.md"), root) == "stories"
    assert section_of(os.path.join(root, "pages", "sub", "a.md"), root) == "pages"


@pytest.mark.parametrize("section,url,expected", [
    ("stories", "stories/a/", "stories/"),
    ("pages", "get-support/refer-yourself/", "get-support/"),
    ("pages", "", ""),
])
def test_nav_key_marks_the_right_menu_entry(section, url, expected):
    assert nav_key(section, url) == expected


def test_adjacent_gives_previous_and_next():
    assert list(adjacent([1, 2, 3])) == [(1, None, 2), (2, 1, 3), (3, 2, None)]


def test_callout_blocks_are_found_with_nested_divs():
    html = ('<p>a</p><div class="admonition inset">\n<p class="admonition-title">T</p>\n'
            '<div class="x"><p>in</p></div>\n</div><p>b</p>')
    [block] = list(find_blocks(html))
    assert (block.kind, block.title) == ("inset", "T")
    assert block.html == '<div class="x"><p>in</p></div>'
    assert replace_blocks(html, lambda b, used: "[X]") == "<p>a</p>[X]<p>b</p>"


def test_problem_reads_path_line_field_message_fix():
    problem = Problem("content/stories/a.md", 4, "consent_date", "it is missing.", "Add it.")
    assert str(problem) == "content/stories/a.md:4: consent_date: it is missing. Add it."


def test_field_line_finds_front_matter_fields(tmp_path):
    story = tmp_path / "a.md"
    story.write_text("Title: A\nDate: 2025-01-01\nService: x\n\nBody: not front matter\n", encoding="utf-8")
    assert field_line(str(story), "service") == 3
    assert field_line(str(story), "body") == 1
