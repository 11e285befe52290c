"""Genotype assembly rules (docs/screening.md) against a one-sample-at-a-time reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from aatd.genetics.genotypes import Genotype
from aatd.genetics.levels import genotype_severity
from aatd.screening.cohort import NOT_COVERED, Cohort, assign_genotypes, summarise
from aatd.screening.model import CallState
from aatd.screening.sites import screening_sites

SITES = screening_sites()
STATES = [CallState.CALLED, CallState.MISSING, CallState.HALF_CALL, CallState.DOSAGE, CallState.UNCERTAIN,
          CallState.HAPLOID, NOT_COVERED]


def _reference(copies: list[int], states: list[int]) -> tuple[str, str]:
    """(genotype, status) of one sample, written from the rules, one site at a time."""
    known: list[str] = []
    unresolved = False
    for site, c, s in zip(SITES, copies, states, strict=True):
        if s in (CallState.CALLED, CallState.DOSAGE, CallState.HALF_CALL):
            known += [site.allele] * c
        if s not in (CallState.CALLED, CallState.DOSAGE, NOT_COVERED):
            unresolved = True
    if len(known) > 2:
        return "", "conflict"
    if unresolved and len(known) < 2:
        if CallState.HALF_CALL in states:
            return "", "half-call"
        return "", "uncertain-dosage" if CallState.UNCERTAIN in states else "missing"
    pair = [*known, "M", "M"][:2]
    return Genotype.of(pair[0], pair[1]).canonical, "dosage" if CallState.DOSAGE in states else "called"


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 40))
    states = np.array(draw(st.lists(st.lists(st.sampled_from(STATES), min_size=n, max_size=n),
                                    min_size=len(SITES), max_size=len(SITES))), np.uint8)
    copies = np.array(draw(st.lists(st.lists(st.integers(0, 2), min_size=n, max_size=n),
                                    min_size=len(SITES), max_size=len(SITES))), np.int8)
    copies = np.where(states == CallState.HALF_CALL, copies.clip(0, 1), copies)
    copies = np.where(np.isin(states, [CallState.MISSING, CallState.UNCERTAIN, CallState.HAPLOID, NOT_COVERED]),
                      0, copies)
    return copies.astype(np.int8), states


@given(cohorts())
def test_assignment_equals_the_per_sample_reference(data: tuple[np.ndarray, np.ndarray]) -> None:
    copies, states = data
    n = copies.shape[1]
    cohort = Cohort(SITES, [f"s{i}" for i in range(n)], np.zeros(n, np.int32), [], copies, states,
                    np.full(copies.shape, np.nan, np.float32))
    calls = assign_genotypes(cohort)
    for i in range(n):
        genotype, status = _reference(copies[:, i].tolist(), states[:, i].tolist())
        assert (calls.genotype[i], calls.status[i]) == (genotype, status)
        if genotype:
            assert calls.severity[i] == genotype_severity(genotype).value
    summary = summarise(cohort, calls)
    counts = summary["genotype_counts"]
    assert isinstance(counts, dict) and sum(counts.values()) == summary["genotyped"]
