"""Liver risk: factors from the table, ordering by genotype and exposure, validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.risk.liver import (
    ALCOHOL,
    cirrhosis_hazard,
    decompensation_ratio,
    liver_parameters,
    liver_risk,
    panniculitis_flag,
)
from aatd.risk.lung import Profile, schedule


def test_liver_parameters__every_source_resolves() -> None:
    assert all(p.source for p in liver_parameters().values())


def test_cirrhosis_hazard__is_the_product_of_its_factors() -> None:
    hazard, factors, _ = cirrhosis_hazard("ZZ", 1, "heavy", obese=True)
    assert hazard == pytest.approx(math.prod(factors.values()))
    assert factors["genotype"] == liver_parameters()[("cirrhosis_odds_ratio", "ZZ")].value


def test_cirrhosis_hazard__mz_heavy_drinker_uses_strnad_odds_ratio() -> None:
    _, factors, sources = cirrhosis_hazard("MZ", 0, "heavy")
    assert factors["genotype"] == liver_parameters()[("cirrhosis_odds_ratio_heavy_alcohol", "MZ")].value
    assert "strnad2019" in sources


@given(sex=st.sampled_from([0, 1]), i=st.integers(0, len(ALCOHOL) - 2), diabetes=st.booleans())
def test_liver_risk__more_alcohol_never_lowers_risk(sex: int, i: int, diabetes: bool) -> None:
    low = liver_risk("ZZ", sex, 40, 90, ALCOHOL[i], diabetes=diabetes).cirrhosis
    high = liver_risk("ZZ", sex, 40, 90, ALCOHOL[i + 1], diabetes=diabetes).cirrhosis
    assert (high >= low).all()


def test_liver_risk__zz_above_mz_above_mm_and_rises_with_age() -> None:
    risks = [liver_risk(g, 1, 40, 80).cirrhosis for g in ("ZZ", "MZ", "MM")]
    assert risks[0][-1] > risks[1][-1] > risks[2][-1]
    assert (risks[0][1:] > risks[0][:-1]).all() and risks[0][0] == 0


def test_decompensation_ratio__more_z_polymer_never_slows_decompensation() -> None:
    # a ZZ liver retains more Z polymer than an MZ liver: its cirrhosis never decompensates more slowly
    assert decompensation_ratio("MM") == 1.0
    assert decompensation_ratio("ZZ") >= decompensation_ratio("SZ") >= decompensation_ratio("MZ") > 1.0


@pytest.mark.parametrize("genotype", ["MM", "MZ", "SZ", "ZZ"])
def test_schedule__liver_cancer_stays_the_first_complication_in_the_published_share(genotype: str) -> None:
    _, decompensation, cancer = schedule(Profile(genotype=genotype, sex=0, age=50, height_cm=170.0)).liver_hazards
    share = liver_parameters()[("liver_cancer_fraction_of_cirrhosis", "all")].value
    assert cancer / (cancer + decompensation) == pytest.approx(share, abs=0.002)


def test_liver_risk__rejects_bad_alcohol_and_bmi() -> None:
    with pytest.raises(InputError, match="alcohol"):
        liver_risk("ZZ", 1, 40, 80, "lots")
    with pytest.raises(InputError, match="bmi"):
        liver_risk("ZZ", 1, 40, 80, bmi=5)


def test_panniculitis_flag__elevated_only_for_severe() -> None:
    assert panniculitis_flag("severe")["flag"] == "elevated"
    assert panniculitis_flag("intermediate")["flag"] == "not elevated"


def test_panniculitis_flag__states_the_tables_prevalence_not_a_number_of_its_own() -> None:
    """Review 2 (wave 8): the sentence repeated '1 in 1000' and '0.9%' as literals beside the cited row."""
    flag = panniculitis_flag("severe")
    prevalence = flag["estimated_prevalence"]
    assert isinstance(prevalence, float)
    assert f"about 1 in {1 / prevalence:,.0f} people" in str(flag["explanation"])
    assert "0.9%" not in str(flag["explanation"])
