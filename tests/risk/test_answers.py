"""describe_risk by country: the life table is chosen by ``country``, named in the answer, and moves deaths
from other causes in the direction the tables say."""

from __future__ import annotations

from typing import Any

import pytest

from aatd.errors import InputError
from aatd.knowledge.life_tables import life_table
from aatd.risk.answers import describe_risk

PERSON: dict[str, Any] = {"genotype": "ZZ", "sex": "female", "age": 40, "height_cm": 165, "n": 1000, "seed": 0}


def _death_by(answer: Any, age: int, cause: str | None = None) -> float:
    row = next(o for o in answer["outcomes"] if o["age"] == age)
    return float(row["death"] if cause is None else row["death_by_cause"][cause])


def test_describe_risk__default_stays_the_us_table_and_says_so() -> None:
    answer = describe_risk(**PERSON)
    assert answer["life_table"]["country"] == "USA" and answer["life_table"]["source"] == "arias2019"
    assert "United States Life Tables, 2017" in answer["life_table"]["description"]
    assert any("life table of USA" in line for line in answer["explanation"])
    assert "arias2019" in {s["source_id"] for s in answer["sources"]}


def test_describe_risk__other_deaths_follow_the_country_table() -> None:
    """Same people, same random numbers: deaths from other causes by 80 rank as the tables' survival from 40
    to 80 does (Japan above the USA above Nigeria), and lung function does not move."""
    answers = {c: describe_risk(**PERSON, country=c) for c in ("Japan", "USA", "Nigeria")}
    other = {c: _death_by(a, 80, "other") for c, a in answers.items()}
    assert other["Japan"] < other["USA"] < other["Nigeria"]
    assert _death_by(answers["Japan"], 80) < _death_by(answers["Nigeria"], 80)
    survival = {c: life_table(c).survival(0, 40, 80) for c in answers}
    assert survival["Japan"] > survival["USA"] > survival["Nigeria"]
    assert answers["Japan"]["fev1_trajectory"] == answers["Nigeria"]["fev1_trajectory"]
    japan = answers["Japan"]
    assert japan["life_table"]["country"] == "Japan" and japan["life_table"]["source"] == "lifetables_wpp2019"
    assert japan["life_table"]["life_expectancy_at_birth"] == round(life_table("Japan").life_expectancy_at_birth(0), 1)
    assert "lifetables_wpp2019" in {s["source_id"] for s in japan["sources"]}
    assert "arias2019" not in {s["source_id"] for s in japan["sources"]}


def test_describe_risk__country_is_matched_without_case_and_echoed_canonically() -> None:
    assert describe_risk(**PERSON, country=" south korea ")["life_table"]["country"] == "South Korea"


@pytest.mark.parametrize("country", ["Atlantis", "", "Swedn"])
def test_describe_risk__a_country_without_a_table_names_the_field(country: str) -> None:
    with pytest.raises(InputError) as caught:
        describe_risk(**PERSON, country=country)
    assert caught.value.field == "country" and "United Kingdom" in caught.value.expected


# --- review 2 (wave 8): the augmentation what-if says when guidelines would not offer it ------------------


def test_augmentation_scenario__for_a_current_smoker_names_the_guidelines_that_exclude_smokers() -> None:
    from aatd.clinic.augmentation import Smoking, guidelines_excluding
    from aatd.risk.answers import apply_scenario, build_profile

    excluding = guidelines_excluding(Smoking.CURRENT)
    assert "Alpha-1 Foundation guideline (Sandhaus) 2016" in excluding and len(excluding) >= 2
    smoker, _ = build_profile(genotype="ZZ", sex="male", age=45, height_cm=178, smoking="current", pack_years=20)
    _, text = apply_scenario(smoker, "augmentation")
    assert "do not offer augmentation to people who still smoke" in text
    assert all(name in text for name in excluding)
    former, _ = build_profile(genotype="ZZ", sex="male", age=45, height_cm=178, smoking="former", pack_years=20,
                              quit_age=40)
    assert "still smoke" not in apply_scenario(former, "augmentation")[1]
    assert guidelines_excluding(Smoking.FORMER) == [] and guidelines_excluding(Smoking.NEVER) == []


def test_explanation__augmentation_entered_for_a_genotype_it_does_not_model_is_said() -> None:
    """Review 2 (wave 8): an MZ 'receiving augmentation' was silently given no effect."""
    from aatd.risk.answers import _explanation, build_profile

    mz, cls = build_profile(genotype="MZ", sex="male", age=50, height_cm=175, augmentation=True)
    assert any("Augmentation was entered, but MZ is not a severe genotype" in line for line in _explanation(mz, cls))
    zz, zz_cls = build_profile(genotype="ZZ", sex="male", age=50, height_cm=175, augmentation=True)
    assert not any("Augmentation was entered" in line for line in _explanation(zz, zz_cls))
