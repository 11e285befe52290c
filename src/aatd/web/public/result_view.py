"""What a level and/or genotype means, in plain words: from the interpretation engine, or from the core.

Both paths return the same view: ``severity``, ``headline``, ``meaning`` (sentences),
``steps`` (``{"text", "sources"}``), ``details`` (statements for the doctor with sources),
``consistent`` (``None`` when only one result was given), ``repeat`` and ``questions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aatd.clinic.guidelines import guideline_tables
from aatd.clinic.interpretation import describe_interpretation
from aatd.errors import InputError
from aatd.genetics.units import Crp
from aatd.patients.i18n import gettext_noop
from aatd.web.public.rendering import gettext

UNITS = (("mg/dL", "mg/dL"), ("g/L", "g/L"), ("umol/L", "µmol/L"))
CRP_UNITS = (("mg/L", "mg/L"), ("mg/dL", "mg/dL"))
"""The units a CRP is reported in (the core's :class:`~aatd.genetics.units.CrpUnit`); mg/L first, as before."""
KINDS = ("genotype", "phenotype")
SMOKING = ("", "never", "former", "current")
SEVERITIES = ("normal", "intermediate", "severe", "absent")
_REPEAT_STEPS = {"repeat_level", "repeat_level_without_inflammation", "repeat_level_after_pregnancy"}
"""Next steps of the core after which the level should be measured again: the page then says "something may
have changed the level" (a unit in doubt has its own sentence, so ``check_unit`` is not one of them)."""


@dataclass(frozen=True, slots=True)
class ResultInput:
    """What a person typed (as text); empty strings are 'not given'."""

    level: str = ""
    unit: str = "mg/dL"
    kind: str = "genotype"
    result: str = ""
    smoking: str = ""
    crp: str = ""
    crp_unit: str = "mg/L"
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
        if self.crp.strip():
            args |= {"crp": self.crp.strip(), "crp_unit": self.crp_unit}  # the core reads a decimal comma
        if self.age.strip():
            args["age"] = self.age.strip()
        if self.pregnant == "yes":
            args["pregnant"] = True
        return args

    def as_fields(self) -> list[tuple[str, str]]:
        """The inputs as form fields (to carry them to the PDF without storing them)."""
        return [("submitted", "1"), ("level", self.level), ("unit", self.unit), ("kind", self.kind),
                ("result", self.result), ("smoking", self.smoking), ("crp", self.crp),
                ("crp_unit", self.crp_unit)]


def entered(inp: ResultInput) -> list[tuple[str, str]]:
    """What the person entered, repeated back in plain words (label, value)."""
    _ = gettext
    smoking = {"never": _("I never smoked"), "former": _("I smoked in the past"), "current": _("I smoke now")}
    kind = _("Gene test (genotype)") if inp.kind != "phenotype" else _("Protein test (phenotype)")
    unit = dict(UNITS).get(inp.unit, inp.unit)
    return [
        (_("Alpha-1 level"), f"{inp.level.strip()} {unit}" if inp.level.strip() else _("Not given")),
        (_("Type"), f"{inp.result.strip()} ({kind})" if inp.result.strip() else _("Not given")),
        (_("CRP (a marker of illness or swelling)"), _crp_entered(inp)),
        (_("Smoking"), smoking.get(inp.smoking, _("Not given"))),
    ]


def _crp_entered(inp: ResultInput) -> str:
    """The CRP as typed (a decimal comma kept), with its unit, and in mg/L too when it was given in mg/dL (the
    core converts it: ``1,2 mg/dL (12 mg/L)``)."""
    typed = inp.crp.strip()
    if not typed:
        return gettext("Not given")
    try:
        crp = Crp.parse(typed, inp.crp_unit)
    except InputError:
        return f"{typed} {inp.crp_unit}"
    converted = f" ({'<' if crp.below else ''}{crp.mg_l_text} mg/L)" if crp.converted else ""
    return f"{typed} {crp.unit.value}{converted}"


CORE_PATIENT_SENTENCES = (
    gettext_noop('This note explains your alpha-1 test. Alpha-1 is a protein made in the liver. '
                 'It protects the lungs.'),
    gettext_noop('Your results show no shortage of alpha-1.'),
    gettext_noop('Your results show a mild shortage of alpha-1, or a gene change that can cause one.'),
    gettext_noop('Your results show a large shortage of alpha-1, or genes that cause one.'),
    gettext_noop('Your results show that your body makes almost no alpha-1.'),
    gettext_noop('We cannot tell yet how much alpha-1 your body makes. More tests will help.'),
    gettext_noop('Your tests do not fully agree with each other. This is common and more tests can sort it out.'),
    gettext_noop('These results help your doctor. They do not replace talking with your doctor.'),
    gettext_noop('Your alpha-1 level is in the usual range.'),
    gettext_noop('Your alpha-1 level is a bit below the usual range.'),
    gettext_noop('Your alpha-1 level is very low.'),
    gettext_noop('Your gene test points to a lower level than this test shows. Your doctor will explain why.'),
    gettext_noop('This can harm your lungs and sometimes your liver. There are things you and your doctor can do to '
                 'protect them.'),
    gettext_noop('The unit on your result looks wrong. Your doctor will check it before using it.'),
    gettext_noop('Pregnancy raises alpha-1 levels. So a normal level now does not rule out a shortage.'),
    gettext_noop('Your level is lower than your gene result would suggest. You may carry a rare gene change that the '
                 'first test cannot see.'),
    gettext_noop('The test may have had a problem. Checking it again can help.'),
    gettext_noop('Some liver and kidney problems can lower the level too.'),
    gettext_noop('Illness or swelling in the body can raise the level for a while.'),
    gettext_noop('A drip treatment with alpha-1 raises the level in your blood.'),
    gettext_noop('Pregnancy or hormone pills can raise the level.'),
    gettext_noop('Illness or swelling can make the alpha-1 level look higher. There was no CRP test, so we do not '
                 'know if that happened. We will test the level again, with a CRP test, when you are well.'),
    gettext_noop('Your alpha-1 level is above the usual range. That is not a shortage. An illness, pregnancy or '
                 'hormone pills can raise it.'),
)
"""The core's patient sentences (``patient_messages.csv``, ``discordance_explanations.csv``), marked
for translation; a test checks this list against the tables so it cannot drift."""


def step_text(code: str, core_text: str, crp_given: bool, inflamed: bool | None) -> str:
    """A next step of the core in "Ask your doctor about..." words, true of what was entered.

    The step itself (the clinical rule) comes from :mod:`aatd.clinic.interpretation`; this only
    words it for a person who is not in a clinic. Unknown codes keep the core's patient text.
    """
    _ = gettext
    if code == "repeat_level_without_inflammation":
        if not crp_given:
            return _("An illness or swelling can make the level look higher. No CRP result was entered, so we "
                     "cannot tell if that happened. Ask your doctor about a CRP test, and about testing the level "
                     "again when you are well.")
        if inflamed:
            return _("Your CRP is raised, so an illness or swelling may have made the level look higher. Ask your "
                     "doctor about testing the level again when you are well.")
        return _("Ask your doctor about testing the level again.")
    words = {
        "no_further_testing": _("From what you entered, the results agree. Ask your doctor if you need more "
                                "alpha-1 tests."),
        "repeat_level": _("Ask your doctor about checking your alpha-1 level again on a new blood sample."),
        "phenotype": _("Ask your doctor about a test of the type of alpha-1 protein in your blood (phenotype)."),
        "genotype": _("Ask your doctor about a gene test for the common changes (S and Z)."),
        "sequence_serpina1": _("Ask your doctor about a full test of the alpha-1 gene, to look for rare changes."),
        "resolve_discordance": _("Your level and your gene result do not match. Ask your doctor about more lab "
                                 "tests to find out why: a test of the type of alpha-1 protein, and maybe a full "
                                 "test of the alpha-1 gene."),
        "test_relatives": _("Ask your doctor about tests for your parents, brothers, sisters and children."),
        "refer_specialist": _("Ask your doctor about seeing a lung doctor who knows alpha-1 well."),
        "spirometry_and_dlco": _("Ask your doctor about breathing tests to see how well your lungs work."),
        "chest_ct": _("Ask your doctor if a scan of your chest would help."),
        "liver_assessment": _("Ask your doctor about blood tests, and maybe a scan, to check your liver."),
        "consider_augmentation": _("Ask your doctor if treatment with alpha-1 by drip (augmentation therapy) is "
                                   "right for you."),
        "smoking_cessation": _("If you smoke, stopping is the best thing you can do for your lungs. Ask your "
                               "doctor for help to stop."),
        "avoid_exposures": _("Try to stay away from dust and fumes at work and at home."),
        "measure_level": _("Ask your doctor about a blood test of your alpha-1 level, with a CRP test."),
        "check_unit": _("Ask your doctor to check the unit of your result with the lab."),
        "repeat_level_after_pregnancy": _("Pregnancy raises the level. Ask your doctor about testing the level "
                                          "again after your baby is born."),
        "paediatric_follow_up": _("A children's clinic will check the liver and growth. Ask your doctor about it, "
                                  "and keep your child away from tobacco smoke."),
    }
    return words.get(code, core_text)


def _genes_lower_than_level() -> str:
    """The core's sentence for "the genes point lower than the measured level" (``patient_messages.csv``)."""
    return guideline_tables().messages["genes_lower_than_level"].text


def headline(severity: str, measured_class: str | None = None, genes_point_lower: bool = False) -> str:
    """The first sentence of the answer, by severity class (the class comes from the core).

    When the core finds the level and the genes inconsistent and says the genes point lower than the
    level measured (a ZZ result with a level in the usual range), the headline says that the two results
    do not agree. An MZ with a level in the usual range is consistent (carriers' levels often are) and
    gets the severity sentence below instead.

    The short headlines ("Your result is very low.") speak of a measured level. They are used only
    when the measured level's own class is the severity of the whole result. Otherwise - a ZZ
    genotype with a level in the usual range, an MZ with a normal level, a genotype without a level
    (SZ levels straddle the threshold) - the core's sentence for the severity ("... or genes that
    cause one"), true of both the level and the genes, is used instead.
    """
    _ = gettext
    if genes_point_lower:
        return _("Your results do not agree. Your gene test points to a lower level than your blood test shows.")
    if measured_class != severity and severity in SEVERITIES:
        return _(guideline_tables().messages[f"severity_{severity}"].text)
    return {
        "normal": _("Your result shows no shortage of alpha-1."),
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
    if inp.level.strip() and not inp.crp.strip():
        out.append(_("Was my CRP measured at the same time as my level?"))
    if severity in {"intermediate", "severe", "absent"}:
        out += [_("Should my brothers, sisters, parents and children be tested?"),
                _("Do I need breathing tests or a liver check?")]
    if severity in {"severe", "absent"}:
        out.append(_("Is treatment with alpha-1 (augmentation therapy) right for me?"))
    out.append(_("What can I do to protect my lungs and my liver?"))
    return out


def from_engine(inp: ResultInput) -> dict[str, Any]:
    """The view from :func:`aatd.clinic.interpretation.describe_interpretation` (the only source of the meaning)."""
    return view_of(inp, describe_interpretation(**inp.engine_arguments()))


def view_of(inp: ResultInput, r: Mapping[str, Any]) -> dict[str, Any]:
    """The view of the engine's answer ``r`` to ``inp.engine_arguments()``, in the request's language."""
    crp_given = r.get("inputs", {}).get("crp_mg_l") is not None
    core_steps = list(r.get("next_step_details", []))
    steps = [{"code": s.get("code", ""), "text": step_text(str(s.get("code", "")), str(s.get("patient_text", "")),
                                                           crp_given, r.get("inflamed")),
              "sources": s.get("sources", []), "find_care": s.get("code") == "refer_specialist"}
             for s in core_steps]
    step_texts = {str(s.get("patient_text", "")) for s in core_steps}
    meaning = [gettext(str(t)) for t in r.get("patient_explanation", []) if t not in step_texts]
    details = [{"text": e.get("text", ""), "sources": e.get("sources", [])} for e in r.get("explanation", [])]
    severity = str(r.get("severity", ""))
    codes = set(r.get("next_steps", []))
    repeat = r.get("consistent") is False or bool(codes & _REPEAT_STEPS)
    sources = sorted({str(src) for item in steps + details for src in item["sources"]})
    measured = r.get("measured_class")
    genes_point_lower = (r.get("consistent") is False
                         and _genes_lower_than_level() in r.get("patient_explanation", []))
    return {"severity": severity,
            "headline": headline(severity, str(measured) if measured else None, genes_point_lower),
            "meaning": meaning, "steps": steps,
            "details": details, "consistent": r.get("consistent"), "repeat": repeat,
            "questions": questions(severity, inp, repeat), "entered": entered(inp), "sources": sources,
            "data_version": r.get("provenance", {}).get("data_version", "")}


def interpret(inp: ResultInput) -> dict[str, Any]:
    """The plain-language view of ``inp``, from the interpretation engine."""
    return from_engine(inp)
