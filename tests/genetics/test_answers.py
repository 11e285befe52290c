"""The typed genetics answers: closed forms, keys the shells rely on, provenance."""

from __future__ import annotations

import math

import pytest

from aatd.errors import InputError
from aatd.genetics.answers import describe_genotype, describe_inheritance, describe_prevalence, list_alleles
from aatd.knowledge import data_version


def test_describe_genotype__zz_is_severe_and_carries_provenance() -> None:
    answer = describe_genotype("PI*ZZ")
    assert answer["genotype"] == "ZZ" and answer["severity"] == "severe"
    assert answer["liver_risk_alleles"] == ["Z", "Z"]
    level = answer["expected_level"]
    assert level["um"]["low"] < level["um"]["median"] < level["um"]["high"]
    assert math.isclose(level["g_l"]["median"], level["mg_dl"]["median"] / 100, abs_tol=1e-3)
    assert answer["provenance"]["data_version"] == data_version()


def test_describe_inheritance__two_carriers_give_one_in_four() -> None:
    answer = describe_inheritance("MZ", "MZ")
    assert answer["offspring"] == {"MM": 0.25, "MZ": 0.5, "ZZ": 0.25}
    assert answer["parents"] == ["MZ", "MZ"]


def test_describe_inheritance__a_distribution_as_parent() -> None:
    """An untested parent given as a distribution: P(child ZZ | ZZ x (MM 1/2, MZ 1/2)) = 1/4."""
    answer = describe_inheritance("ZZ", {"MM": 0.5, "MZ": 0.5})
    assert math.isclose(answer["offspring"]["ZZ"], 0.25) and math.isclose(answer["offspring"]["MZ"], 0.75)


def test_describe_prevalence__hardy_weinberg_closed_form() -> None:
    answer = describe_prevalence(s=0.03, z=0.02, population=1_000_000)
    genotypes = answer["genotypes"]
    assert math.isclose(genotypes["ZZ"]["frequency"], 0.02**2)
    assert math.isclose(genotypes["SZ"]["frequency"], 2 * 0.03 * 0.02)
    assert genotypes["ZZ"]["count"] == 400
    assert math.isclose(sum(g["frequency"] for g in genotypes.values()), 1.0)
    assert "country" not in answer


def test_describe_prevalence__country_names_its_source() -> None:
    answer = describe_prevalence(country_name="Ireland")
    assert answer["country"] == "Ireland" and answer["source"]
    assert set(answer.get("published", {})) == {"zz", "sz", "mz"}


def test_describe_prevalence__needs_a_country_or_both_frequencies() -> None:
    with pytest.raises(InputError) as info:
        describe_prevalence(s=0.03)
    assert info.value.field == "country"


def test_list_alleles__every_row_cites_a_source() -> None:
    rows = list_alleles()
    assert rows and all(r["source"] for r in rows)
    assert {r["allele"] for r in rows} >= {"M", "S", "Z"}
