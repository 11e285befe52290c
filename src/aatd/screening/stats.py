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

    Linear in the minor allele count; probabilities are built by the ratio recurrence from
    the most likely heterozygote count and normalised, so no factorial overflows.
    """
    if min(het, hom_ref, hom_alt) < 0:
        raise ValueError("genotype counts must be non-negative")
    n = het + hom_ref + hom_alt
    if n == 0:
        return 1.0
    rare_hom = min(hom_ref, hom_alt)
    rare = 2 * rare_hom + het
    probs = [0.0] * (rare + 1)
    mid = rare * (2 * n - rare) // (2 * n)
    if (rare - mid) % 2:
        mid += 1
    probs[mid] = 1.0
    h = mid
    while h >= 2:
        r_hom = (rare - h) // 2
        c_hom = n - h - r_hom
        probs[h - 2] = probs[h] * h * (h - 1) / (4.0 * (r_hom + 1) * (c_hom + 1))
        h -= 2
    h = mid
    while h <= rare - 2:
        r_hom = (rare - h) // 2
        c_hom = n - h - r_hom
        probs[h + 2] = probs[h] * 4.0 * r_hom * c_hom / ((h + 2.0) * (h + 1.0))
        h += 2
    total = sum(probs)
    observed = probs[het]
    p = sum(x for x in probs if x <= observed * (1 + 1e-7)) / total
    return min(1.0, p)


def hwe_expected(hom_ref: int, het: int, hom_alt: int) -> tuple[float, float, float]:
    """Expected hom-ref, het and hom-alt counts under Hardy-Weinberg from the observed allele counts."""
    n = hom_ref + het + hom_alt
    if n == 0:
        return (0.0, 0.0, 0.0)
    q = (het + 2 * hom_alt) / (2 * n)
    p = 1 - q
    return (n * p * p, 2 * n * p * q, n * q * q)
