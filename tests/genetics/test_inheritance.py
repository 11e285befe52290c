"""Mendelian inheritance: closed forms and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.genetics.alleles import allele_catalogue
from aatd.genetics.genotypes import Genotype
from aatd.genetics.inheritance import as_canonical, gametes, offspring_distribution

NAMES = [a.allele for a in allele_catalogue()]
genotypes = st.builds(Genotype.of, st.sampled_from(NAMES), st.sampled_from(NAMES))


@pytest.mark.parametrize(("p1", "p2", "children"), [
    ("MZ", "MZ", {"MM": 0.25, "MZ": 0.5, "ZZ": 0.25}),
    ("MZ", "MS", {"MM": 0.25, "MS": 0.25, "MZ": 0.25, "SZ": 0.25}),
    ("MZ", "SZ", {"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25}),
    ("ZZ", "MM", {"MZ": 1.0}),
    ("ZZ", "MZ", {"MZ": 0.5, "ZZ": 0.5}),
    ("ZZ", "ZZ", {"ZZ": 1.0}),
    ("Z/Null", "MZ", {"MZ": 0.25, "M/Null": 0.25, "ZZ": 0.25, "Z/Null": 0.25}),
    ("Z/Mmalton", "MM", {"MZ": 0.5, "M/Mmalton": 0.5}),
])
def test_offspring__closed_forms(p1: str, p2: str, children: dict[str, float]) -> None:
    assert as_canonical(offspring_distribution(p1, p2)) == pytest.approx(children)


@given(genotypes, genotypes)
def test_offspring__sums_to_one_and_is_symmetric(a: Genotype, b: Genotype) -> None:
    ab, ba = offspring_distribution(a, b), offspring_distribution(b, a)
    assert sum(ab.values()) == pytest.approx(1.0)
    assert ab == pytest.approx(ba)


@given(genotypes, genotypes)
def test_offspring__every_child_has_one_allele_from_each_parent(a: Genotype, b: Genotype) -> None:
    for child in offspring_distribution(a, b):
        x, y = child.first, child.second
        assert (x in (a.first, a.second) and y in (b.first, b.second)) or (
            y in (a.first, a.second) and x in (b.first, b.second))


@given(genotypes, genotypes)
def test_offspring__brute_force_over_four_equally_likely_gamete_pairs(a: Genotype, b: Genotype) -> None:
    expected: dict[Genotype, float] = {}
    for x in (a.first, a.second):
        for y in (b.first, b.second):
            g = Genotype.of(x, y)
            expected[g] = expected.get(g, 0.0) + 0.25
    assert offspring_distribution(a, b) == pytest.approx(expected)


@given(st.lists(st.tuples(genotypes, st.floats(0.01, 1.0)), min_size=1, max_size=4), genotypes)
def test_offspring__distribution_parent_is_the_mixture(parts: list[tuple[Genotype, float]], other: Genotype) -> None:
    weights: dict[Genotype, float] = {}
    for g, w in parts:
        weights[g] = weights.get(g, 0.0) + w
    total = sum(weights.values())
    parent = {g: w / total for g, w in weights.items()}
    mixed = offspring_distribution(parent, other)
    expected: dict[Genotype, float] = {}
    for g, w in parent.items():
        for child, p in offspring_distribution(g, other).items():
            expected[child] = expected.get(child, 0.0) + w * p
    assert mixed == pytest.approx(expected)


def test_gametes__of_a_heterozygote() -> None:
    assert gametes("MZ") == {"M": 0.5, "Z": 0.5}


def test_offspring__rejects_distribution_not_summing_to_one() -> None:
    with pytest.raises(InputError, match="summing to 1"):
        offspring_distribution({"MM": 0.5, "MZ": 0.2}, "MM")
