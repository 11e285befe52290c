"""Learn pages: every page parses, cites sources that resolve and links only to known diagrams."""

from __future__ import annotations

import pytest

from aatd.errors import InputError
from aatd.patients.learn import diagram, diagram_names, get_page, list_pages, parse_front_matter, validate_pages


def test_validate_pages__no_problems() -> None:
    assert validate_pages() == []


def test_list_pages__ordered_with_titles_and_sources() -> None:
    pages = list_pages()
    assert len(pages) >= 8
    slugs = [p["slug"] for p in pages]
    assert len(slugs) == len(set(slugs)) and "what-is-aatd" in slugs
    for slug in slugs:
        page = get_page(str(slug))
        assert page.title and page.sources


def test_get_page__unknown_slug_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        get_page("no-such-page")
    assert info.value.value == "no-such-page"


def test_front_matter__missing_block_is_refused() -> None:
    with pytest.raises(InputError):
        parse_front_matter("no front matter here")


def test_diagrams__svg_with_a_title_for_screen_readers() -> None:
    for name in diagram_names():
        svg = diagram(name)
        assert "<svg" in svg["svg"] and "<title" in svg["svg"]
