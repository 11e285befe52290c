"""The small family tree of the "Our family" page: stateless rows in a form <-> the pedigree JSON contract.

Every row of the form is one relative (name, sex, father, mother, a known result). The
rows go to the pedigree engine as ``{"country", "members": [...]}`` and come back with
each relative's chances. Nothing is kept: the rows travel in the form each time.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from aatd.errors import InputError
from aatd.limits import GENOTYPE_TEXT
from aatd.patients.i18n import gettext_noop
from aatd.web.public.rendering import Fields, describe_error, gettext

MAX_ROWS = 10
SEXES = ("female", "male", "unknown")
KINDS = ("genotype", "phenotype")
DEFAULT_COUNTRY = "USA"
_MEMBER_FIELD = re.compile(r"^members\[(\d+)\](?:\.(\w+))?")
_SVG_SIZE = re.compile(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"')
_ATTR_TO_COLUMN = {"id": "name", "sex": "sex", "father": "father", "mother": "mother", "genotype": "result",
                   "phenotype": "result"}


@dataclass(frozen=True, slots=True)
class Row:
    """One relative as typed into the form."""

    name: str = ""
    sex: str = "unknown"
    father: str = ""
    mother: str = ""
    kind: str = "genotype"
    result: str = ""

    def member(self) -> dict[str, Any]:
        """The relative as a member of the pedigree JSON contract."""
        out: dict[str, Any] = {"id": self.name, "sex": self.sex or "unknown"}
        if self.father:
            out["father"] = self.father
        if self.mother:
            out["mother"] = self.mother
        if self.result:
            out[self.kind if self.kind in KINDS else "genotype"] = self.result
        return out


def default_rows(parent1: str = "", parent2: str = "") -> list[Row]:
    """A family of four to start from (two parents, two children), then empty rows.

    The parents' results come from the Punnett square's fields when they could be a result at all (at
    most :data:`~aatd.limits.GENOTYPE_TEXT` characters); a longer text is left out, not repeated in the form.
    """
    mum, dad = gettext("Mum"), gettext("Dad")
    parent1, parent2 = ("" if len(p) > GENOTYPE_TEXT else p for p in (parent1, parent2))
    rows = [Row(mum, "female", result=parent1), Row(dad, "male", result=parent2),
            Row(gettext("Child 1"), "unknown", dad, mum), Row(gettext("Child 2"), "unknown", dad, mum)]
    return rows + [Row() for _ in range(MAX_ROWS - len(rows))]


def read_rows(fields: Fields) -> list[Row]:
    """The ``MAX_ROWS`` rows of the form (``m<i>_name``, ``m<i>_sex``, ...), padded with empty rows.

    Values are kept as typed (spaces around them aside): the engine refuses a name or result over the core's
    limits (:data:`~aatd.limits.MEMBER_ID`, :data:`~aatd.limits.GENOTYPE_TEXT`) with a message next to the
    field, and the form shows what was typed. (They were cut to 60 characters without a word: second review.)
    """
    rows = []
    for i in range(MAX_ROWS):
        def get(column: str, default: str = "", i: int = i) -> str:
            return fields.get(f"m{i}_{column}", default).strip()

        rows.append(Row(get("name"), get("sex", "unknown"), get("father"), get("mother"), get("kind", "genotype"),
                        get("result")))
    return rows


def document(rows: list[Row], country: str) -> tuple[dict[str, Any], list[int]]:
    """The pedigree document of the filled rows, and the form row of each member."""
    used = [i for i, row in enumerate(rows) if row.name]
    for n, i in enumerate(used):
        if rows[i].sex not in (*SEXES, ""):  # a choice of the form's list: only a hand-made request sends another
            raise InputError(f"members[{n}].sex", rows[i].sex, "female, male or unknown")
        if rows[i].result and rows[i].kind not in KINDS:
            raise InputError(f"members[{n}].genotype", rows[i].kind, "a gene test or a protein test")
    return {"country": country, "members": [rows[i].member() for i in used]}, used


def row_errors(exc: InputError, used: list[int]) -> dict[str, str]:
    """An engine error as ``{form field: message}`` (``"tree"`` when it is about the family as a whole)."""
    match = _MEMBER_FIELD.match(exc.field)
    message = describe_error(exc)
    if match and int(match.group(1)) < len(used):
        column = _ATTR_TO_COLUMN.get(match.group(2) or "id", "name")
        if column in {"father", "mother"}:
            message = gettext("Please type the name of another relative in this list, or leave it empty.")
        return {f"m{used[int(match.group(1))]}_{column}": message}
    if exc.field.startswith("country"):
        return {"country": message}
    return {"tree": message}


def tree_title() -> str:
    """The title of the drawing, in the request's language."""
    return gettext("Our family tree")


DRAWING_WORDS: dict[str, str] = {
    "affected": gettext_noop("severe type"), "carrier": gettext_noop("carries one changed gene"),
    "unaffected": gettext_noop("no changed gene found"), "unknown": gettext_noop("not known"),
    "partner_not_recorded": gettext_noop("other parent not entered"),
    "legend_male": gettext_noop("Male"), "legend_female": gettext_noop("Female"),
    "legend_sex_unknown": gettext_noop("Sex not given"),
    "legend_severe": gettext_noop("Filled: a severe type, such as ZZ"),
    "legend_carrier": gettext_noop("Dot: carries one changed gene, such as MZ or MS (from a test or from the family)"),
    "legend_unfilled": gettext_noop("Empty: no changed gene found, or not known"),
    "legend_tested": gettext_noop("Star: has a test result"), "legend_deceased": gettext_noop("Line across: has died"),
    "legend_proband": gettext_noop("Arrow: the person the tree is about"),
    "legend_consanguinity": gettext_noop("Double line: the parents are related by blood"),
    "legend_mz_twins": gettext_noop("Identical twins"), "legend_dz_twins": gettext_noop("Twins who are not identical"),
    "legend_adopted": gettext_noop("Brackets: adopted"),
    "legend_partner_not_recorded": gettext_noop("Small shape with ?: the other parent, not entered"),
}
"""The family drawing's words on the public page, in plain language (keys of :data:`aatd.family.drawing.WORDS`)."""
DRAWING_NOTE = gettext_noop("Under each shape: its place in the tree (such as II-1), the name, then the type, or the "
                            "most likely type and its chance.")
"""What the labels under each shape say, written under the drawing (the drawing itself has no footnotes)."""


def drawing_words() -> dict[str, str]:
    """:data:`DRAWING_WORDS` in the request's language, for the drawing and the legend under it.

    The page's drawing has no footnotes (:func:`aatd.web.public.engines.family_tree`): on a phone they would be
    cut off at the right with the drawing; the page writes :data:`DRAWING_NOTE` and its own note under it."""
    return {key: gettext(text) for key, text in DRAWING_WORDS.items()}


def legend_of(keys: list[str]) -> list[tuple[str, str]]:
    """The legend under the drawing: (marker drawn as in the drawing, words in the request's language)."""
    from aatd.family.drawing import legend_markers

    words = drawing_words()
    return [(marker, words[f"legend_{key}"]) for key, marker in legend_markers(keys)]


def report_of(rows: list[Row], used: list[int], answer: dict[str, Any], svg: str,
              legend_keys: list[str] | None = None) -> dict[str, Any]:
    """The page's report from the engine's answer, drawing and legend keys
    (:func:`aatd.web.public.engines.family_tree`)."""
    report: dict[str, Any] = dict(answer)
    report["picture"] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    size = _SVG_SIZE.search(svg)
    report["picture_size"] = (round(float(size.group(1))), round(float(size.group(2)))) if size else None
    report["legend"] = legend_of(legend_keys or [])
    report["drawing_note"] = gettext(DRAWING_NOTE)
    report["rows"] = [rows[i] for i in used]
    report["members"] = {name: {**member, "likely": [(g, p) for g, p in sorted(member["genotypes"].items(),
                                                                                key=lambda kv: -kv[1])
                                                     if p >= 0.01][:3]}
                         for name, member in answer["members"].items()}
    return report
