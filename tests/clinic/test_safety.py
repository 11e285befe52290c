"""Clinical-safety invariants (issue 12 'Done means'), as Hypothesis properties over the whole engine.

* a numeric measured level is never ``absent``;
* MZ, MS, MM (any genotype with a normal allele) are never eligible for augmentation;
* a measured level above the threshold is never eligible;
* an infant (or any child) is never offered augmentation;
* no answer with an implausible value contains ``no_further_testing``; impossible values are refused;
* every explanation sentence about the level, and every patient sentence about it, is true of the
  measured value.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.clinic.interpretation import describe_interpretation
from aatd.errors import InputError
from aatd.genetics.levels import lower_limit_of_normal_umol_l, protective_threshold_umol_l
from aatd.genetics.units import Level, Unit, impossible_above_umol_l, parse_method, to_umol_l, unit_check

FEW = settings(max_examples=60)
UNITS = ("mg/dL", "g/L", "umol/L")
METHODS = (None, "nephelometry", "immunoturbidimetry", "RID")
NORMAL_ALLELE_GENOTYPES = ("MM", "MS", "MZ", "M/I", "M/Null", "M/F", "M/Mmalton", "M2Z", "M3S")
OTHER_GENOTYPES = (None, "SS", "SZ", "ZZ", "Z/Null", "Z/F", "S/Null", "Null/Null")
PANELS = (None, "sz", "alphaid_14", "sequencing")

smoking = st.sampled_from((None, "never", "former", "current"))
flags = st.sampled_from((None, True, False))
fev1 = st.one_of(st.none(), st.floats(min_value=10, max_value=130))
age = st.one_of(st.none(), st.floats(min_value=0, max_value=90))


def _panel_for(genotype: str | None, panel: str | None) -> str | None:
    if genotype is None or panel is None:
        return None
    if panel == "sz" and any(a in genotype for a in ("I", "F", "Null", "Mmalton")):
        return "sequencing"
    if panel == "alphaid_14" and "Null" in genotype:
        return "sequencing"
    return panel


def _measured_umol(level: float, unit: str, method: str | None) -> float:
    return to_umol_l(level, Unit(unit), parse_method(method))


def _eligible(result: dict[str, object]) -> list[str]:
    return [e["guideline"] for e in result["eligibility"] if e["decision"] in ("consider", "discuss")]  # type: ignore[attr-defined]


@FEW
@given(st.floats(min_value=0.0, max_value=300.0), st.sampled_from(("mg/dL", "umol/L")),
       st.sampled_from(OTHER_GENOTYPES[:-1]), st.one_of(st.none(), st.floats(min_value=0, max_value=100)))
def test_safety__a_numeric_level_is_never_absent(level: float, unit: str, genotype: str | None,
                                                 crp: float | None) -> None:
    try:
        result = describe_interpretation(level=level, unit=unit, genotype=genotype, crp=crp,
                                         panel="sequencing" if genotype and "Null" in genotype else None)
    except InputError:
        return  # refused as impossible: nothing is called absent
    assert result["severity"] != "absent", result["explanation"]


@FEW
@given(st.sampled_from(NORMAL_ALLELE_GENOTYPES), st.sampled_from(PANELS),
       st.one_of(st.none(), st.floats(min_value=1, max_value=250)), st.sampled_from(UNITS[::2]), fev1, smoking,
       flags, flags, flags, age, st.booleans())
def test_safety__genotypes_with_a_normal_allele_are_never_eligible(
        genotype: str, panel: str | None, level: float | None, unit: str, fev1_pct: float | None,
        smoke: str | None, emphysema: bool | None, lung: bool | None, panniculitis: bool | None,
        years: float | None, on_augmentation: bool) -> None:
    result = describe_interpretation(
        genotype=genotype, panel=_panel_for(genotype, panel), level=level, unit=unit if level is not None else None,
        fev1_pct=fev1_pct, smoking=smoke, emphysema=emphysema, lung_disease=lung, panniculitis=panniculitis,
        age=years, on_augmentation=on_augmentation)
    assert _eligible(result) == []
    assert "consider_augmentation" not in result["next_steps"]  # type: ignore[operator]


@FEW
@given(st.floats(min_value=11.0, max_value=50.0, exclude_min=True), st.sampled_from(UNITS), st.sampled_from(METHODS),
       st.sampled_from(OTHER_GENOTYPES), fev1, smoking, flags, flags, flags,
       st.one_of(st.none(), st.floats(min_value=0, max_value=100)), st.booleans())
def test_safety__a_measured_level_above_the_threshold_is_never_eligible(
        umol: float, unit: str, method: str | None, genotype: str | None, fev1_pct: float | None, smoke: str | None,
        emphysema: bool | None, lung: bool | None, panniculitis: bool | None, crp: float | None,
        pregnant: bool) -> None:
    value = umol / to_umol_l(1.0, Unit(unit), parse_method(method))
    result = describe_interpretation(
        level=value, unit=unit, method=method, genotype=genotype, crp=crp,
        panel="sequencing" if genotype else None, fev1_pct=fev1_pct, smoking=smoke, emphysema=emphysema,
        lung_disease=lung, panniculitis=panniculitis, pregnant=pregnant, age=50)
    assert _measured_umol(value, unit, method) >= protective_threshold_umol_l() - 1e-9
    assert _eligible(result) == [], result["eligibility"]


@FEW
@given(st.floats(min_value=0, max_value=17.99), st.sampled_from(OTHER_GENOTYPES[1:]),
       st.one_of(st.none(), st.floats(min_value=1, max_value=60)), fev1, smoking, flags, flags, flags)
def test_safety__children_and_infants_are_never_offered_augmentation(
        years: float, genotype: str, level: float | None, fev1_pct: float | None, smoke: str | None,
        emphysema: bool | None, lung: bool | None, panniculitis: bool | None) -> None:
    result = describe_interpretation(
        genotype=genotype, panel="sequencing", level=level, unit="mg/dL" if level is not None else None,
        fev1_pct=fev1_pct, smoking=smoke, emphysema=emphysema, lung_disease=lung, panniculitis=panniculitis,
        age=years)
    assert _eligible(result) == []
    steps = result["next_steps"]
    assert "consider_augmentation" not in steps and "chest_ct" not in steps  # type: ignore[operator]
    if smoke != "current":
        assert "smoking_cessation" not in steps  # type: ignore[operator]


@FEW
@given(st.floats(min_value=0.0, max_value=20000.0), st.sampled_from(UNITS), st.sampled_from(OTHER_GENOTYPES),
       st.one_of(st.none(), st.floats(min_value=0, max_value=20)))
def test_safety__an_implausible_value_is_never_closed(value: float, unit: str, genotype: str | None,
                                                      crp: float | None) -> None:
    level = Level(value, Unit(unit))
    impossible_everywhere = all(to_umol_l(value, u) > impossible_above_umol_l() for u in Unit)
    try:
        result = describe_interpretation(level=value, unit=unit, genotype=genotype, crp=crp,
                                         panel="sequencing" if genotype else None)
    except InputError as exc:
        assert impossible_everywhere and exc.field == "level.value"
        return
    assert not impossible_everywhere
    if unit_check(level) is not None:
        assert "no_further_testing" not in result["next_steps"]  # type: ignore[operator]
        assert "check_unit" in result["next_steps"]  # type: ignore[operator]


@pytest.mark.parametrize(("value", "unit"), [(5000, "mg/dL"), (2500, "umol/L"), ("<2000", "mg/dL"), (1e6, "g/L")])
def test_safety__values_impossible_in_every_unit_are_refused(value: object, unit: str) -> None:
    with pytest.raises(InputError, match=r"level\.value"):
        describe_interpretation(level=value, unit=unit)  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "unit"), [(120, "g/L"), (85, "umol/L"), (1.2, "mg/dL"), (25, "g/L")])
def test_safety__values_plausible_only_in_another_unit_say_check_the_unit(value: float, unit: str) -> None:
    result = describe_interpretation(level=value, unit=unit, crp=1)
    assert "check_unit" in result["next_steps"] and "no_further_testing" not in result["next_steps"]  # type: ignore[operator]
    assert result["severity"] == "indeterminate"


_RELATION = re.compile(r"(\d+\.\d) µmol/L is (below|at or above) the (?:11 µmol/L protective threshold|"
                       r"lower limit of normal \((\d+\.\d) µmol/L\))")


@FEW
@given(st.floats(min_value=0.5, max_value=50.0), st.sampled_from((*OTHER_GENOTYPES, "MZ", "MM", "MS")),
       st.one_of(st.none(), st.floats(min_value=0, max_value=80)), st.booleans())
def test_safety__every_sentence_about_the_level_is_true_of_the_measured_value(
        umol: float, genotype: str | None, crp: float | None, pregnant: bool) -> None:
    result = describe_interpretation(level=umol, unit="umol/L", genotype=genotype, crp=crp, pregnant=pregnant,
                                     panel="sequencing" if genotype else None)
    threshold, lln = protective_threshold_umol_l(), lower_limit_of_normal_umol_l()
    texts = [e["text"] for e in result["explanation"]]  # type: ignore[attr-defined]
    for text in texts:
        for number, side, limit in _RELATION.findall(text):
            assert float(number) == pytest.approx(umol, abs=0.051), text
            bound = float(limit) if limit else threshold
            assert (umol < bound) == (side == "below") or abs(umol - bound) < 0.06, text
        if "protective threshold" in text and "µmol/L is" not in text and "Threshold for this assay" not in text:
            assert "below the 11" not in text and "above the 11" not in text, text
    patient = " ".join(result["patient_explanation"])  # type: ignore[arg-type]
    if "Your alpha-1 level is very low." in patient:
        assert umol < threshold
    if "Your alpha-1 level is a bit below the usual range." in patient:
        assert threshold <= umol < lln
    if "Your alpha-1 level is in the usual range." in patient:
        assert umol >= lln
    if "almost no alpha-1" in patient:
        assert genotype == "Null/Null"
