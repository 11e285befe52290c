"""Cohort statistics: allele-frequency confidence intervals and the Hardy-Weinberg exact test.

- Wilson score interval for a binomial proportion (Wilson 1927): sensible near 0, where
  deficiency-allele frequencies live, unlike the Wald interval.
- Hardy-Weinberg exact test for one biallelic site (Wigginton, Cutler & Abecasis 2005,
  the test ``plink2 --hardy`` reports): the probability of heterozygote counts at least as
  unlikely as the one observed, given the allele counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class Interval:
    """A proportion's point estimate and confidence interval."""

    estimate: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, object]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n_alleles": self.n,
                "level": CONFIDENCE, "method": "Wilson score"}


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """Wilson score interval for ``successes`` out of ``n`` (e.g. Z alleles out of 2 x samples)."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)), n)


def hwe_exact_p(het: int, hom_ref: int, hom_alt: int) -> float:
    """Two-sided Hardy-Weinberg exact test p-value (Wigginton et al. 2005) for genotype counts.

    The heterozygote-count distribution given the allele counts is built from its most likely
    value outwards by the ratio recurrence of Wigginton et al. (as cumulative products, so it
    is vectorised and linear in the minor allele count) and normalised: no factorial overflows.
    """
    if min(het, hom_ref, hom_alt) < 0:
        raise ValueError("genotype counts must be non-negative")
    n = het + hom_ref + hom_alt
    if n == 0:
        return 1.0
    rare = 2 * min(hom_ref, hom_alt) + het
    mid = rare * (2 * n - rare) // (2 * n)
    if (rare - mid) % 2:
        mid += 1
    down = np.arange(mid, 1, -2, dtype=np.float64)  # h = mid, mid-2, ..., giving P(h-2)/P(h)
    r_hom = (rare - down) // 2
    c_hom = n - down - r_hom
    below = np.cumprod(down * (down - 1) / (4.0 * (r_hom + 1) * (c_hom + 1)))[::-1]
    up = np.arange(mid, rare - 1, 2, dtype=np.float64)  # h = mid, mid+2, ..., giving P(h+2)/P(h)
    r_hom = (rare - up) // 2
    c_hom = n - up - r_hom
    above = np.cumprod(4.0 * r_hom * c_hom / ((up + 2.0) * (up + 1.0)))
    probs = np.concatenate([below, [1.0], above])  # heterozygote counts rare % 2, ..., rare in steps of 2
    observed = probs[(het - rare % 2) // 2]
    p = float(probs[probs <= observed * (1 + 1e-7)].sum() / probs.sum())
    return min(1.0, p)


def hwe_expected(hom_ref: int, het: int, hom_alt: int) -> tuple[float, float, float]:
    """Expected hom-ref, het and hom-alt counts under Hardy-Weinberg from the observed allele counts."""
    n = hom_ref + het + hom_alt
    if n == 0:
        return (0.0, 0.0, 0.0)
    q = (het + 2 * hom_alt) / (2 * n)
    p = 1 - q
    return (n * p * p, 2 * n * p * q, n * q * q)
