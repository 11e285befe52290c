"""Exact inference against pedprobr (R), the peer the issue names, on random looped pedigrees.

Skipped with the reason when ``Rscript`` or the pedprobr package is missing (CI has no R);
``R_LIBS`` may point at a private R library. The bridge (an R script fed a pedigree table) is
the one ``benchmarks/pedigree.py`` uses, loaded from there so the two cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aatd.family.inference import allele_model, infer


def _bench() -> ModuleType:
    path = Path(__file__).parents[2] / "benchmarks" / "pedigree.py"
    spec = importlib.util.spec_from_file_location("aatd_bench_pedigree", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look the module up by name
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
MISSING = BENCH.pedprobr_missing()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"pedprobr unavailable: {MISSING}")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_explicit_frequencies__match_pedprobr_on_looped_pedigrees(seed: int) -> None:
    rng = random.Random(seed)
    pedigree = BENCH.genotypes_only(BENCH.simulate(40, 0.5, seed))
    assert pedigree.consanguineous_couples(), "the case must have a loop"
    freqs = BENCH.random_frequencies(rng)
    model = allele_model(pedigree, frequencies=freqs)
    assert len(model.genotypes) == 6  # M/S/Z only: no residual allele with explicit frequencies summing to 1
    peer = BENCH.pedprobr_marginals(pedigree, freqs, limit=120.0)
    assert peer is not None, "pedprobr did not finish in 120 s"
    _, _, theirs = peer
    assert set(theirs) == set(pedigree.ids)
    assert BENCH.max_difference(infer(pedigree, model), model, theirs) <= 1e-9
