"""A plain-language letter to one relative: their chance, what a test involves, whom to contact.

The chances are the family answer's (:func:`aatd.family.answers.family_answer`: exact posterior
probabilities and the cascade plan); what a test involves and when to get urgent help are the
cited answers of the patient question bank (:mod:`aatd.patients.questions`), so the letter adds
no clinical statement of its own. Sentences are short (reading grade 7 or below, checked by
``tests/web/clinician/test_documents.py`` as the public pages are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aatd.patients.questions import load_entry

URGENT_ENTRY = "urgent-help"
TEST_ENTRY = "how-tested"


@dataclass(frozen=True, slots=True)
class Letter:
    """A letter as plain paragraphs under headings (rendered as HTML and as PDF)."""

    to: str
    title: str
    urgent: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]
    footer: str


def _in_100(p: float) -> str:
    """A probability as "about N in 100" (or "less than 1 in 100", "almost certainly")."""
    n = round(100 * p)
    if p >= 0.995:
        return "almost 100 in 100"
    if n < 1:
        return "less than 1 in 100"
    return f"about {n} in 100"


KNOWN = 0.995
"""A chance this close to certain is what the member's own results show (not a family estimate)."""


def _chance(answer: dict[str, Any], rank: int | None) -> tuple[str, ...]:
    """The member's chances in words true of the family answer.

    ``p_severe`` is the chance of a *severe type* (ZZ, SZ, two null genes...), not of any two changed
    genes: SS also has two, and is not severe. So the letter speaks of a severe type.
    """
    severe, carrier = float(answer["p_severe"]), float(answer["p_carrier"])
    if severe >= KNOWN or carrier >= KNOWN:
        found = "a severe type of AATD" if severe >= KNOWN else "one changed gene"
        return (f"Your test results show that you have {found}. Your parents, brothers, sisters and children "
                "may want a test too. They can contact us.",)
    lines = [f"We used the test results of your family to work out your chances. The chance that you have "
             f"a severe type of AATD is {_in_100(severe)}. People with a severe type have a higher risk of lung "
             "and liver disease.",
             f"The chance that you carry one changed gene is {_in_100(carrier)}. A carrier can pass the gene "
             "on to their children."]
    if rank == 1:
        lines.append("You are first on the list of people in your family we would like to test.")
    elif rank is not None:
        lines.append(f"You are number {rank} on the list of people in your family we would like to test.")
    return tuple(lines)


def relative_letter(label: str, answer: dict[str, Any] | None, rank: int | None, organisation: str,
                    contact: str, tested: bool = False, family_has_aatd: bool = True) -> Letter:
    """The letter to ``label``, from their entry in the family answer (``None`` when it could not be made).

    ``tested``: the person's record is marked tested. When no chances could be worked out, the letter then
    neither says "a test will tell you" nor asks them to ask for one: it asks them to talk about their results.
    ``family_has_aatd``: another member's results show AATD (two changed genes); otherwise the letter says that
    AATD may run in the family, not that someone has it.
    """
    urgent = load_entry(URGENT_ENTRY).answer
    how = load_entry(TEST_ENTRY).answer
    opening = ("Someone in your family has alpha-1 antitrypsin deficiency (AATD)." if family_has_aatd else
               "We are writing because alpha-1 antitrypsin deficiency (AATD) may run in your family.")
    intro = (f"{opening} AATD is passed down in families. It can harm the lungs and the liver. If you know you "
             "have it, you can protect your lungs, for example by not smoking.")
    if answer:
        chance = _chance(answer, rank)
    elif tested:
        chance = ("Your test results are on our record. We could not yet use them with your family's results "
                  "to work out chances. We would like to talk with you about them.",)
    else:
        chance = ("We could not work out your chance from the family's results yet. A test will tell you for sure.",)
    ask = "to talk about your results" if tested and not answer else "to ask for a test"
    contact_lines = (f"Please contact {organisation} {ask}. You can write to {contact}.",
                     "You can also show this letter to your own doctor. Please bring it with you.")
    return Letter(to=label, title="About AATD in your family", urgent=urgent,
                  sections=(("Why we are writing", (intro,)), ("Your chance", chance),
                            ("What a test involves", (how,)), ("Whom to contact", contact_lines)),
                  footer="This letter supports, and does not replace, advice from your doctor or genetic counsellor.")
