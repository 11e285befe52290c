"""The compiled kernel (blocks of people simulated year by year) against the vectorised engine, same draws."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.risk import _kernel
from aatd.risk.lung import Accumulator, Profile, draw, parameter_overrides, run, run_compiled

# Everything the kernel does: years before the current age (silent cirrhosis), a measured FEV1, smoking then
# quitting, a mixed ascertainment, liver cofactors, transplants.
PERSON = Profile(genotype="ZZ", sex=1, age=38, height_cm=176.0, smoking="current", pack_years=25.0, quit_age=52.0,
                 dust=True, fev1_l=2.6, ascertainment="unknown", alcohol="heavy", diabetes=True,
                 liver_unknown_at_entry=True)


def _assert_same(compiled: Accumulator, numpy: Accumulator) -> None:
    for key, counts in numpy.counts.items():
        np.testing.assert_array_equal(compiled.counts[key], counts, err_msg=key)
    assert compiled.fev1_mean is not None and numpy.fev1_mean is not None
    np.testing.assert_allclose(compiled.fev1_mean, numpy.fev1_mean, rtol=1e-12)


def test_run_compiled__several_blocks_per_batch__same_counts_and_histogram() -> None:
    # Two full blocks and a partial one in the batch: with one batch the kernel's 5 mL histogram is the numpy
    # engine's, bin for bin, and every count is identical.
    n = 2 * _kernel.BLOCK + 77
    draws = draw(n, np.random.default_rng(11), batches=1)
    numpy, compiled = run(PERSON, draws, histogram=True), run_compiled(PERSON, draws)
    _assert_same(compiled, numpy)
    assert numpy.histogram is not None and compiled.histogram is not None
    np.testing.assert_array_equal(compiled.histogram, numpy.histogram)
    assert numpy.counts["death"][-1] > 0 and numpy.counts["cirrhosis"][0] > 0  # deaths and entry cirrhosis


def test_run_compiled__batches_split_into_blocks__same_per_batch_deaths_and_means() -> None:
    batches = 3
    draws = draw(batches * (_kernel.BLOCK + 5), np.random.default_rng(12), batches=batches)
    numpy, compiled = run(PERSON, draws, histogram=True), run_compiled(PERSON, draws)
    _assert_same(compiled, numpy)
    assert numpy.batch_death is not None and compiled.batch_death is not None
    assert numpy.batch_fev1 is not None and compiled.batch_fev1 is not None
    np.testing.assert_array_equal(compiled.batch_death, numpy.batch_death)
    np.testing.assert_allclose(compiled.batch_fev1, numpy.batch_fev1, rtol=1e-12)


def test_run_compiled__level_dependent_decline__same_counts() -> None:
    # The FEV1-level exponent is 0 in the table (the kernel then skips the power); any other value takes the
    # power path of every engine.
    with parameter_overrides({("decline_level_exponent", "all"): 0.5}):
        draws = draw(600, np.random.default_rng(13), batches=2)
        numpy, compiled = run(PERSON, draws, histogram=True), run_compiled(PERSON, draws)
    _assert_same(compiled, numpy)
    without = run_compiled(PERSON, draws).fev1_mean
    assert compiled.fev1_mean is not None and without is not None
    assert (compiled.fev1_mean[1:] > without[1:]).all()  # a slower decline at lower FEV1: the power was applied


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 1400), batches=st.integers(1, 6), age=st.integers(20, 85), measured=st.booleans(),
       genotype=st.sampled_from(["MM", "MZ", "SZ", "ZZ"]))
def test_run_compiled__any_number_of_people_and_batches__same_counts(n: int, batches: int, age: int,
                                                                      measured: bool, genotype: str) -> None:
    person = PERSON.with_changes(genotype=genotype, age=age, fev1_l=2.6 if measured else None,
                                 quit_age=max(52.0, age))
    draws = draw(n, np.random.default_rng(n), batches=min(batches, n))
    _assert_same(run_compiled(person, draws), run(person, draws, histogram=True))
