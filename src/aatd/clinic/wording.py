"""Next steps, cited explanations and patient text for :mod:`aatd.clinic.interpretation`.

Next steps are chosen from the facts the engine established (severity, consistency,
ranked causes, what was tested, eligibility); their wording and sources come from
``next_steps.csv``. Every explanation statement carries the source ids that support it.
"""

from __future__ import annotations

from collections.abc import Mapping

from aatd.clinic.answers import CitedStatement, CitedStep, DiscordanceCause, InterpretationAnswer
from aatd.clinic.augmentation import EligibilityVerdict, Smoking, describe_eligibility
from aatd.clinic.findings import (
    ADULT_AGE_YEARS,
    INDETERMINATE,
    TESTING_STEPS,
    Cause,
    Evidence,
    Interpretation,
    NextStep,
    Statement,
)
from aatd.clinic.guidelines import cite, guideline_tables
from aatd.genetics.genotypes import Genotype
from aatd.genetics.levels import (
    Severity,
    classify_umol_l,
    level_distribution,
    lower_limit_of_normal_umol_l,
    pregnancy_rise_factor,
    pregnancy_sources,
    protective_threshold_umol_l,
)
from aatd.genetics.units import Method, Unit, from_umol_l, shown_against
from aatd.knowledge import knowledge, split_sources
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


def next_steps(ev: Evidence, severity: str, consistent: bool | None, causes: tuple[Cause, ...],
               eligibility: tuple[EligibilityVerdict, ...], smoking: Smoking | None,
               posterior: Mapping[Genotype, float], inflamed: bool,
               reported: Genotype | None = None) -> tuple[NextStep, ...]:
    """The next-step codes (with the reason for each) that follow from an interpretation."""
    steps = _Steps()
    if ev.unit_check is not None:
        steps.add("check_unit", ev.unit_check.message)
    genetics = ev.genotype is not None or ev.phenotype is not None
    if genetics:
        _genetic_testing_steps(steps, ev, consistent, causes, posterior)
        _raised_level_steps(steps, ev, inflamed, reported)
    else:
        _level_only_steps(steps, ev, severity, inflamed)
    _severity_steps(steps, ev, severity, eligibility, smoking, posterior)
    closed = (severity == "normal" and not TESTING_STEPS.intersection(steps.items) and consistent is not False
              and ev.unit_check is None and not (ev.pregnant and ev.level is not None))
    if closed:
        steps.add("no_further_testing", "the results agree and show no deficiency")
    return tuple(NextStep(code, reason) for code, reason in steps.items.items())


def _child(ev: Evidence) -> bool:
    return ev.age_years is not None and ev.age_years < ADULT_AGE_YEARS


def _raised_level_steps(steps: _Steps, ev: Evidence, inflamed: bool, reported: Genotype | None) -> None:
    """Inflammation or pregnancy with a genotype whose range straddles the threshold (SZ): only a
    level measured when well decides where this person lies."""
    if reported is None or ev.level is None or not ev.level_usable or not (inflamed or ev.pregnant):
        return
    dist = level_distribution(reported)
    if dist.quantile(0.05) < protective_threshold_umol_l() < dist.quantile(0.95):
        if ev.pregnant:
            steps.add("repeat_level_after_pregnancy", f"{reported.canonical} levels straddle the threshold")
        else:
            steps.add("repeat_level_without_inflammation", f"{reported.canonical} levels straddle the threshold")


def _level_only_steps(steps: _Steps, ev: Evidence, severity: str, inflamed: bool) -> None:
    if ev.on_augmentation:
        steps.add("genotype", "a level measured during augmentation therapy reflects the infusions")
        return
    if ev.unit_check is not None:
        steps.add("genotype", "a genotype does not depend on units or inflammation")
        return
    if severity == INDETERMINATE and ev.pregnant:
        steps.add("genotype", "a genotype is not affected by pregnancy")
        steps.add("repeat_level_after_pregnancy", "pregnancy raises AAT, so the level may hide a deficiency")
    elif severity == INDETERMINATE and inflamed:
        steps.add("repeat_level_without_inflammation", "CRP is raised, so the level may hide a deficiency")
        steps.add("genotype", "a genotype is not affected by inflammation")
    elif severity == INDETERMINATE:
        steps.add("repeat_level", "a censored result above the deficiency range cannot be classified")
    elif severity != "normal":
        steps.add("genotype", "a low level must be confirmed by a qualitative test")
    if severity in SEVERE:
        steps.add("phenotype", "IEF also shows rare variants that S/Z genotyping misses")
    if severity == "absent":
        steps.add("sequence_serpina1", "an undetectable level suggests null alleles, which IEF and panels miss")


def _genetic_testing_steps(steps: _Steps, ev: Evidence, consistent: bool | None, causes: tuple[Cause, ...],
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
        _discordance_reflex(steps, ev)


def _discordance_reflex(steps: _Steps, ev: Evidence) -> None:
    """What laboratories add on any discordance (Mayo: IEF, then SERPINA1 sequencing), when no modelled
    hidden allele has already called for them: IEF unless a phenotype was given, sequencing unless the
    genotype came from sequencing."""
    if "phenotype" in steps.items or "sequence_serpina1" in steps.items or (ev.panel is not None
                                                                              and ev.panel.reads_all):
        return
    if ev.phenotype is None:
        steps.add("resolve_discordance", "the level and the genotype disagree")
    else:
        steps.add("sequence_serpina1", "the level and the results disagree and IEF was already done")


def _severity_steps(steps: _Steps, ev: Evidence, severity: str, eligibility: tuple[EligibilityVerdict, ...],
                    smoking: Smoking | None, posterior: Mapping[Genotype, float]) -> None:
    deficient = severity in ("intermediate", *SEVERE)
    child = _child(ev)
    if severity in SEVERE:
        steps.add("refer_specialist", "severe deficiency")
        if child:
            steps.add("paediatric_follow_up", "a child with severe deficiency: liver first, lungs later")
        else:
            steps.add("spirometry_and_dlco", "baseline lung function in severe deficiency")
            steps.add("chest_ct", "emphysema extent and progression")
        if _polymerising(posterior) or not posterior:
            steps.add("liver_assessment", "the allele can accumulate in the liver")
        if any(v.eligible for v in eligibility):
            steps.add("consider_augmentation", "at least one guideline's criteria are met (see eligibility)")
    elif severity == "intermediate" and not child:
        steps.add("spirometry_and_dlco", "carriers who smoke have a higher risk of COPD")
    if posterior and (deficient or _carries_deficiency_allele(posterior)) and severity != INDETERMINATE:
        steps.add("test_relatives", "relatives may carry the same allele")
    if deficient:
        steps.add("avoid_exposures", "dust and fumes add to the lung risk")
    may_smoke = smoking is Smoking.CURRENT or (smoking is None and not child)  # children: smoke-free home instead
    carrier_smoker = smoking is Smoking.CURRENT and bool(posterior) and _carries_deficiency_allele(posterior)
    if (deficient and may_smoke) or carrier_smoker:
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


def explain(ev: Evidence, interp: Interpretation, candidates: frozenset[Genotype] | None,
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


def relation(umol_l: float, limit: float, name: str) -> str:
    """``"X µmol/L is below <name> (L µmol/L)"`` or ``"... is at or above ..."``: true by construction."""
    side = "below" if umol_l < limit else "at or above"
    value = shown_against(umol_l, limit)
    return f"{value} µmol/L is {side} the {limit:g} µmol/L {name}" if name == "protective threshold" \
        else f"{value} µmol/L is {side} the {name} ({limit:.1f} µmol/L)"


def _level_statements(ev: Evidence) -> list[Statement]:
    assert ev.level is not None
    umol = ev.level.umol_l
    threshold, lln = protective_threshold_umol_l(), lower_limit_of_normal_umol_l()
    mm_sources = "stoller1996;ferrarotti2012"
    if ev.unit_check is not None:
        return [Statement(ev.unit_check.message + " The level is not used until the unit is confirmed.",
                          "young1987;brantly1991;donato2012"), _threshold_statement(ev)]
    if ev.level.below:
        if classify_umol_l(umol, censored=True) is Severity.ABSENT:
            what = f"undetectable: below {umol:.2f} µmol/L, at most 1% of the normal median"
        elif umol <= threshold:
            what = f"below {umol:.1f} µmol/L, so below the {threshold:g} µmol/L protective threshold"
        else:
            what = f"below {umol:.1f} µmol/L, which does not say whether it is below the {threshold:g} µmol/L " \
                   "protective threshold"
        text = f"Serum AAT {ev.level}: a censored result, {what}."
    else:
        text = (f"Serum AAT {ev.level} = {relation(umol, threshold, 'protective threshold')}; "
                f"{relation(umol, lln, 'lower limit of normal')} (MM 5th percentile).")
    out = [Statement(text, mm_sources), _threshold_statement(ev)]
    if ev.pregnant:
        out.append(_pregnancy_statement())
    return out


def _pregnancy_statement() -> Statement:
    """Pregnancy and the level, with the size of the rise from ``constants.csv`` and its sources."""
    return Statement("The person is pregnant: AAT rises with gestation (by the third trimester the upper limit of "
                     f"the usual range is about {pregnancy_rise_factor():g} times the non-pregnant one), so a "
                     "normal level does not exclude a deficiency allele, even S or SZ; a low level is real.",
                     pregnancy_sources())


def _threshold_statement(ev: Evidence) -> Statement:
    """Which mg/dL (or g/L) equivalent of 11 µmol/L applies to this assay, and why."""
    assert ev.level is not None
    k = knowledge()
    method, unit = ev.level.method, ev.level.unit
    if method is Method.RADIAL_IMMUNODIFFUSION:
        return Statement(f"Threshold for this assay: 11 µmol/L = {k.constant('protective_threshold_mg_dl_rid'):g} "
                         "mg/dL, because radial immunodiffusion used commercial standards that read higher.",
                         "stoller1996")
    mg = from_umol_l(protective_threshold_umol_l(), Unit.MG_DL, method)
    shown = f"{mg:.1f} mg/dL" if unit is not Unit.G_L else f"{mg / 100:.3f} g/L ({mg:.1f} mg/dL)"
    quoted = k.constant("protective_threshold_mg_dl_nephelometry_ats_ers_quoted")
    return Statement(f"Threshold for this assay: 11 µmol/L = {shown} for a purified-standard assay (nephelometry or "
                     f"turbidimetry; 52 kDa). The {quoted:g} mg/dL nephelometric figure often quoted from ATS/ERS 2003 "
                     "belongs to older commercial-standard calibrations and is not used here.",
                     "brantly1991;ats_ers2003")


def _crp_statements(ev: Evidence, interp: Interpretation) -> list[Statement]:
    """What the CRP says, with the value as entered (and in mg/L when converted) and the cut-off it met."""
    if ev.crp is None:
        if ev.level is not None:
            return [Statement("No CRP was given: inflammation, which raises AAT, cannot be excluded.", "sanders2018")]
        return []
    cutoff = f"{knowledge().constant('crp_inflammation_cutoff_mg_l'):g} mg/L"
    source = "sanders2018;crp_ucum" if ev.crp.converted else "sanders2018"
    if interp.inflamed:
        return [Statement(f"CRP {ev.crp} is at or above the inflammation cut-off ({cutoff}): AAT is an "
                          "acute-phase protein, so a normal level does not exclude a deficiency allele.",
                          source + ";kaczor2007")]
    return [Statement(f"CRP {ev.crp} is below the inflammation cut-off ({cutoff}).", source)]


def _panel_statement(ev: Evidence) -> Statement:
    assert ev.panel is not None and ev.genotype is not None
    if ev.panel.reads_all:
        return Statement(f"Genotype {ev.genotype.canonical} by {ev.panel.label}: every coding allele is read.",
                         ev.panel.source)
    tested = ", ".join(sorted(ev.panel.alleles))
    assumed = " (panel not stated; assumed)" if ev.panel_assumed else ""
    return Statement(f"Genotype {ev.genotype.canonical} by {ev.panel.label}{assumed}, which tests {tested}: alleles it "
                     "does not test are reported as M, so rare and null alleles cannot be excluded.",
                     f"{ev.panel.source};kaczor2007")


def _consistency_statements(ev: Evidence, interp: Interpretation, p_value: float | None) -> list[Statement]:
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
            text = table[cause.code].clinician_text.rstrip(".")
            out.append(Statement(f"Possible cause {rank}: {text}{prob}{note}.", table[cause.code].source))
    return out


def _severity_statement(interp: Interpretation) -> Statement:
    """The severity class and the fact behind it, stated so that it is true of the measured value."""
    names = {"normal": "no deficiency", "intermediate": "below normal, above the protective threshold",
             "severe": "severe deficiency", "absent": "no detectable AAT",
             INDETERMINATE: "the results do not yet allow a class (see next steps)"}
    text = f"Severity: {interp.severity} ({names[interp.severity]})"
    basis = _severity_basis(interp)
    return Statement(f"{text}: {basis}." if basis else f"{text}.", COMMON_SOURCE)


def _severity_basis(interp: Interpretation) -> str:
    parts = []
    if interp.reported_genotype is not None and interp.severity != INDETERMINATE:
        g = interp.reported_genotype
        dist = level_distribution(g)
        parts.append(f"genotype {g} has no detectable AAT" if dist.absent else
                     f"genotype {g} has a modelled median of {dist.median:.1f} µmol/L")
    if interp.measured_class is not None and interp.level_umol_l is not None:
        parts.append("the measured " + relation(interp.level_umol_l, protective_threshold_umol_l(),
                                                "protective threshold"))
    return "; ".join(parts)


# --- patient text ----------------------------------------------------------------------


def patient_explanation(interp: Interpretation) -> tuple[str, ...]:
    """Plain-language sentences for the patient (reading grade 7 or below), each true of the values given.

    When a usable level was measured, the sentence about the level comes from the measured
    value; a second sentence says when the genes point lower than that level.
    """
    tables = guideline_tables()
    msgs = tables.messages
    out = [msgs["intro"].text]
    if interp.unit_check is not None:
        out.append(msgs["check_unit"].text)
    if interp.measured_class is not None:
        out.append(msgs[_level_message(interp.measured_class, interp.level_umol_l)].text)
        if SEVERITY_RANK[interp.severity] > SEVERITY_RANK[interp.measured_class]:
            out.append(msgs["genes_lower_than_level"].text)
    else:
        out.append(msgs[f"severity_{interp.severity}"].text)
    if interp.severity in SEVERE:
        out.append(msgs["severe_care"].text)
    if interp.pregnant:
        out.append(msgs["pregnancy"].text)
    if interp.consistent is False:
        out.append(msgs["consistency_false"].text)
        if interp.causes:
            out.append(tables.discordance[interp.causes[0].code].patient_text)
    out.extend(step_patient_text(s.code, interp) for s in interp.next_steps)
    out.append(msgs["closing"].text)
    return tuple(out)


def step_patient_text(code: str, interp: Interpretation) -> str:
    """The patient text of a next step, true of what was entered.

    ``repeat_level_without_inflammation`` says the body was fighting an illness: true only when a
    CRP was given and is raised. Without a CRP the person is told that nobody knows yet (and that a
    CRP comes with the repeat); with a CRP below the cut-off, only that the level is repeated.
    """
    tables = guideline_tables()
    if code == "repeat_level_without_inflammation" and interp.inflamed is not True:
        if interp.inflamed is None:
            return tables.messages["repeat_level_no_crp"].text
        return tables.next_steps["repeat_level"].patient_text
    return tables.next_steps[code].patient_text


SEVERITY_RANK = {"normal": 0, "intermediate": 1, "severe": 2, "absent": 3, INDETERMINATE: -1}


def _level_message(measured_class: str, umol_l: float | None) -> str:
    """The key of the sentence about the measured level: its class, or ``level_high`` above the
    highest published MM upper limit (``typical_level_max_umol_l``), which is not "the usual range"."""
    if measured_class == "normal" and umol_l is not None and umol_l > knowledge().constant("typical_level_max_umol_l"):
        return "level_high"
    return f"level_{measured_class}"


# --- JSON ------------------------------------------------------------------------------


def as_dict(interp: Interpretation, inputs: Mapping[str, object]) -> InterpretationAnswer:
    """The JSON-ready interpretation."""
    tables = guideline_tables()
    return InterpretationAnswer({
        "severity": interp.severity,
        "consistent": interp.consistent,
        "next_steps": list(interp.next_step_codes),
        "next_step_details": [
            CitedStep(code=s.code, text=tables.next_steps[s.code].clinician_text, reason=s.reason,
                      patient_text=step_patient_text(s.code, interp),
                      sources=cite(tables.next_steps[s.code].source),
                      source_ids=list(split_sources(tables.next_steps[s.code].source)))
            for s in interp.next_steps
        ],
        "explanation": [CitedStatement(text=st.text, sources=cite(st.source),
                                       source_ids=list(split_sources(st.source))) for st in interp.explanation],
        "patient_explanation": list(interp.patient_explanation),
        "discordance_causes": [DiscordanceCause(code=c.code, probability=c.probability, note=c.note,
                                                text=tables.discordance[c.code].clinician_text)
                               for c in interp.causes],
        "genotype_probabilities": {g: round(p, 6) for g, p in interp.genotype_probabilities.items()},
        "reported_genotype": interp.reported_genotype,
        "panel": interp.panel,
        "level_umol_l": None if interp.level_umol_l is None else round(interp.level_umol_l, 2),
        "measured_class": interp.measured_class,
        "inflamed": interp.inflamed,
        "eligibility": describe_eligibility(interp.eligibility),
        "assumptions": list(interp.assumptions),
        "disclaimer": DISCLAIMER,
        "inputs": dict(inputs),
        "provenance": provenance(),
    })


def _p(p_value: float | None) -> str:
    if p_value is None:
        return "not computed"
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.2g}"
