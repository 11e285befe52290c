"""What an AATD test result means and what to do next.

Inputs are any subset of a serum level (value, unit, method), CRP, an IEF phenotype and a
genotype from a named panel (``panels.csv``: ``sz``, ``alphaid_14``, ``sequencing``).

1. **Candidate genotypes.** A targeted panel reads every allele it does not test as M, so
   a reported M may be any untested rare or null allele (Z/Null reads MZ on an S/Z test);
   IEF shows no band for nulls and M for M-like alleles (Z/Null reads Z). The candidates
   are the genotypes compatible with every result given; none means contradictory input.
2. **Posterior.** Each candidate's Hardy-Weinberg prior (country S/Z frequencies, each rare
   allele at ``rare_allele_frequency``) times the likelihood of the level under the level
   model (:func:`aatd.genetics.levels.level_likelihood`, with inflammation when CRP >= cut-off).
3. **Consistency.** The level is compared with the genotype *as reported*: outside the
   central ``1 - discordance_two_sided_p`` of its distribution it is discordant, and the
   causes in ``discordance_explanations.csv`` are ranked (an untested allele carries its
   posterior probability).
4. **Severity** is the severity class holding most posterior mass (if at least
   ``genotype_call_confidence``), or the level's class when no genotype or phenotype is
   known; ``indeterminate`` when inflammation or an unexplained discordance hides it.
5. **Next steps** (codes of ``next_steps.csv``), **augmentation eligibility** per guideline
   (:mod:`aatd.clinic.augmentation`), and a cited explanation for the clinician and the patient.
"""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import product

from aatd.clinic.answers import CitedStatement, CitedStep, ConflictAnswer, InterpretationAnswer
from aatd.clinic.augmentation import (
    NO_NORMAL_ALLELE,
    AirflowObstruction,
    ClinicalFacts,
    LevelEvidence,
    Smoking,
    augmentation_eligibility,
)
from aatd.clinic.findings import (
    DEFAULT_COUNTRY,
    INDETERMINATE,
    MAX_AGE_YEARS,
    MAX_FEV1_PCT,
    SEVERITY_ORDER,
    Cause,
    Evidence,
    Interpretation,
)
from aatd.clinic.guidelines import Panel, cite, guideline_tables
from aatd.clinic.wording import DISCLAIMER, as_dict, explain, next_steps, patient_explanation
from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue, get_allele
from aatd.genetics.genotypes import Genotype, Phenotype, genotype_sort_key
from aatd.genetics.levels import (
    Severity,
    classify_umol_l,
    crp_is_raised,
    genotype_severity,
    inflammation_factor,
    level_distribution,
    level_likelihood,
    pregnancy_raises_level,
)
from aatd.genetics.prevalence import country, country_allele_frequencies, hardy_weinberg
from aatd.genetics.units import Crp, Level, Method, parse_crp_unit, unit_check
from aatd.knowledge import split_sources
from aatd.limits import typed_number

# --- candidate genotypes ---------------------------------------------------------------


def _universe() -> tuple[str, ...]:
    """``M`` plus every non-M allele of the catalogue (M subtypes behave as M)."""
    return ("M", *(a.allele for a in allele_catalogue() if a.family != "M"))


def _as_m(allele: str) -> str:
    return "M" if get_allele(allele).family == "M" else get_allele(allele).allele


def _normalised(genotype: Genotype) -> Genotype:
    return Genotype.of(_as_m(genotype.first), _as_m(genotype.second))


def untested_alleles(panel: Panel) -> tuple[str, ...]:
    """Deficiency, dysfunctional and null alleles that ``panel`` would report as M."""
    if panel.reads_all:
        return ()
    return tuple(a for a in _universe()[1:] if a not in panel.alleles)


def get_panel(name: str, field: str = "panel") -> Panel:
    """The panel called ``name`` (``sz``, ``alphaid_14``, ``sequencing``)."""
    panels = guideline_tables().panels
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in panels:
        raise InputError(field, name, "a panel: " + ", ".join(panels))
    return panels[key]


def default_panel(genotype: Genotype) -> Panel:
    """The smallest panel that reports every allele of ``genotype`` (an assumption, said so)."""
    needed = {a for a in (_as_m(genotype.first), _as_m(genotype.second)) if a != "M"}
    panels = sorted(guideline_tables().panels.values(), key=lambda p: (p.reads_all, len(p.alleles)))
    return next(p for p in panels if p.reads_all or needed <= p.alleles)


def genotype_candidates(genotype: Genotype, panel: Panel, field: str = "genotype") -> frozenset[Genotype]:
    """True genotypes that ``panel`` would report as ``genotype``."""
    reported = (_as_m(genotype.first), _as_m(genotype.second))
    for allele in reported:
        if allele != "M" and not panel.reads_all and allele not in panel.alleles:
            raise InputError(field, genotype.canonical, f"alleles the panel '{panel.panel}' tests "
                             f"({', '.join(sorted(panel.alleles))}) or M",
                             hint=f"{allele} is not on that panel; give --panel sequencing or the panel used")
    options = [("M", *untested_alleles(panel)) if a == "M" else (a,) for a in reported]
    return frozenset(Genotype.of(a, b) for a, b in product(*options))


def phenotype_candidates(phenotype: Phenotype) -> frozenset[Genotype]:
    """Genotypes showing exactly these IEF bands."""
    return frozenset(phenotype.compatible_genotypes(_universe()))


def _naive_reading(phenotype: Phenotype) -> Genotype:
    """The genotype a phenotype is usually read as (``Z`` -> ``ZZ``, ``MZ`` -> ``MZ``)."""
    by_band: dict[str, str] = {}
    for a in allele_catalogue():
        if a.ief_band:
            by_band.setdefault(a.ief_band, a.allele)
    bands = phenotype.bands if len(phenotype.bands) == 2 else phenotype.bands * 2
    return Genotype.of(_as_m(by_band[bands[0]]), _as_m(by_band[bands[1]]))


def _candidates(ev: Evidence) -> frozenset[Genotype] | None:
    sets = []
    if ev.genotype is not None and ev.panel is not None:
        sets.append(genotype_candidates(ev.genotype, ev.panel))
    if ev.phenotype is not None:
        sets.append(phenotype_candidates(ev.phenotype))
    if not sets:
        return None
    common = frozenset.intersection(*sets)
    if not common:
        assert ev.phenotype is not None and ev.genotype is not None
        raise InputError("phenotype", ev.phenotype.canonical,
                         f"a phenotype compatible with genotype {ev.genotype.canonical}",
                         hint="no genotype fits both results; check for a sample mix-up")
    return common


CONFLICT_SOURCE = "snyder2006"
"""The diagnostic algorithm (quantification, genotyping and IEF phenotyping) that checks the results against each
other; the panel's own source says which alleles it reads."""


def results_conflict(phenotype: Phenotype, genotype: Genotype, panel: str | None = None) -> bool:
    """True when no genotype shows ``phenotype``'s IEF bands and would be reported as ``genotype`` by ``panel``
    (the usual panel for the genotype when none is named): the check :func:`interpret_result` refuses on."""
    chosen = get_panel(panel) if panel is not None else default_panel(genotype)
    return not genotype_candidates(genotype, chosen) & phenotype_candidates(phenotype)


def describe_conflict(*, phenotype: str, genotype: str, panel: str | None = None) -> ConflictAnswer | None:
    """Why an IEF phenotype and a genotype cannot both be right, and what resolves it; ``None`` when they agree.

    Neither result is chosen and no severity is given. The next step is the laboratories' reflex on a
    discordance once IEF has been done (:func:`aatd.clinic.wording.next_steps`): sequence SERPINA1, which reads
    both alleles; when the genotype already came from sequencing, IEF is repeated (as the engine's refusal says,
    check for a sample mix-up).
    """
    from aatd.genetics.genotypes import parse_genotype, parse_phenotype

    parsed_phenotype, parsed_genotype = parse_phenotype(phenotype), parse_genotype(genotype)
    chosen = get_panel(panel) if panel is not None else default_panel(parsed_genotype)
    if not results_conflict(parsed_phenotype, parsed_genotype, chosen.panel):
        return None
    said = f"the panel {chosen.label}" if panel is not None else f"the usual panel for it ({chosen.label}, assumed)"
    text = (f"The IEF phenotype Pi {parsed_phenotype.canonical} and the genotype PI*{parsed_genotype.canonical} "
            f"from {said} disagree: no genotype shows these IEF bands and would be reported as "
            f"{parsed_genotype.canonical} by this test. Both results are reported as recorded; neither is chosen, "
            "so no severity is given until the conflict is resolved. Check for a sample mix-up.")
    source = ";".join(dict.fromkeys(split_sources(f"{CONFLICT_SOURCE};{chosen.source}")))
    statement = CitedStatement(text=text, sources=cite(source), source_ids=list(split_sources(source)))
    if chosen.reads_all:
        code, reason = "phenotype", "the IEF phenotype disagrees with a sequenced genotype: repeat IEF on a new sample"
    else:
        code, reason = "sequence_serpina1", "the IEF phenotype and the genotype disagree and IEF was already done"
    row = guideline_tables().next_steps[code]
    step = CitedStep(code=code, text=row.clinician_text, reason=reason, patient_text=row.patient_text,
                     sources=cite(row.source), source_ids=list(split_sources(row.source)))
    return ConflictAnswer(severity=INDETERMINATE, consistent=False, phenotype=parsed_phenotype.canonical,
                          genotype=parsed_genotype.canonical, panel=chosen.panel, explanation=[statement],
                          next_step_details=[step], disclaimer=DISCLAIMER)


# --- probabilities ---------------------------------------------------------------------


def _priors(candidates: frozenset[Genotype], country_name: str) -> dict[Genotype, float]:
    surveyed = country_allele_frequencies(country_name)  # refuses a country whose survey did not publish S
    rare = guideline_tables().parameter("rare_allele_frequency")
    others = _universe()[3:]
    freqs = {"S": surveyed["S"], "Z": surveyed["Z"], **dict.fromkeys(others, rare)}
    freqs["M"] = 1.0 - sum(freqs.values())
    hw = hardy_weinberg(freqs)
    return {g: hw.get(g, 0.0) for g in candidates}


def _posterior(candidates: frozenset[Genotype], ev: Evidence, inflamed: bool,
               use_level: bool = True) -> dict[Genotype, float]:
    weights = _priors(candidates, ev.country)
    if ev.level is not None and ev.level_usable and use_level:
        level = ev.level
        with_level = {g: w * level_likelihood(level, g, inflamed=inflamed) for g, w in weights.items()}
        if sum(with_level.values()) > 0:
            weights = with_level
    total = sum(weights.values())
    ordered = sorted(weights, key=lambda g: (-weights[g], genotype_sort_key(g)))
    return {g: weights[g] / total for g in ordered}


def _tail_p(level: Level, genotype: Genotype, inflamed: bool) -> float:
    """Two-sided probability of a level at least this far from the genotype's median."""
    dist = level_distribution(genotype, inflamed=inflamed)
    c = dist.cdf(level.umol_l)
    return min(1.0, 2 * c) if level.below else 2 * min(c, 1.0 - c)


# --- the engine ------------------------------------------------------------------------


def interpret_result(*, level: Level | None = None, crp: Crp | None = None,
                     phenotype: Phenotype | None = None, genotype: Genotype | None = None,
                     panel: str | None = None, fev1_pct: float | None = None, smoking: Smoking | None = None,
                     on_augmentation: bool = False, emphysema: bool | None = None,
                     ct_density_decline: bool | None = None, country_name: str | None = None,
                     age_years: float | None = None, pregnant: bool = False, lung_disease: bool | None = None,
                     panniculitis: bool | None = None, airflow: AirflowObstruction | None = None) -> Interpretation:
    """Interpret a serum level (µmol/L via :class:`~aatd.genetics.units.Level`), CRP (mg/L or mg/dL via
    :class:`~aatd.genetics.units.Crp`, compared in mg/L), phenotype
    and genotype; see the module docstring. ``age_years`` (children follow the paediatric and liver
    path, never augmentation), ``pregnant`` (levels rise: a normal level is not reassuring),
    ``lung_disease`` (airflow obstruction/COPD), ``airflow`` (obstruction read from spirometry, which
    decides ``lung_disease`` when it is not stated) and ``panniculitis`` feed eligibility.
    Raises :class:`InputError` naming the field."""
    if airflow is not None and lung_disease is not None and lung_disease != airflow.obstructed:
        raise InputError("lung_disease", lung_disease,
                         f"a statement that agrees with the spirometry ({airflow.finding}), or none")
    ev = _evidence(level, crp, phenotype, genotype, panel, on_augmentation, country_name)
    if fev1_pct is not None and (isinstance(fev1_pct, bool) or not isinstance(fev1_pct, int | float)
                                 or not math.isfinite(fev1_pct) or not 0 < fev1_pct <= MAX_FEV1_PCT):
        raise InputError("fev1_pct", fev1_pct, f"FEV1 % predicted between 0 and {MAX_FEV1_PCT:g}")
    if age_years is not None and (isinstance(age_years, bool) or not isinstance(age_years, int | float)
                                  or not math.isfinite(age_years) or not 0 <= age_years <= MAX_AGE_YEARS):
        raise InputError("age", age_years, f"an age in years between 0 and {MAX_AGE_YEARS:g}")
    ev = replace(ev, unit_check=unit_check(ev.level) if ev.level is not None else None, pregnant=bool(pregnant),
                 age_years=None if age_years is None else float(age_years))
    inflamed = crp_is_raised(crp)
    raised = inflamed or (ev.pregnant and pregnancy_raises_level())
    candidates = _candidates(ev)
    reported = _reported(ev)
    consistent, direction, p_value = _consistency(ev, candidates, reported, raised)
    # A level above the reported genotype's range is not evidence for an untested allele (they
    # lower levels); it is left out when weighing genotypes and judging the serum-level threshold.
    level_informative = not (consistent is False and direction == "high")
    posterior = _posterior(candidates, ev, raised, use_level=level_informative) if candidates else {}
    causes = _causes(ev, candidates, reported, posterior, direction, inflamed) if consistent is False else ()
    severity = _severity(ev, candidates, posterior, raised, causes, direction, consistent)
    eligibility = augmentation_eligibility(ClinicalFacts(
        _level_evidence(ev, reported, raised, inflamed),
        float(fev1_pct) if fev1_pct is not None else None, smoking, emphysema, ct_density_decline,
        genotype_class(reported), lung_disease, panniculitis, ev.age_years, consistent, airflow))
    steps = next_steps(ev, severity, consistent, causes, eligibility, smoking, posterior, inflamed, reported)
    interp = Interpretation(
        severity=severity, consistent=consistent, next_steps=steps, explanation=(), patient_explanation=(),
        causes=causes, genotype_probabilities={g.canonical: p for g, p in posterior.items()},
        eligibility=eligibility, reported_genotype=reported.canonical if reported else None,
        panel=ev.panel.panel if ev.panel else None,
        level_umol_l=ev.level.umol_l if ev.level else None,
        inflamed=inflamed if crp is not None else None, direction=direction,
        assumptions=_assumptions(ev), unit_check=ev.unit_check, pregnant=ev.pregnant, age_years=ev.age_years,
        measured_class=_measured_class(ev),
    )
    statements = explain(ev, interp, candidates, p_value)
    return replace(interp, explanation=statements, patient_explanation=patient_explanation(interp))


def _evidence(level: Level | None, crp: Crp | None, phenotype: Phenotype | None, genotype: Genotype | None,
              panel: str | None, on_augmentation: bool, country_name: str | None) -> Evidence:
    if level is None and phenotype is None and genotype is None:
        raise InputError("result", None, "at least one of a serum level, a phenotype or a genotype")
    if panel is not None and genotype is None:
        raise InputError("panel", panel, "a genotype to go with the panel")
    chosen = get_panel(panel) if panel is not None else (default_panel(genotype) if genotype else None)
    name = country(country_name).country if country_name is not None else DEFAULT_COUNTRY
    country_allele_frequencies(name)  # the genotype priors need S and Z: refuse a Z-only survey up front
    return Evidence(level, crp, phenotype, genotype, chosen, panel is None and genotype is not None,
                     bool(on_augmentation), name)


def _reported(ev: Evidence) -> Genotype | None:
    if ev.genotype is not None:
        return _normalised(ev.genotype)
    return _naive_reading(ev.phenotype) if ev.phenotype is not None else None


def _consistency(ev: Evidence, candidates: frozenset[Genotype] | None, reported: Genotype | None,
                 inflamed: bool) -> tuple[bool | None, str | None, float | None]:
    """(consistent, direction 'low'/'high', two-sided p of the level under the reported genotype)."""
    if candidates is None or reported is None:
        return None, None, None
    if reported not in candidates:
        return False, "low", None
    if ev.level is None or not ev.level_usable:
        return None, None, None
    p = _tail_p(ev.level, reported, inflamed)
    median = level_distribution(reported, inflamed=inflamed).median
    direction = "low" if ev.level.below or ev.level.umol_l < median else "high"
    alpha = guideline_tables().parameter("discordance_two_sided_p")
    return p >= alpha, direction, p


def _causes(ev: Evidence, candidates: frozenset[Genotype] | None, reported: Genotype | None,
            posterior: dict[Genotype, float], direction: str | None, inflamed: bool) -> tuple[Cause, ...]:
    table = guideline_tables().discordance
    out: list[tuple[int, Cause]] = []
    for cause in sorted(table.values(), key=lambda c: c.rank):
        if cause.direction not in (direction, "any"):
            continue
        rank, made = cause.rank, _cause(cause.code, ev, candidates, reported, posterior, inflamed)
        if made is None:
            continue
        if cause.code == "inflammation" and ev.crp is not None and not inflamed:
            rank += len(table)  # a CRP below the cut-off makes inflammation the least likely cause
        if cause.code == "pregnancy_or_oestrogen" and ev.pregnant:
            rank = 0  # a stated pregnancy is the first explanation of a high level
        out.append((rank, made))
    return tuple(c for _, c in sorted(out, key=lambda item: item[0]))


def _cause(code: str, ev: Evidence, candidates: frozenset[Genotype] | None, reported: Genotype | None,
           posterior: dict[Genotype, float], inflamed: bool) -> Cause | None:
    if code == "rare_or_null_allele":
        others = {g: p for g, p in posterior.items() if g != reported}
        if not others or candidates is None:
            return None
        best = max(others, key=lambda g: others[g])
        return Cause(code, sum(others.values()), f"most likely alternative: {best.canonical}")
    if code == "inflammation":
        if ev.crp is None:
            return Cause(code, None, "no CRP was given")
        return Cause(code, None, "CRP is raised: the rise is larger than modelled" if inflamed
                     else "CRP is below the cut-off, which makes this less likely")
    if code == "augmentation_therapy":
        return Cause(code, None, "if the person receives augmentation therapy")
    if code == "sample_or_method" and ev.level is not None and ev.level.method is Method.RADIAL_IMMUNODIFFUSION:
        return Cause(code, None, "radial immunodiffusion reads higher than nephelometry")
    return Cause(code, None, "")


def _severity(ev: Evidence, candidates: frozenset[Genotype] | None, posterior: dict[Genotype, float],
              raised: bool, causes: tuple[Cause, ...], direction: str | None, consistent: bool | None) -> str:
    """The severity class (see ``docs/interpretation.md``).

    With genetics: the class holding most posterior mass; when a usable numeric level agrees
    with the genotype (or a low one is explained by an untested allele) the severer of that
    class and the measured level's class - a low level is real, since inflammation and
    pregnancy only raise AAT. Without genetics: the level's own class.
    """
    if candidates is None:
        return _level_severity(ev, raised)
    explained = any(c.code == "rare_or_null_allele" for c in causes)
    if causes and direction == "low" and not explained:
        return INDETERMINATE  # a low level no genotype explains: liver failure, sample problem...
    mass: dict[str, float] = {}
    for g, p in posterior.items():
        mass[genotype_severity(g).value] = mass.get(genotype_severity(g).value, 0.0) + p
    top = max(mass, key=lambda s: mass[s])
    confident = mass[top] >= guideline_tables().parameter("genotype_call_confidence")
    measured = _measured_class(ev)
    if measured is not None and (consistent is True or (explained and direction == "low")):
        return max(top, measured, key=SEVERITY_ORDER.index) if confident else measured
    return top if confident else INDETERMINATE


def _measured_class(ev: Evidence) -> str | None:
    """The class of a usable numeric level (``None`` when censored, absent or not usable)."""
    if ev.level is None or not ev.level_usable or ev.level.below:
        return None
    return classify_umol_l(ev.level.umol_l).value


def _level_severity(ev: Evidence, raised: bool) -> str:
    if ev.level is None or not ev.level_usable:
        return INDETERMINATE
    cls = classify_umol_l(ev.level.umol_l, censored=ev.level.below)
    if ev.level.below:
        return cls.value if cls in (Severity.ABSENT, Severity.SEVERE) else INDETERMINATE
    if raised and cls in (Severity.NORMAL, Severity.INTERMEDIATE):
        return INDETERMINATE
    return cls.value


def genotype_class(reported: Genotype | None) -> str | None:
    """``no_normal_allele`` when neither allele is normal (M), ``normal_allele`` otherwise, ``None`` unknown."""
    if reported is None:
        return None
    if any(get_allele(a).family == "M" for a in (reported.first, reported.second)):
        return "normal_allele"
    return NO_NORMAL_ALLELE


def _level_evidence(ev: Evidence, reported: Genotype | None, raised: bool, inflamed: bool) -> LevelEvidence:
    """The level as the eligibility threshold sees it: the measured value when usable, the
    reported genotype's modelled 5th-95th percentiles (used when no measured value is usable) and,
    with a raised CRP, the measured value without the genotype's median acute-phase rise."""
    measured = ev.level.umol_l if ev.level is not None and ev.level_usable else None
    censored = bool(ev.level and ev.level.below)
    well = measured / inflammation_factor(reported) if measured is not None and inflamed and not censored else None
    if reported is None:
        return LevelEvidence(measured, censored, raised, well_umol_l=well)
    dist = level_distribution(reported)
    return LevelEvidence(measured, censored, raised, reported.canonical, dist.quantile(0.05), dist.quantile(0.95),
                         well_umol_l=well)


def _assumptions(ev: Evidence) -> tuple[str, ...]:
    out = []
    if ev.panel_assumed and ev.panel is not None:
        out.append(f"panel not stated: assumed '{ev.panel.panel}' ({ev.panel.label}), the smallest panel "
                   "that reports these alleles")
    if ev.level is not None and ev.level.method is Method.UNSPECIFIED and ev.level.unit.value != "umol/L":
        out.append("assay method not stated: converted as a purified-standard assay (nephelometry, 52 kDa)")
    if ev.age_years is None:
        out.append("age not given: assumed adult (the augmentation guidelines are written for adults)")
    return tuple(out)


# --- JSON-ready entry point ------------------------------------------------------------


def _optional_bool(name: str, value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise InputError(name, value, "true, false or nothing")


def _optional_float(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InputError(name, value, "a number")
    number = typed_number(name, value, "a number") if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise InputError(name, value, "a finite number")
    return number


def _parse_level(level: float | str | None, unit: str | None, method: str | None) -> Level | None:
    if level is None:
        if unit is not None or method is not None:
            raise InputError("level", None, "a level value to go with the unit or method")
        return None
    if unit is None:
        raise InputError("level.unit", None, "the unit of the level: mg/dL, g/L or umol/L")
    return Level.parse(level, unit, method)


def _parse_crp(crp: float | str | None, crp_unit: str | None) -> Crp | None:
    """The CRP in its unit (mg/L when none is named, as before units were asked), converted once to mg/L;
    a unit is checked even without a value, so a wrong one is never silently ignored."""
    unit = parse_crp_unit(crp_unit)
    return None if crp is None else Crp.parse(crp, unit)


def _parse_smoking(smoking: str | None) -> Smoking | None:
    if smoking is None:
        return None
    try:
        return Smoking(str(smoking).strip().lower())
    except ValueError:
        raise InputError("smoking", smoking, "one of never, former, current") from None


def describe_interpretation(*, level: float | str | None = None, unit: str | None = None,
                            method: str | None = None, crp: float | str | None = None,
                            crp_unit: str | None = None,
                            phenotype: str | None = None, genotype: str | None = None, panel: str | None = None,
                            fev1_pct: float | str | None = None, smoking: str | None = None,
                            on_augmentation: bool = False, emphysema: bool | None = None,
                            ct_density_decline: bool | None = None,
                            country_name: str | None = None, age: float | str | None = None,
                            pregnant: bool | None = None, lung_disease: bool | None = None,
                            panniculitis: bool | None = None,
                            airflow: AirflowObstruction | None = None) -> InterpretationAnswer:
    """Validate raw inputs (text or numbers), interpret them and return a JSON-ready dict.

    ``airflow`` is airflow obstruction read from spirometry
    (:func:`aatd.risk.lung_function.describe_interpretation_with_spirometry` builds it).

    Keys: ``severity``, ``consistent``, ``next_steps`` (codes), ``next_step_details``,
    ``explanation`` (statements with sources), ``patient_explanation``,
    ``discordance_causes``, ``genotype_probabilities``, ``eligibility``, ``disclaimer``,
    ``inputs`` and ``provenance``.
    """
    from aatd.genetics.genotypes import parse_genotype, parse_phenotype

    parsed_level = _parse_level(level, unit, method)
    parsed_crp = _parse_crp(crp, crp_unit)
    interp = interpret_result(
        level=parsed_level, crp=parsed_crp,
        phenotype=parse_phenotype(phenotype) if phenotype is not None else None,
        genotype=parse_genotype(genotype) if genotype is not None else None, panel=panel,
        fev1_pct=_optional_float("fev1_pct", fev1_pct), smoking=_parse_smoking(smoking),
        on_augmentation=bool(_optional_bool("on_augmentation", on_augmentation)),
        emphysema=_optional_bool("emphysema", emphysema),
        ct_density_decline=_optional_bool("ct_density_decline", ct_density_decline), country_name=country_name,
        age_years=_optional_float("age", age), pregnant=bool(_optional_bool("pregnant", pregnant)),
        lung_disease=_optional_bool("lung_disease", lung_disease),
        panniculitis=_optional_bool("panniculitis", panniculitis), airflow=airflow,
    )
    inputs: dict[str, object] = {
        "level": None if parsed_level is None else str(parsed_level),
        "crp": None if parsed_crp is None else parsed_crp.value,
        "crp_unit": None if parsed_crp is None else parsed_crp.unit.value,
        "crp_mg_l": None if parsed_crp is None else parsed_crp.mg_l,
        "phenotype": phenotype, "genotype": genotype, "panel": interp.panel, "fev1_pct": fev1_pct,
        "smoking": smoking, "on_augmentation": on_augmentation, "emphysema": emphysema,
        "ct_density_decline": ct_density_decline, "country": country_name or DEFAULT_COUNTRY,
        "age": age, "pregnant": bool(pregnant), "lung_disease": lung_disease, "panniculitis": panniculitis}
    if airflow is not None:
        inputs["airflow_obstruction"] = {"obstructed": airflow.obstructed, "fev1_fvc": airflow.fev1_fvc,
                                         "lower_limit": airflow.lower_limit, "equations": airflow.equations,
                                         "post_bronchodilator": airflow.post_bronchodilator}
    return as_dict(interp, inputs)
