"""One spirometry read for the clinic: FEV1/FVC against its lower limit (checked against pyspiro, the
independent implementation), the lung model's COPD rule, FEV1 % predicted and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyspiro import BOWERMAN_2022

from aatd.clinic.augmentation import NOT_POST_BRONCHODILATOR
from aatd.errors import InputError
from aatd.risk.lung import Profile, schedule
from aatd.risk.lung_function import describe_interpretation_with_spirometry, lung_function
from aatd.risk.spirometry import below_ratio_lower_limit, percent_predicted, ratio_lower_limit

ZZ_FORMER = {"genotype": "ZZ", "level": 5, "unit": "umol/L", "crp": 1, "smoking": "former", "age": 50}


def test_ratio_lower_limit__matches_pyspiro() -> None:
    # pyspiro's LLN uses z = -1.645, the table's lln_z (progression_parameters.csv, Quanjer 2012)
    for sex, age, height in ((1, 50.0, 178.0), (0, 54.0, 165.0), (0, 19.5, 160.0), (1, 80.0, 170.0)):
        expected = BOWERMAN_2022().lln(sex, age, height, parameter=3, value=0)
        assert float(ratio_lower_limit(sex, age, height)[()]) == pytest.approx(expected, rel=1e-9)


def test_lung_function__obstruction_flips_exactly_at_the_lower_limit() -> None:
    limit = float(ratio_lower_limit(1, 50.0, 178.0)[()])
    fvc = 4.0
    below = lung_function(limit * fvc * (1 - 1e-9), fvc, "male", 50, 178)
    at = lung_function(limit * fvc, fvc, "male", 50, 178)
    above = lung_function(limit * fvc * (1 + 1e-9), fvc, "male", 50, 178)
    assert below.airflow.obstructed and not at.airflow.obstructed and not above.airflow.obstructed
    assert " is below its lower limit" in below.airflow.finding
    assert " is not below its lower limit" in at.airflow.finding


def test_lung_model__counts_copd_with_the_same_lower_limit() -> None:
    """The simulator's COPD (``copd_lln``) and the clinic's obstruction use one lower limit and one rule."""
    profile = Profile(genotype="ZZ", sex=1, age=40, height_cm=178.0)
    s = schedule(profile)
    ages = s.ages.astype(np.float64)
    assert np.array_equal(s.ratio_lln, ratio_lower_limit(1, ages, 178.0))


@given(ratio=st.floats(0.2, 1.0), sex=st.sampled_from(["female", "male"]), age=st.floats(18, 90),
       height=st.floats(145, 200))
def test_lung_function__obstructed_means_fev1_fvc_below_its_lower_limit(ratio: float, sex: str, age: float,
                                                                       height: float) -> None:
    fvc = 3.0
    found = lung_function(ratio * fvc, fvc, sex, age, height)
    limit = float(ratio_lower_limit(0 if sex == "female" else 1, age, height)[()])
    assert found.airflow.obstructed == bool(below_ratio_lower_limit(ratio * fvc, fvc, limit))
    assert found.airflow.lower_limit == limit
    assert found.fev1_pct == round(float(percent_predicted(ratio * fvc, 0 if sex == "female" else 1, age,
                                                           height)[()]), 1)


def test_interpretation_with_spirometry__reaches_consider_and_says_it_is_not_post_bronchodilator() -> None:
    answer = describe_interpretation_with_spirometry(
        **ZZ_FORMER, spirometry={"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178})
    decisions = {v["guideline"]: v for v in answer["eligibility"]}
    assert decisions["ats_ers2003"]["decision"] == decisions["a1f2016"]["decision"] == "consider"
    assert NOT_POST_BRONCHODILATOR in decisions["ats_ers2003"]["note"]
    assert answer["inputs"]["fev1_pct"] == lung_function(1.5, 3.5, "male", 50, 178).fev1_pct
    marked = describe_interpretation_with_spirometry(
        **ZZ_FORMER, spirometry={"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178,
                                 "post_bronchodilator": True})
    assert all(NOT_POST_BRONCHODILATOR not in v["note"] for v in marked["eligibility"])


def test_interpretation_with_spirometry__no_obstruction_is_not_indicated_where_a_guideline_requires_it() -> None:
    answer = describe_interpretation_with_spirometry(
        **ZZ_FORMER, spirometry={"fev1_l": 3.0, "fvc_l": 4.0, "sex": "male", "height_cm": 178})
    decisions = {v["guideline"]: v["decision"] for v in answer["eligibility"]}
    assert decisions["ats_ers2003"] == decisions["a1f2016"] == decisions["cts2012"] == "not_indicated"


def test_interpretation_with_spirometry__without_spirometry_is_the_plain_interpretation() -> None:
    from aatd.clinic.interpretation import describe_interpretation

    plain = describe_interpretation(**ZZ_FORMER, fev1_pct=40)
    wrapped = describe_interpretation_with_spirometry(**ZZ_FORMER, fev1_pct=40)
    assert {k: v for k, v in wrapped.items() if k != "provenance"} == \
        {k: v for k, v in plain.items() if k != "provenance"}


@pytest.mark.parametrize(("spirometry", "extra", "field"), [
    ({"fev1_l": 3.6, "fvc_l": 3.5, "sex": "male", "height_cm": 178}, {}, "spirometry.fev1_l"),
    ({"fev1_l": 0.0, "fvc_l": 3.5, "sex": "male", "height_cm": 178}, {}, "spirometry.fev1_l"),
    ({"fev1_l": 1.5, "fvc_l": 11, "sex": "male", "height_cm": 178}, {}, "spirometry.fvc_l"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "unknown", "height_cm": 178}, {}, "spirometry.sex"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": -1}, {}, "spirometry.height_cm"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178, "age": 1}, {}, "spirometry.age"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male"}, {}, "spirometry.height_cm"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178, "ratio": 0.4}, {}, "spirometry.ratio"),
    ({"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178}, {"fev1_pct": 40}, "fev1_pct"),
    ({"fev1_l": 3.0, "fvc_l": 4.0, "sex": "male", "height_cm": 178}, {"lung_disease": True}, "lung_disease"),
])
def test_interpretation_with_spirometry__bad_input_names_the_field(spirometry: dict[str, object],
                                                                   extra: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        describe_interpretation_with_spirometry(**ZZ_FORMER, **extra, spirometry=spirometry)
    assert info.value.field == field


def test_interpretation_with_spirometry__needs_an_age() -> None:
    with pytest.raises(InputError) as info:
        describe_interpretation_with_spirometry(
            genotype="ZZ", spirometry={"fev1_l": 1.5, "fvc_l": 3.5, "sex": "male", "height_cm": 178})
    assert info.value.field == "spirometry.age"
