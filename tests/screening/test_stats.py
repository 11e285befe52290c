"""Wilson interval and the Hardy-Weinberg exact test against brute-force enumeration."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from aatd.screening.stats import hwe_exact_p, hwe_expected, wilson_interval


def _brute_force_p(het: int, hom_ref: int, hom_alt: int) -> float:
    """Exact conditional distribution of heterozygotes given allele counts, by the closed formula."""
    n = het + hom_ref + hom_alt
    rare = min(2 * hom_ref + het, 2 * hom_alt + het)

    def prob(h: int) -> float:
        r_hom = (rare - h) // 2
        c_hom = n - h - r_hom
        log = (math.lgamma(n + 1) - math.lgamma(r_hom + 1) - math.lgamma(h + 1) - math.lgamma(c_hom + 1)
               + h * math.log(2) + math.lgamma(rare + 1) + math.lgamma(2 * n - rare + 1) - math.lgamma(2 * n + 1))
        return math.exp(log)

    support = [h for h in range(rare % 2, rare + 1, 2) if n - h - (rare - h) // 2 >= 0]
    probs = {h: prob(h) for h in support}
    observed = probs[het]
    return min(1.0, sum(p for p in probs.values() if p <= observed * (1 + 1e-7)))


@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60))
def test_hwe_exact_equals_brute_force(het: int, hom_ref: int, hom_alt: int) -> None:
    if het + hom_ref + hom_alt == 0:
        assert hwe_exact_p(0, 0, 0) == 1.0
        return
    assert math.isclose(hwe_exact_p(het, hom_ref, hom_alt), _brute_force_p(het, hom_ref, hom_alt), rel_tol=1e-6)


def test_hwe_known_values() -> None:
    # perfect HWE proportions give p = 1; a heterozygote-free sample with both alleles is extreme
    assert hwe_exact_p(50, 25, 25) > 0.5
    assert hwe_exact_p(0, 50, 50) < 1e-20
    assert hwe_expected(81, 18, 1) == (81.0, 18.0, 1.0)


@given(st.integers(1, 10_000), st.data())
def test_wilson_interval_contains_estimate(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    ci = wilson_interval(k, n)
    assert 0.0 <= ci.low <= ci.estimate <= ci.high <= 1.0
    assert ci.n == n


@given(st.integers(1, 5_000), st.data())
def test_wilson_equals_scipy(n: int, data: st.DataObject) -> None:
    """scipy's independent implementation (binomtest(...).proportion_ci(method='wilson'))."""
    k = data.draw(st.integers(0, n))
    ours = wilson_interval(k, n)
    theirs = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert math.isclose(ours.low, theirs.low, abs_tol=1e-9) and math.isclose(ours.high, theirs.high, abs_tol=1e-9)
    assert math.isnan(wilson_interval(0, 0).estimate)
