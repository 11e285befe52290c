"""The held-out published figures: well formed, never fitted, every one computable by the model."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from aatd.risk.lung import ASCERTAINMENT

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from verification.calibrate import free_parameters
from verification.progression import KINDS, Target, evaluate, targets

HELDOUT = targets(("heldout",))


def test_heldout_targets__at_least_25_with_population_ascertainment_and_ci() -> None:
    assert len(HELDOUT) >= 25
    assert len({t.target_id for t in HELDOUT}) == len(HELDOUT)
    for t in HELDOUT:
        assert t.ci_low <= t.value <= t.ci_high, t.target_id
        assert t.population and t.source and t.kind in KINDS
        assert t.design.ascertainment in (*ASCERTAINMENT, "mix"), t.target_id


def test_heldout_targets__kept_apart_from_the_calibration() -> None:
    # The calibration fits only calibration_targets.csv; no held-out figure repeats a fitted one.
    fitted = {(t.description, t.value) for t in targets(("calibrate",))}
    assert not fitted & {(t.description, t.value) for t in HELDOUT}
    assert {f.name for f in free_parameters()}  # the free parameters exist (bounds table readable)


@pytest.mark.parametrize("target", HELDOUT[::6], ids=lambda t: t.target_id)
def test_evaluate__every_kind_of_heldout_figure_is_computable(target: Target) -> None:
    model = evaluate(target, n=200)
    assert math.isfinite(model)
    assert model >= 0 or target.kind == "fev1_difference"
    assert target.verdict(model) in ("inside", "near", "outside")
