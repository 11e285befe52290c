"""The "Ask a question" knowledge base and its full-text search."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import textstat
import textstat.backend.counts._count_syllables as syllable_counter

from aatd.errors import InputError
from aatd.knowledge import knowledge
from aatd.patients.questions import (
    BM25_WEIGHTS,
    categories,
    correct_word,
    edit_distance,
    escalation,
    get_question,
    list_questions,
    load_entries,
    normalise,
    search_questions,
    validate_entries,
)

ENTRIES = load_entries()


def top_id(query: str) -> str:
    results = search_questions(query)["results"]
    assert results, query
    return str(results[0]["id"])  # type: ignore[index]


def top_ids(query: str, n: int) -> list[str]:
    return [str(r["id"]) for r in search_questions(query, limit=n)["results"]]  # type: ignore[union-attr]


def test_load_entries__at_least_60_with_unique_ids() -> None:
    assert len(ENTRIES) >= 60
    assert len({e.id for e in ENTRIES}) == len(ENTRIES)


def test_validate_entries__related_ids_and_sources_resolve() -> None:
    assert validate_entries() == []


def test_load_entries__every_source_resolves_in_sources_csv() -> None:
    sources = knowledge().sources
    assert all(e.sources and set(e.sources) <= set(sources) for e in ENTRIES)


def test_load_entries__every_entry_has_related_and_keywords() -> None:
    assert all(e.related and e.keywords for e in ENTRIES)


def test_categories__cover_the_topics_people_ask_about() -> None:
    assert {"basics", "inheritance", "testing", "results", "lungs", "liver", "skin", "treatment",
            "living-with", "family", "pregnancy", "work"} <= set(categories())


@pytest.mark.parametrize(("query", "expected"), [
    ("I'm MZ, am I sick?", "mz-am-i-sick"),
    ("Can I drink alcohol?", "alcohol"),
    ("Should my children be tested?", "should-children-be-tested"),
    ("What does my level in mg/dL mean?", "level-mg-dl"),
    ("Is it the same as COPD?", "same-as-copd"),
    ("Can I get life insurance?", "life-insurance"),
    ("Does vaping matter?", "vaping"),
    ("how is it inherited", "how-inherited"),
    ("panniculitis", "what-is-panniculitis"),
    ("is AATD contagious", "can-you-catch-it"),
    ("mmalton", "rare-variant"),
    ("flu jab", "vaccines"),
    ("my brother has AATD, could I have it too?", "sibling-chances"),
])
def test_search_questions__typical_queries_find_the_right_entry(query: str, expected: str) -> None:
    assert top_id(query) == expected


@pytest.mark.parametrize(("query", "expected", "corrected"), [
    ("emfysema", "what-is-emphysema", "emphysema"),
    ("genotipe", "phenotype-genotype", "genotype"),
    ("alpha1 antitrypson", "what-is-aatd", "alpha 1 antitrypsin"),
    ("augmentaton therapy", "augmentation", "augmentation therapy"),
    ("vacines", "vaccines", "vaccines"),
    ("panniculitus", "what-is-panniculitis", "panniculitis"),
])
def test_search_questions__misspelt_queries_are_corrected(query: str, expected: str, corrected: str) -> None:
    answer = search_questions(query)
    assert answer["did_you_mean"] == corrected
    assert top_id(query) == expected


def test_search_questions__correct_spelling_has_no_did_you_mean() -> None:
    assert search_questions("emphysema")["did_you_mean"] is None
    assert search_questions("I coughed a lot")["did_you_mean"] is None  # stemmed words are known


def test_search_questions__scores_are_descending() -> None:
    scores = [r["score"] for r in search_questions("smoking lungs", limit=10)["results"]]  # type: ignore[union-attr]
    assert len(scores) > 3
    assert scores == sorted(scores, reverse=True)


def test_search_questions__question_text_outranks_answer_text() -> None:
    # "panniculitis" is in the question of one entry and only in the answers/keywords of others.
    ids = top_ids("what is panniculitis", 3)
    assert ids[0] == "what-is-panniculitis"
    assert BM25_WEIGHTS[0] > BM25_WEIGHTS[1] > BM25_WEIGHTS[2]


def test_search_questions__more_matching_words_rank_higher() -> None:
    assert top_id("alcohol liver") == "alcohol"
    assert top_ids("alcohol", 1) == ["alcohol"]


@pytest.mark.parametrize(("query", "reason"), [
    ("I have chest pain", "chest pain"),
    ("pain in my chest when I breathe", "chest pain"),
    ("I am coughing up blood", "coughing blood"),
    ("blood in my phlegm", "coughing blood"),
    ("my baby has yellow eyes", "yellow baby"),
    ("newborn jaundice", "yellow baby"),
    ("I can't breathe", "severe breathlessness"),
    ("severe shortness of breath", "severe breathlessness"),
    ("my lips are blue", "severe breathlessness"),
    ("yelow baby", "yellow baby"),
])
def test_search_questions__urgent_symptoms_escalate(query: str, reason: str) -> None:
    answer = search_questions(query)
    assert answer["escalate"] is True
    assert reason in answer["escalation"]["reasons"]  # type: ignore[index]
    assert "emergency" in answer["escalation"]["message"]  # type: ignore[index]
    assert answer["results"][0]["id"] == "urgent-help"  # type: ignore[index]


@pytest.mark.parametrize("query", ["Can I drink alcohol?", "blood test for AATD", "chest infections",
                                   "yellow skin in adults", "what is a carrier"])
def test_search_questions__ordinary_questions_do_not_escalate(query: str) -> None:
    answer = search_questions(query)
    assert answer["escalate"] is False
    assert answer["escalation"] is None


def test_escalation__none_for_calm_text() -> None:
    assert escalation("what does AAT do") is None


def test_search_questions__answer_is_json_ready_with_sources_and_related() -> None:
    answer = search_questions("vaping")
    json.dumps(answer)
    first = answer["results"][0]  # type: ignore[index]
    assert first["sources"] and all(s["url"] for s in first["sources"])
    assert first["related"] and all(r["question"] for r in first["related"])
    assert "doctor" in str(answer["disclaimer"])


def test_search_questions__snippet_html_is_escaped() -> None:
    answer = search_questions("<script>alcohol</script>")
    for result in answer["results"]:  # type: ignore[union-attr]
        assert "<script>" not in result["snippet_html"]


def test_search_questions__limit_is_respected() -> None:
    assert len(search_questions("aatd", limit=2)["results"]) <= 2  # type: ignore[arg-type]


def test_search_questions__only_stopwords_gives_no_results() -> None:
    assert search_questions("what is the")["results"] == []


def test_search_questions__unknown_language_falls_back_to_english() -> None:
    assert search_questions("alcohol", language="xx")["language"] == "en"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"query": ""}, "query"),
    ({"query": "   "}, "query"),
    ({"query": "x" * 301}, "query"),
    ({"query": "alcohol", "limit": 0}, "limit"),
    ({"query": "alcohol", "limit": 51}, "limit"),
    ({"query": "alcohol", "limit": True}, "limit"),
    ({"query": "alcohol", "language": "not a code"}, "language"),
])
def test_search_questions__bad_input_raises_input_error(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        search_questions(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_get_question__returns_the_entry() -> None:
    entry = get_question("alcohol")
    assert entry["category"] == "liver"
    assert entry["sources"]


def test_get_question__unknown_id_raises_input_error() -> None:
    with pytest.raises(InputError, match="id: got 'nope'"):
        get_question("nope")


def test_list_questions__by_category() -> None:
    liver = list_questions("liver")
    assert liver and all(q["category"] == "liver" for q in liver)
    assert len(list_questions()) == len(ENTRIES)


def test_list_questions__unknown_category_raises_input_error() -> None:
    with pytest.raises(InputError, match="category"):
        list_questions("astrology")


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("emfysema", "emphysema", 2), ("genotipe", "genotype", 1), ("ab", "ba", 1), ("same", "same", 0),
    ("kitten", "sitting", 3),
])
def test_edit_distance__known_values(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


def test_correct_word__short_words_are_left_alone() -> None:
    assert correct_word("mx", Counter({"mm": 1, "mz": 1, "zz": 1})) == "mx"


def test_correct_word__prefers_the_more_frequent_of_equally_close_words() -> None:
    assert correct_word("livar", Counter({"liver": 5, "lives": 1})) == "liver"


def test_normalise__splits_letters_from_digits_and_folds_accents() -> None:
    assert normalise("Alpha1 Antitrypsin Défi") == "alpha 1 antitrypsin defi"


def test_load_entries__answers_read_at_grade_8_or_below(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syllable_counter, "get_cmudict", lambda lang: None)  # offline: pyphen syllables
    grades = {e.id: textstat.flesch_kincaid_grade(e.answer) for e in ENTRIES}
    assert {i: g for i, g in grades.items() if g > 8} == {}
