"""The "Should I be tested?" questions, in plain words, and how answers become engine input."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aatd.clinic.who_to_test import MAX_AGE_YEARS, MAX_PACK_YEARS
from aatd.patients.i18n import gettext_noop
from aatd.web.public.rendering import Fields, current_language, gettext, number

IMPLIED = {"persistent_obstruction": gettext_noop("Breathing tests show airways that stay narrowed"),
           "asthma": gettext_noop("Asthma")}
"""Findings no question asks but a ticked statement implies (COPD implies a lasting obstruction), in plain words."""


@dataclass(frozen=True, slots=True)
class Question:
    """One yes/no statement a person can tick; ``finding`` is the testing engine's finding code."""

    finding: str
    text: str


def question_groups() -> list[tuple[str, list[Question]]]:
    """The statements, grouped under plain headings (translated at call time)."""
    _ = gettext
    return [
        (_("Your lungs"), [
            Question("copd", _("A doctor told me I have COPD or long-term bronchitis.")),
            Question("emphysema", _("A doctor told me I have emphysema.")),
            Question("early_onset_emphysema", _("My emphysema or COPD started before I was 45.")),
            Question("asthma", _("I have asthma.")),
            Question("asthma_persistent_obstruction",
                     _("I have asthma, and my breathing tests do not get back to normal with treatment.")),
            Question("bronchiectasis", _("I have bronchiectasis (widened, damaged airways) and no cause was found.")),
        ]),
        (_("Your liver and skin"), [
            Question("unexplained_liver_disease", _("I have liver disease and no cause was found.")),
            Question("raised_liver_enzymes", _("Blood tests showed high liver enzymes and no cause was found.")),
            Question("neonatal_cholestasis",
                     _("I am asking for a baby who had jaundice (yellow skin) that lasted a long time.")),
            Question("necrotising_panniculitis",
                     _("I have panniculitis: painful lumps under the skin that can break open.")),
            Question("gpa", _("I have a blood vessel illness called GPA (c-ANCA vasculitis).")),
        ]),
        (_("Your family"), [
            Question("sibling_with_aatd", _("A brother or sister has AATD.")),
            Question("relative_with_aatd", _("A parent, child or other relative has AATD or carries a changed gene.")),
            Question("family_history_emphysema", _("Someone in my family had emphysema or COPD.")),
            Question("family_history_liver_disease", _("Someone in my family had liver disease.")),
        ]),
        (_("Smoke and dust"), [
            Question("smoking_history", _("I smoke now, or I smoked in the past.")),
            Question("occupational_exposure", _("I work, or worked, in dust or fumes.")),
        ]),
    ]


def statements() -> dict[str, str]:
    """Finding code -> the statement a person ticked."""
    return {q.finding: q.text for _, group in question_groups() for q in group}


def reasons(rules: Iterable[Mapping[str, Any]], ticked: Mapping[str, str] | None = None) -> list[str]:
    """Why a guideline applies, once per reason, for the page and its PDF alike.

    In English, the guideline's own criterion. In another language, the statement the person ticked, or the
    plain words of a finding it implies: the criteria are English guideline text and must not show on a
    Spanish page.
    """
    ticked = statements() if ticked is None else ticked
    english = current_language() == "en"
    out: dict[str, None] = {}
    for rule in rules:
        finding, criterion = str(rule.get("finding", "")), str(rule["criterion"])
        if english:
            text = criterion
        elif finding in ticked:
            text = ticked[finding].rstrip(".")
        else:
            text = gettext(IMPLIED[finding]) if finding in IMPLIED else criterion
        out[text] = None
    return list(out)


@dataclass(frozen=True, slots=True)
class Answers:
    """What a person answered: ticked findings, age and pack-years (both optional)."""

    findings: tuple[str, ...]
    age: float | None
    pack_years: float | None
    symptoms: bool = False
    """Breathlessness, wheeze or a lasting cough: not a testing criterion by itself, it leads to spirometry."""

    def as_fields(self) -> list[tuple[str, str]]:
        """The answers as form fields, to carry them to the PDF without storing them."""
        out = [("finding", f) for f in self.findings]
        if self.age is not None:
            out.append(("age", f"{self.age:g}"))
        if self.pack_years is not None:
            out.append(("pack_years", f"{self.pack_years:g}"))
        if self.symptoms:
            out.append(("symptoms", "1"))
        return out


def read_answers(fields: Fields, errors: dict[str, str]) -> Answers:
    """Answers from the submitted fields; unknown findings are ignored, bad numbers go to ``errors``."""
    known = statements()
    findings = tuple(dict.fromkeys(f for f in fields.getlist("finding") if f in known))
    age = number(fields, "age", errors, low=0, high=MAX_AGE_YEARS)  # the core's bounds, as every face
    pack_years = number(fields, "pack_years", errors, low=0, high=MAX_PACK_YEARS)
    return Answers(findings, age, pack_years, symptoms=fields.get("symptoms") == "1")


def recommendation_text(code: str) -> str:
    """A guideline recommendation in plain words."""
    _ = gettext
    return {
        "recommended": _("Recommends a test"),
        "suggested": _("Says a test is worth thinking about"),
        "not_indicated": _("Does not call for a test from these answers"),
        "not_covered": _("Is written for older people, so it does not cover your age"),
    }.get(code, code)


def headline(overall: str) -> str:
    """The main answer for the person."""
    _ = gettext
    return {
        "recommended": _("Yes. From your answers, guidelines recommend a test for AATD."),
        "suggested": _("Maybe. From your answers, some guidelines say a test is worth thinking about."),
        "not_indicated": _("From your answers, the guidelines do not call for a test."),
        "not_covered": _("The guidelines we use are written for older people, so they do not answer this for "
                         "your age. Ask your doctor. A test can be done at any age."),
    }.get(overall, overall)


def symptoms_statement() -> str:
    """The symptoms question (it does not feed the guidelines; it points to a breathing test)."""
    return gettext("I am often short of breath, I wheeze, or I have a cough that does not go away.")
