"""Next steps, cited explanations and patient text for :mod:`aatd.clinic.interpretation`.

Next steps are chosen from the facts the engine established (severity, consistency,
ranked causes, what was tested, eligibility); their wording and sources come from
``next_steps.csv``. Every explanation statement carries the source ids that support it.
"""

from __future__ import annotations

from collections.abc import Mapping

from aatd.clinic.augmentation import EligibilityVerdict, Smoking, describe_eligibility
from aatd.clinic.guidelines import cite, guideline_tables
from aatd.clinic.interpretation import (
    INDETERMINATE,
    TESTING_STEPS,
    Cause,
    Interpretation,
    NextStep,
    Statement,
    _Evidence,
)
from aatd.genetics.genotypes import Genotype
from aatd.genetics.levels import (
    classify_umol_l,
    level_distribution,
    lower_limit_of_normal_umol_l,
    protective_threshold_umol_l,
)
from aatd.genetics.units import Method
from aatd.knowledge import split_sources
from aatd.provenance import provenance

DISCLAIMER = ("aatd supports, and does not replace, clinical judgement: confirm results and decisions with "
              "the treating clinician and the guidelines cited.")
SEVERE = ("severe", "absent")
COMMON_SOURCE = "ats_ers2003;stoller1996"

# --- next steps ------------------------------------------------------------------------


class _Steps:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def add(self, code: str, reason: str) -> None:
        self.items.setdefault(code, reason)


def next_steps(ev: _Evidence, severity: str, consistent: bool | None, causes: tuple[Cause, ...],
               eligibility: tuple[EligibilityVerdict, ...], smoking: Smoking | None,
               posterior: Mapping[Genotype, float], inflamed: bool) -> tuple[NextStep, ...]:
    """The next-step codes (with the reason for each) that follow from an interpretation."""
    steps = _Steps()
    genetics = ev.genotype is not None or ev.phenotype is not None
    if genetics:
        _genetic_testing_steps(steps, ev, consistent, causes, posterior)
    else:
        _level_only_steps(steps, ev, severity, inflamed)
    _severity_steps(steps, ev, severity, eligibility, smoking, posterior)
    if severity == "normal" and not TESTING_STEPS.intersection(steps.items) and consistent is not False:
        steps.add("no_further_testing", "the results agree and show no deficiency")
    return tuple(NextStep(code, reason) for code, reason in steps.items.items())


def _level_only_steps(steps: _Steps, ev: _Evidence, severity: str, inflamed: bool) -> None:
    if ev.on_augmentation:
        steps.add("genotype", "a level measured during augmentation therapy reflects the infusions")
        return
    if severity == INDETERMINATE and inflamed:
        steps.add("repeat_level_without_inflammation", "CRP is raised, so the level may hide a deficiency")
        steps.add("genotype", "a genotype is not affected by inflammation")
    elif severity == INDETERMINATE:
        steps.add("repeat_level", "a censored result above the deficiency range cannot be classified")
    elif severity != "normal":
        steps.add("genotype", "a low level must be confirmed by a qualitative test")
    if severity in SEVERE:
        steps.add("phenotype", "IEF also shows rare variants that S/Z genotyping misses")


def _genetic_testing_steps(steps: _Steps, ev: _Evidence, consistent: bool | None, causes: tuple[Cause, ...],
                           posterior: Mapping[Genotype, float]) -> None:
    if ev.level is None and not ev.on_augmentation:
        steps.add("measure_level", "no serum level was given")
    reported_share = max(posterior.values(), default=1.0)
    call = guideline_tables().parameter("genotype_call_confidence")
    if ev.genotype is None and (reported_share < call or _carries_deficiency_allele(posterior)):
        steps.add("genotype", "phenotyping errors cause most phenotype/genotype discordances")
    if consistent is not False and reported_share < call and (ev.panel is None or not ev.panel.reads_all):
        steps.add("sequence_serpina1", f"an allele the test cannot see is likely ({1 - reported_share:.0%})")
    if consistent is False:
        codes = [c.code for c in causes]
        if "rare_or_null_allele" in codes:
            if ev.phenotype is None:
                steps.add("phenotype", "reflex IEF when level and genotype disagree")
            if ev.panel is None or not ev.panel.reads_all:
                steps.add("sequence_serpina1", "a rare or null allele the test cannot see is suspected")
        if codes and codes[0] == "inflammation":
            steps.add("repeat_level_without_inflammation", "the level is higher than the genotype predicts")
        if "sample_or_method" in codes and (not codes or codes[0] != "rare_or_null_allele"):
            steps.add("repeat_level", "a sample or assay problem is possible")


def _severity_steps(steps: _Steps, ev: _Evidence, severity: str, eligibility: tuple[EligibilityVerdict, ...],
                    smoking: Smoking | None, posterior: Mapping[Genotype, float]) -> None:
    deficient = severity in ("intermediate", *SEVERE)
    if severity in SEVERE:
        steps.add("refer_specialist", "severe deficiency")
        steps.add("spirometry_and_dlco", "baseline lung function in severe deficiency")
        steps.add("chest_ct", "emphysema extent and progression")
        if _polymerising(posterior) or not posterior:
            steps.add("liver_assessment", "the allele can accumulate in the liver")
        if any(v.decision != "not_indicated" for v in eligibility):
            steps.add("consider_augmentation", "at least one guideline's criteria are met or not yet known")
    elif severity == "intermediate":
        steps.add("spirometry_and_dlco", "carriers who smoke have a higher risk of COPD")
    if posterior and (deficient or _carries_deficiency_allele(posterior)) and severity != INDETERMINATE:
        steps.add("test_relatives", "relatives may carry the same allele")
    if deficient:
        steps.add("avoid_exposures", "dust and fumes add to the lung risk")
    if (deficient and smoking is not Smoking.NEVER and smoking is not Smoking.FORMER) or (
            smoking is Smoking.CURRENT and posterior and _carries_deficiency_allele(posterior)):
        steps.add("smoking_cessation", "smoking is the main driver of lung disease in AATD")


def _top(posterior: Mapping[Genotype, float]) -> Genotype | None:
    return next(iter(posterior), None)


def _polymerising(posterior: Mapping[Genotype, float]) -> bool:
    best = _top(posterior)
    return best is not None and any(a.polymerises != "no" for a in best.alleles if a.family != "M")


def _carries_deficiency_allele(posterior: Mapping[Genotype, float]) -> bool:
    best = _top(posterior)
    return best is not None and any(a.functional_class != "normal" for a in best.alleles)


# --- explanation -----------------------------------------------------------------------


def explain(ev: _Evidence, interp: Interpretation, candidates: frozenset[Genotype] | None,
            p_value: float | None) -> tuple[Statement, ...]:
    """The reasoning, one cited statement per claim."""
    out: list[Statement] = []
    if ev.level is not None:
        out.extend(_level_statements(ev))
    out.extend(_crp_statements(ev, interp))
    if ev.genotype is not None and ev.panel is not None:
        out.append(_panel_statement(ev))
    if ev.phenotype is not None and candidates is not None:
        out.append(Statement(f"IEF phenotype {ev.phenotype.canonical}: null alleles show no band and M-like rare "
                             "alleles show as M, so a single band can hide a null allele.", "kaczor2007;snyder2006"))
    out.extend(_consistency_statements(ev, interp, p_value))
    if len(interp.genotype_probabilities) > 1:
        top = ", ".join(f"{g} {p:.0%}" for g, p in list(interp.genotype_probabilities.items())[:3])
        out.append(Statement(f"Weighing population genotype frequencies ({ev.country}; each rare allele at "
                             f"{guideline_tables().parameter('rare_allele_frequency'):g}) with the results, the most "
                             f"likely genotypes are: {top}.", "blanco2017_sz;cox1989"))
    out.append(_severity_statement(interp))
    if ev.on_augmentation:
        out.append(Statement("The person receives augmentation therapy: the measured level reflects the infused "
                             "protein and is not used to judge the genotype.", "sandhaus2016"))
    return tuple(out)


def _level_statements(ev: _Evidence) -> list[Statement]:
    assert ev.level is not None
    umol = ev.level.umol_l
    cls = classify_umol_l(umol)
    prefix = "below " if ev.level.below else ""
    text = (f"Serum AAT {ev.level} = {prefix}{umol:.1f} µmol/L: {cls.value} range (protective threshold "
            f"{protective_threshold_umol_l():g} µmol/L; MM 5th percentile {lower_limit_of_normal_umol_l():.1f} "
            "µmol/L).")
    out = [Statement(text, "stoller1996;" + ";".join(level_distribution("MM").sources))]
    if ev.level.method is Method.RADIAL_IMMUNODIFFUSION:
        out.append(Statement("Radial immunodiffusion used commercial standards that read higher: it is converted "
                             "with the equivalence 11 µmol/L ~ 80 mg/dL.", "stoller1996"))
    return out


def _crp_statements(ev: _Evidence, interp: Interpretation) -> list[Statement]:
    if ev.crp_mg_l is None:
        if ev.level is not None:
            return [Statement("No CRP was given: inflammation, which raises AAT, cannot be excluded.", "sanders2018")]
        return []
    if interp.inflamed:
        return [Statement(f"CRP {ev.crp_mg_l:g} mg/L is at or above the inflammation cut-off: AAT is an "
                          "acute-phase protein, so a normal level does not exclude a deficiency allele.",
                          "sanders2018;kaczor2007")]
    return [Statement(f"CRP {ev.crp_mg_l:g} mg/L is below the inflammation cut-off.", "sanders2018")]


def _panel_statement(ev: _Evidence) -> Statement:
    assert ev.panel is not None and ev.genotype is not None
    if ev.panel.reads_all:
        return Statement(f"Genotype {ev.genotype.canonical} by {ev.panel.label}: every coding allele is read.",
                         ev.panel.source)
    tested = ", ".join(sorted(ev.panel.alleles))
    assumed = " (panel not stated; assumed)" if ev.panel_assumed else ""
    return Statement(f"Genotype {ev.genotype.canonical} by {ev.panel.label}{assumed}, which tests {tested}: alleles it "
                     "does not test are reported as M, so rare and null alleles cannot be excluded.",
                     f"{ev.panel.source};kaczor2007")


def _consistency_statements(ev: _Evidence, interp: Interpretation, p_value: float | None) -> list[Statement]:
    reported = interp.reported_genotype
    if reported is None:
        return []
    out = []
    if ev.level is not None and not ev.on_augmentation:
        dist = level_distribution(reported, inflamed=bool(interp.inflamed))
        state = ", during inflammation" if interp.inflamed else ""
        out.append(Statement(f"{reported} is expected at {dist.quantile(0.05):.1f}-{dist.quantile(0.95):.1f} µmol/L "
                             f"(5th-95th percentile{state}).", ";".join(dist.sources)))
    if interp.consistent is True:
        out.append(Statement(f"The level fits {reported} (two-sided p {_p(p_value)}).", "snyder2006"))
    elif interp.consistent is False:
        if p_value is None:
            what = f"The results disagree: no genotype shows both results unless an allele the test cannot see " \
                   f"is present (reported {reported})."
        else:
            what = f"The level is {interp.direction}er than expected for {reported} (two-sided p {_p(p_value)}): " \
                   "discordant."
        out.append(Statement(what, "snyder2006"))
        table = guideline_tables().discordance
        for rank, cause in enumerate(interp.causes, 1):
            prob = f" (probability {cause.probability:.0%})" if cause.probability is not None else ""
            note = f"; {cause.note}" if cause.note else ""
            out.append(Statement(f"Possible cause {rank}: {table[cause.code].clinician_text}{prob}{note}",
                                 table[cause.code].source))
    return out


def _severity_statement(interp: Interpretation) -> Statement:
    reasons = {
        "normal": "no deficiency", "intermediate": "below normal but above the protective threshold",
        "severe": "below the 11 µmol/L protective threshold", "absent": "no circulating AAT",
        INDETERMINATE: "the results do not yet allow a class (see next steps)",
    }
    return Statement(f"Severity: {interp.severity} - {reasons[interp.severity]}.", COMMON_SOURCE)


# --- patient text ----------------------------------------------------------------------


def patient_explanation(interp: Interpretation) -> tuple[str, ...]:
    """Plain-language sentences for the patient (reading age about 12)."""
    tables = guideline_tables()
    msgs = tables.messages
    out = [msgs["intro"].text, msgs[f"severity_{interp.severity}"].text]
    if interp.consistent is False:
        out.append(msgs["consistency_false"].text)
        if interp.causes:
            out.append(tables.discordance[interp.causes[0].code].patient_text)
    out.extend(tables.next_steps[s.code].patient_text for s in interp.next_steps)
    out.append(msgs["closing"].text)
    return tuple(out)


# --- JSON ------------------------------------------------------------------------------


def as_dict(interp: Interpretation, inputs: Mapping[str, object]) -> dict[str, object]:
    """The JSON-ready interpretation."""
    tables = guideline_tables()
    return {
        "severity": interp.severity,
        "consistent": interp.consistent,
        "next_steps": list(interp.next_step_codes),
        "next_step_details": [
            {"code": s.code, "text": tables.next_steps[s.code].clinician_text, "reason": s.reason,
             "patient_text": tables.next_steps[s.code].patient_text,
             "sources": cite(tables.next_steps[s.code].source),
             "source_ids": list(split_sources(tables.next_steps[s.code].source))}
            for s in interp.next_steps
        ],
        "explanation": [{"text": st.text, "sources": cite(st.source), "source_ids": list(split_sources(st.source))}
                        for st in interp.explanation],
        "patient_explanation": list(interp.patient_explanation),
        "discordance_causes": [{"code": c.code, "probability": c.probability, "note": c.note,
                                "text": tables.discordance[c.code].clinician_text} for c in interp.causes],
        "genotype_probabilities": {g: round(p, 6) for g, p in interp.genotype_probabilities.items()},
        "reported_genotype": interp.reported_genotype,
        "panel": interp.panel,
        "level_umol_l": None if interp.level_umol_l is None else round(interp.level_umol_l, 2),
        "inflamed": interp.inflamed,
        "eligibility": describe_eligibility(interp.eligibility),
        "assumptions": list(interp.assumptions),
        "disclaimer": DISCLAIMER,
        "inputs": dict(inputs),
        "provenance": provenance(),
    }


def _p(p_value: float | None) -> str:
    if p_value is None:
        return "not computed"
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.2g}"
