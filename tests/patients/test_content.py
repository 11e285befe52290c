"""The Learn pages: front matter, sources, safe HTML, readability and diagrams."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter

from aatd.errors import InputError
from aatd.knowledge import knowledge
from aatd.patients.learn import (
    available_languages,
    diagram,
    diagram_names,
    get_page,
    list_pages,
    page_dict,
    parse_front_matter,
    parse_page,
    plain_text,
    validate_pages,
)

SLUGS = [p["slug"] for p in list_pages()]
MAX_GRADE = 8.0
REQUIRED_TOPICS = {"what-is-aatd", "what-aat-does", "how-it-is-inherited", "lungs", "liver", "skin", "testing",
                   "treatment"}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat without the CMU dictionary (which nltk would download): syllables come from pyphen."""
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda lang: None)
    yield


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade as measured for docs/patients.md."""
    return float(textstat.flesch_kincaid_grade(text))


def test_list_pages__covers_every_topic_of_issue_7() -> None:
    assert set(SLUGS) >= REQUIRED_TOPICS
    assert [p["order"] for p in list_pages()] == sorted(p["order"] for p in list_pages())


def test_validate_pages__no_problems() -> None:
    assert validate_pages() == []


@pytest.mark.parametrize("slug", SLUGS)
def test_get_page__parses_with_sources_that_resolve(slug: str) -> None:
    page = get_page(slug)
    assert page.title and page.summary and page.sources
    assert set(page.sources) <= set(knowledge().sources)
    data = page_dict(slug)
    assert [s["id"] for s in data["sources"]] == list(page.sources)  # type: ignore[index, union-attr]
    assert all(s["url"].startswith("https://") for s in data["sources"])  # type: ignore[union-attr]


@pytest.mark.parametrize("slug", SLUGS)
def test_get_page__has_short_sections(slug: str) -> None:
    page = get_page(slug)
    assert page.html.count("<h2>") >= 2
    sections = page.markdown.split("\n## ")
    assert max(len(s.split()) for s in sections) < 200


@pytest.mark.parametrize("slug", SLUGS)
def test_plain_text__flesch_kincaid_grade_at_most_8(slug: str, offline_textstat: None) -> None:
    grade = fk_grade(plain_text(get_page(slug)))
    assert grade <= MAX_GRADE, f"{slug}: grade {grade:.1f}"


def test_fk_grade__hard_text_scores_high(offline_textstat: None) -> None:
    hard = ("Augmentation therapy with intravenous plasma-derived alpha-1 proteinase inhibitor attenuates "
            "progressive pulmonary parenchymal destruction in individuals demonstrating severe deficiency.")
    assert fk_grade(hard) > 14


def test_parse_page__escapes_raw_html() -> None:
    page = parse_page("---\ntitle: T\nslug: t\nsummary: S\nsources: [ferrarotti2012]\n---\n"
                      "Hello <script>alert(1)</script> [x](javascript:alert(1))\n")
    assert "<script>" not in page.html
    assert "&lt;script&gt;" in page.html
    assert "href=\"javascript:" not in page.html


def test_parse_front_matter__reads_lists_and_text() -> None:
    meta, body = parse_front_matter("---\ntitle: A: B\nsources: [a, b]\n---\nBody\n")
    assert meta == {"title": "A: B", "sources": ["a", "b"]}
    assert body == "Body\n"


@pytest.mark.parametrize(("text", "message"), [
    ("no front matter", "front matter block"),
    ("---\ntitle: T\n", "closed by"),
    ("---\ntitle: T\n---\nbody", "missing slug, summary, sources"),
    ("---\ntitle: T\nslug: Bad Slug\nsummary: S\nsources: [a]\n---\n", "lower-case words"),
    ("---\nnot a key line\n---\n", "key: value"),
])
def test_parse_page__bad_pages_raise_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_page(text)


def test_get_page__unknown_slug_raises_input_error() -> None:
    with pytest.raises(InputError, match="slug: got 'nope'"):
        get_page("nope")


def test_get_page__unknown_language_falls_back_to_english() -> None:
    assert get_page("lungs", "xx").language == "en"
    assert "en" in available_languages()


def test_get_page__bad_language_code_raises_input_error() -> None:
    with pytest.raises(InputError, match="language"):
        get_page("lungs", "not a language")


@pytest.mark.parametrize("name", diagram_names())
def test_diagram__valid_svg_with_title_and_description(name: str) -> None:
    data = diagram(name)
    root = ElementTree.fromstring(data["svg"])
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert set((root.get("aria-labelledby") or "").split()) == {title.get("id"), desc.get("id")}
    assert data["title"] == title.text


def test_diagram__every_shipped_diagram_is_used_by_a_page() -> None:
    used = {d for slug in SLUGS for d in get_page(slug).diagrams}
    assert used == set(diagram_names())


def test_diagram__unknown_name_raises_input_error() -> None:
    with pytest.raises(InputError, match="diagram"):
        diagram("nope")
