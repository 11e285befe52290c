"""What a level and/or genotype means, in plain words: from the interpretation engine, or from the core.

Both paths return the same view: ``severity``, ``headline``, ``meaning`` (sentences),
``steps`` (``{"text", "sources"}``), ``details`` (statements for the doctor with sources),
``consistent`` (``None`` when only one result was given), ``repeat`` and ``questions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aatd.clinic.interpretation import describe_interpretation
from aatd.web.public.rendering import gettext

UNITS = (("mg/dL", "mg/dL"), ("g/L", "g/L"), ("umol/L", "µmol/L"))
KINDS = ("genotype", "phenotype")
SMOKING = ("", "never", "former", "current")
_REPEAT_STEPS = {"repeat_level", "repeat_level_without_inflammation", "retest", "repeat_genotype"}


@dataclass(frozen=True, slots=True)
class ResultInput:
    """What a person typed (as text); empty strings are 'not given'."""

    level: str = ""
    unit: str = "mg/dL"
    kind: str = "genotype"
    result: str = ""
    smoking: str = ""
    age: str = ""
    pregnant: str = ""

    @property
    def given(self) -> bool:
        """Whether anything to interpret was entered."""
        return bool(self.level.strip() or self.result.strip())

    def engine_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``describe_interpretation`` (only what was given)."""
        args: dict[str, Any] = {}
        if self.level.strip():
            args |= {"level": self.level.strip(), "unit": self.unit}
        if self.result.strip():
            args[self.kind if self.kind in KINDS else "genotype"] = self.result.strip()
        if self.smoking in SMOKING[1:]:
            args["smoking"] = self.smoking
        if self.age.strip():
            args["age"] = self.age.strip()
        if self.pregnant == "yes":
            args["pregnant"] = True
        return args


def headline(severity: str) -> str:
    """The first sentence of the answer, by severity class."""
    _ = gettext
    return {
        "normal": _("Your result is in the usual range."),
        "intermediate": _("Your result is a bit lower than usual."),
        "severe": _("Your result is very low."),
        "absent": _("Your body makes almost no alpha-1."),
    }.get(severity, _("We cannot say yet how low your alpha-1 is."))


def questions(severity: str, inp: ResultInput, repeat: bool) -> list[str]:
    """Questions to ask the doctor, chosen by what is known and how low the result is."""
    _ = gettext
    out = [_("Does this result need to be repeated?")] if repeat or not inp.result.strip() else []
    if not inp.result.strip():
        out.append(_("Can I have a test for my type (genotype), not only my level?"))
    if not inp.level.strip():
        out.append(_("Can I have my alpha-1 level measured?"))
    if severity in {"intermediate", "severe", "absent"}:
        out += [_("Should my brothers, sisters, parents and children be tested?"),
                _("Do I need breathing tests or a liver check?")]
    if severity in {"severe", "absent"}:
        out.append(_("Is treatment with alpha-1 (augmentation therapy) right for me?"))
    out.append(_("What can I do to protect my lungs and my liver?"))
    return out


def _view(severity: str, meaning: list[str], steps: list[dict[str, Any]], details: list[dict[str, Any]],
          consistent: bool | None, inp: ResultInput, codes: set[str]) -> dict[str, Any]:
    repeat = consistent is False or bool(codes & _REPEAT_STEPS)
    return {"severity": severity, "headline": headline(severity), "meaning": meaning, "steps": steps,
            "details": details, "consistent": consistent, "repeat": repeat,
            "questions": questions(severity, inp, repeat)}


def from_engine(inp: ResultInput) -> dict[str, Any]:
    """The view from :func:`aatd.clinic.interpretation.describe_interpretation`."""
    r: Mapping[str, Any] = describe_interpretation(**inp.engine_arguments())
    steps = [{"text": s.get("patient_text") or s.get("text", ""), "sources": s.get("sources", [])}
             for s in r.get("next_step_details", [])]
    details = [{"text": e.get("text", ""), "sources": e.get("sources", [])} for e in r.get("explanation", [])]
    step_texts = {s["text"] for s in steps}
    meaning = [str(t) for t in r.get("patient_explanation", []) if t not in step_texts]
    return _view(str(r.get("severity", "")), meaning, steps, details, r.get("consistent"), inp,
                 set(r.get("next_steps", [])))


def interpret(inp: ResultInput) -> dict[str, Any]:
    """The plain-language view of ``inp``, from the interpretation engine."""
    return from_engine(inp)
