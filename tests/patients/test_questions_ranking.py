"""The grown question bank: coverage, readability in both languages, ranking by genotype and asker,
and a held-out list of real-style questions (top-3 accuracy).

The held-out list (``tests/patients/data/heldout_questions.csv``) was written from how patients
and relatives phrase questions, before the ranking was tuned, and is never used for keywords.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter

from aatd.errors import InputError
from aatd.patients.questions import (
    asker_of,
    genotype_words,
    load_entries,
    search_questions,
    validate_entries,
)

HELDOUT = Path(__file__).with_name("data") / "heldout_questions.csv"
MIN_TOP3 = 0.90
TOPICS = {
    "flying": ["flying", "oxygen-on-plane"], "support": ["support-groups", "meet-others"],
    "covid": ["covid-risk", "covid-vaccine"], "specialist": ["find-specialist", "reference-centre"],
    "work": ["tell-employer", "disability-benefits"], "pregnancy": ["pregnancy", "pregnant-what-to-do"],
    "sport": ["sport", "hard-exercise"],
}


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """textstat without the CMU dictionary (which nltk would download): syllables come from pyphen."""
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda lang: None)
    yield
    textstat.set_lang("en")


def heldout() -> list[tuple[str, set[str]]]:
    with HELDOUT.open(encoding="utf-8") as handle:
        return [(row["query"], set(row["expected"].split("|"))) for row in csv.DictReader(handle)]


def top3_accuracy(language: str = "en") -> tuple[float, list[str]]:
    misses = []
    cases = heldout()
    for query, expected in cases:
        ids = [str(r["id"]) for r in search_questions(query, limit=3, language=language)["results"]]  # type: ignore[union-attr]
        if not expected & set(ids):
            misses.append(f"{query!r}: got {ids}, expected one of {sorted(expected)}")
    return 1 - len(misses) / len(cases), misses


def test_question_bank__at_least_120_entries_in_english_and_spanish_with_the_same_ids() -> None:
    english, spanish = load_entries("en"), load_entries("es")
    assert len(english) >= 120
    assert [e.id for e in english] == [e.id for e in spanish] or {e.id for e in english} == {e.id for e in spanish}
    assert validate_entries("en") == [] and validate_entries("es") == []
    assert all(e.sources for e in spanish)


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_question_bank__covers_the_topics_people_asked_for(topic: str) -> None:
    ids = {e.id for e in load_entries()}
    assert set(TOPICS[topic]) <= ids


def test_question_bank__english_answers_read_at_grade_7_or_below(offline_textstat: None) -> None:
    grades = {e.id: textstat.flesch_kincaid_grade(e.answer) for e in load_entries("en")}
    assert {i: g for i, g in grades.items() if g > 7} == {}


def test_question_bank__spanish_answers_read_as_easy_on_szigriszt_pazos(offline_textstat: None) -> None:
    textstat.set_lang("es")
    scores = {e.id: textstat.szigriszt_pazos(e.answer) for e in load_entries("es")}
    assert {i: s for i, s in scores.items() if s < 60} == {}  # INFLESZ: 55-65 normal, >65 fairly easy


def test_heldout_questions__top3_accuracy_at_least_90_percent() -> None:
    accuracy, misses = top3_accuracy()
    assert len(heldout()) >= 60
    assert accuracy >= MIN_TOP3, "\n".join(misses)


@pytest.mark.parametrize(("query", "expected"), [
    ("what does MZ mean for my kids", "mz-children"),
    ("I'm SZ what about my children", "sz-children"),
    ("i am zz will my children have it", "zz-parent-children"),
    ("I'm MZ and I smoke", "mz-smoking"),
    ("does Pi*ZZ affect the liver", "zz-liver"),
])
def test_search_questions__genotype_words_rank_that_genotype_first(query: str, expected: str) -> None:
    assert search_questions(query)["results"][0]["id"] == expected  # type: ignore[index]


def test_search_questions__mz_question_does_not_put_a_zz_answer_first() -> None:
    ids = [r["id"] for r in search_questions("what does MZ mean for my kids", limit=3)["results"]]  # type: ignore[union-attr]
    assert ids[0] != "zz-parent-children"


@pytest.mark.parametrize(("asker", "expected"), [
    ("child", "should-children-be-tested|test-baby"), ("partner", "partner-testing"), ("parent", "test-my-parents"),
    ("relative", "test-relatives"),
])
def test_search_questions__who_is_asking_changes_the_first_answer(asker: str, expected: str) -> None:
    found = search_questions("should they be tested", asker=asker)
    assert found["asker"] == asker
    assert found["results"][0]["id"] in expected.split("|")  # type: ignore[index]
    assert search_questions("should they be tested", asker="me")["results"][0]["id"] == "who-should-be-tested"  # type: ignore[index]


def test_search_questions__unknown_asker_is_an_input_error() -> None:
    with pytest.raises(InputError, match="asker"):
        search_questions("flying", asker="neighbour")


@pytest.mark.parametrize(("query", "expected"), [
    ("¿Qué significa MZ para mis hijos?", "mz-children"), ("¿puedo viajar en avión?", "flying"),
    ("grupos de apoyo", "support-groups"), ("vacuna covid", "covid-vaccine"),
    ("¿dónde encuentro un especialista?", "find-specialist"), ("estoy embarazada", "pregnant-what-to-do"),
    ("¿puedo hacer deporte?", "sport"), ("soy zz qué hago", "zz-what-now"),
])
def test_search_questions__spanish_queries_find_spanish_answers(query: str, expected: str) -> None:
    found = search_questions(query, language="es", limit=3)
    assert found["language"] == "es"
    assert expected in [r["id"] for r in found["results"]]  # type: ignore[union-attr]


def test_genotype_words_and_asker_of__read_the_query() -> None:
    assert genotype_words("I'm Pi*MZ, my partner is mz") == {"mz"}
    assert asker_of("what about my daughter") == "child"
    assert asker_of("mi esposa tiene alfa-1") == "partner"
    assert asker_of("what is emphysema") == "me"


def test_search_questions__answers_that_send_to_a_specialist_link_to_find_care() -> None:
    results = search_questions("where can I find a specialist")["results"]
    assert any(r["find_care"] for r in results)  # type: ignore[union-attr]
