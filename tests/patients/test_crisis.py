"""Distress and self-harm wording: every phrase of the cited table triggers the crisis answer first."""

from __future__ import annotations

import pytest

from aatd.patients.crisis import (
    crisis_line,
    crisis_lines,
    crisis_response,
    crisis_signs,
    matching_signs,
    normalised_text,
)
from aatd.patients.questions import search_questions

PHRASES = [(sign.id, example) for sign in crisis_signs() for example in sign.examples]
EXTRA_PHRASES = [
    "i want to die", "I feel suicidal", "I don't want to live anymore", "Quiero morirme",
    "ya no quiero vivir", "pienso en el suicidio", "me quiero matar", "i am thinking of killing myself",
]
CALM = [
    "will I die young from AATD", "how long will I live", "what does MZ mean for my kids", "can I fly",
    "is emphysema deadly", "life expectancy ZZ", "this cough is killing me", "¿Puedo volar en avión?",
    "am I going to die from this disease", "what happens when the lungs die",
]


def test_crisis_signs__every_sign_is_cited_and_checked() -> None:
    signs = crisis_signs()
    assert {s.language for s in signs} == {"en", "es"}
    assert all(s.source_url.startswith("https://") and s.source_name and s.checked for s in signs)
    assert all(len(s.examples) >= 3 for s in signs)


@pytest.mark.parametrize(("sign", "phrase"), PHRASES, ids=[f"{s}:{p}" for s, p in PHRASES])
def test_search_questions__each_table_phrase_answers_with_the_crisis_line_first(sign: str, phrase: str) -> None:
    found = search_questions(phrase, country="US")
    crisis = found["crisis"]
    assert isinstance(crisis, dict)
    assert sign in crisis["signs"]  # type: ignore[operator]
    assert "988" in str(crisis["call"])
    assert found["did_you_mean"] is None
    assert [r["id"] for r in found["results"]] == ["feeling-down", "support-groups"]  # type: ignore[union-attr]


@pytest.mark.parametrize("phrase", EXTRA_PHRASES)
def test_search_questions__issue_phrases_get_the_crisis_answer_never_a_spelling_suggestion(phrase: str) -> None:
    for language in ("en", "es"):
        found = search_questions(phrase, language=language)
        assert found["crisis"] is not None
        assert found["did_you_mean"] is None


@pytest.mark.parametrize("phrase", CALM)
def test_search_questions__ordinary_worries_do_not_trigger_the_crisis_answer(phrase: str) -> None:
    assert matching_signs(phrase) == []
    assert search_questions(phrase)["crisis"] is None


@pytest.mark.parametrize(("country", "phone", "emergency"), [
    ("US", "988", "911"), ("CA", "988", "911"), ("GB", "116 123", "999"), ("IE", "116 123", "112 or 999"),
    ("ES", "024", "112"),
])
def test_crisis_response__uses_the_configured_country(country: str, phone: str, emergency: str) -> None:
    crisis = crisis_response("I want to kill myself", country=country)
    assert crisis is not None
    assert phone in str(crisis["call"]) and emergency in str(crisis["emergency"])
    line = crisis["line"]
    assert isinstance(line, dict) and line["country"] == country and line["checked"]


def test_crisis_response__spanish_message_for_spanish_pages() -> None:
    crisis = crisis_response("quiero morir", language="es", country="ES")
    assert crisis is not None
    assert "024" in str(crisis["call"]) and "112" in str(crisis["emergency"])


def test_crisis_response__unknown_country_points_to_the_local_emergency_number() -> None:
    crisis = crisis_response("I want to die", country="NZ")
    assert crisis is not None and crisis["line"] is None
    assert "emergency" in str(crisis["call"]).lower()


def test_crisis_lines__every_line_has_a_source_and_a_date() -> None:
    lines = crisis_lines()
    assert set(lines) >= {"US", "CA", "GB", "IE", "ES"}
    assert all(line.source_url.startswith("https://") and len(line.checked) == 10 for line in lines.values())
    assert crisis_line(None) is lines["US"]


def test_search_questions__urgent_symptoms_keep_the_emergency_box_next_to_the_crisis_answer() -> None:
    found = search_questions("I want to die, I have chest pain and cannot breathe")
    assert found["crisis"] is not None and found["escalate"] is True
    assert next(r["id"] for r in found["results"]) == "urgent-help"  # type: ignore[union-attr]


def test_normalised_text__folds_case_accents_and_apostrophes() -> None:
    assert normalised_text("I DON'T want to live — ¡Quiero MORIR!") == "i don t want to live quiero morir"


@pytest.mark.parametrize(("query", "reason"), [
    ("tengo dolor de pecho", "chest pain"), ("toso sangre", "coughing blood"),
    ("no puedo respirar", "severe breathlessness"), ("mi bebé está amarillo", "yellow baby"),
    ("se me ponen los labios azules", "severe breathlessness"),
])
def test_search_questions__spanish_urgent_symptoms_keep_the_emergency_box(query: str, reason: str) -> None:
    found = search_questions(query, language="es")
    assert found["escalate"] is True and reason in found["escalation"]["reasons"]  # type: ignore[index]
    assert found["crisis"] is None


def test_search_questions__no_puedo_mas_is_distress_not_breathlessness() -> None:
    found = search_questions("ya no puedo más", language="es")
    assert found["crisis"] is not None and found["escalate"] is False
