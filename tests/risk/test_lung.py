"""The progression model: fast vs slow reference, reproducibility, monotonicity, published figures, answer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.risk.answers import apply_scenario, build_profile, describe_risk, model_genotype
from aatd.risk.lung import Profile, draw, parameters, run, simulate, simulate_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from verification.progression import Target, evaluate, targets

ZZ_SMOKER = Profile(genotype="ZZ", sex=0, age=45, height_cm=165.0, smoking="current", pack_years=20.0, dust=True,
                    fev1_l=2.1)


def _paths(profile: Profile, n: int = 60, seed: int = 5) -> np.ndarray:
    acc = run(profile, draw(n, np.random.default_rng(seed)), keep_paths=True)
    assert acc.paths is not None
    return acc.paths


def test_run__matches_slow_reference() -> None:
    draws = draw(40, np.random.default_rng(2))
    acc = run(ZZ_SMOKER.with_changes(augmentation_start_age=50.0, augmentation_applies=True), draws,
              keep_paths=True)
    reference, death_age = simulate_reference(
        ZZ_SMOKER.with_changes(augmentation_start_age=50.0, augmentation_applies=True), draws)
    assert acc.paths is not None and acc.death_age is not None
    np.testing.assert_allclose(acc.paths, reference, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(acc.death_age), np.isnan(death_age))


def test_simulate__same_seed_same_answer() -> None:
    a, b = simulate(ZZ_SMOKER, n=500, seed=7), simulate(ZZ_SMOKER, n=500, seed=7)
    np.testing.assert_array_equal(a.fev1_quantiles, b.fev1_quantiles)
    assert not np.array_equal(a.fev1_quantiles, simulate(ZZ_SMOKER, n=500, seed=8).fev1_quantiles)


@settings(max_examples=25, deadline=None)
@given(genotype=st.sampled_from(["MM", "MZ", "SZ", "ZZ"]), packs=st.floats(0, 40), extra=st.floats(0.1, 30),
       exposure=st.sampled_from(["dust", "secondhand_smoke", "asthma", "infections", "family_emphysema"]))
def test_run__more_exposure_never_raises_fev1(genotype: str, packs: float, extra: float, exposure: str) -> None:
    base = Profile(genotype=genotype, sex=1, age=50, height_cm=178.0, smoking="current", pack_years=packs)
    more_smoke = _paths(base.with_changes(pack_years=packs + extra))
    more_exposure = _paths(base.with_changes(**{exposure: True}))
    assert (more_smoke <= _paths(base) + 1e-12).all() and (more_exposure <= _paths(base) + 1e-12).all()


@settings(max_examples=25, deadline=None)
@given(quit_at=st.integers(45, 89), genotype=st.sampled_from(["MM", "MZ", "ZZ", "Null"]))
def test_apply_scenario__quitting_never_worsens(quit_at: int, genotype: str) -> None:
    base = Profile(genotype=genotype, sex=0, age=45, height_cm=165.0, smoking="current", pack_years=25.0)
    quitter, _ = apply_scenario(base, f"quit@{quit_at}")
    assert (_paths(quitter) >= _paths(base) - 1e-12).all()
    assert (run(quitter, draw(200, np.random.default_rng(1))).counts["death"]
            <= run(base, draw(200, np.random.default_rng(1))).counts["death"]).all()


# Targets the calibration cannot bring inside their CI, with the reason given in
# verification/results/calibration.md and docs/progression.md: they must stay within 3 SE.
STRUCTURAL_MISSES = {
    "T3": "register current smokers (index-heavy) vs population-based obstruction and screened-smoker mortality",
}


@pytest.mark.parametrize("target", targets(("calibrate", "check")), ids=lambda t: t.target_id)
def test_verification_target__within_published_ci(target: Target) -> None:
    # Every fitted (calibrate) and unfitted (check) target of calibration_targets.csv: Hiller 2019 declines,
    # Tanash 2017 screened never-smokers, Tanash 2010 screened smokers' SMR, Nakanishi 2020 UK Biobank odds
    # of FEV1/FVC < 0.70, Hersh 2004 MZ odds. Same seed and n as verification/calibrate.py's search.
    model = evaluate(target, n=2000)
    if target.target_id in STRUCTURAL_MISSES:
        assert abs(target.z(model)) < 3.0, f"{target.target_id}: model {model:.2f}, z {target.z(model):.2f}"
    else:
        assert target.within(model), f"{target.target_id}: model {model:.2f} outside {target.ci_low}-{target.ci_high}"


def test_parameter_overrides__change_the_simulation_and_restore() -> None:
    from aatd.risk.lung import parameter_overrides, value

    profile = Profile(genotype="ZZ", sex=0, age=40, height_cm=165.0, smoking="current", pack_years=20.0)
    base = simulate(profile, n=300, seed=1).fev1_quantiles
    with parameter_overrides({("smoking_excess_per_pack_day", "ZZ"): 2 * value("smoking_excess_per_pack_day", "ZZ")}):
        faster = simulate(profile, n=300, seed=1).fev1_quantiles
    assert faster[1, 20] < base[1, 20]  # median FEV1 at 60
    np.testing.assert_array_equal(simulate(profile, n=300, seed=1).fev1_quantiles, base)


def test_model_genotype__maps_rare_genotypes_by_level() -> None:
    assert model_genotype("PI*ZZ").model_class == "ZZ"
    assert model_genotype("Z/Mmalton").model_class == "ZZ"
    assert model_genotype("Null/Null").model_class == "Null"
    assert "mapped" in model_genotype("M/Null").mapping


def test_build_profile__names_bad_fields() -> None:
    with pytest.raises(InputError, match="pack_years"):
        build_profile(genotype="ZZ", sex="female", age=45, height_cm=165, smoking="current")
    with pytest.raises(InputError, match="age"):
        build_profile(genotype="ZZ", sex="female", age=15, height_cm=165)
    with pytest.raises(InputError, match="sex"):
        build_profile(genotype="ZZ", sex="x", age=45, height_cm=165)


def test_apply_scenario__rejects_unknown_and_wrong_smoker() -> None:
    profile, _ = build_profile(genotype="ZZ", sex="female", age=45, height_cm=165)
    with pytest.raises(InputError, match="scenario"):
        apply_scenario(profile, "quit@50")
    with pytest.raises(InputError, match="scenario"):
        apply_scenario(profile, "move-to-mars")


def test_describe_risk__answer_shape_and_provenance() -> None:
    answer = describe_risk(genotype="ZZ", sex="female", age=45, height_cm=165, smoking="current", pack_years=20,
                           scenarios=["quit@50", "augmentation"], n=300, seed=3)
    assert answer["fev1_trajectory"][0]["age"] == 45 and answer["fev1_trajectory"][-1]["age"] == 90
    first = answer["fev1_trajectory"][0]
    assert first["p10"] <= first["p50"] <= first["p90"]
    assert set(answer["scenarios"]) == {"quit@50", "augmentation"}
    assert answer["provenance"]["seed"] == 3 and answer["provenance"]["n"] == 300
    assert "clinical judgement" in answer["disclaimer"]
    known = {p.source for p in parameters().values()}
    assert known and all(s["citation"] for s in answer["sources"])


def test_simulate__dask_path_agrees_with_numpy() -> None:
    profile = Profile(genotype="MZ", sex=1, age=60, height_cm=175.0)
    dask = simulate(profile, n=4000, seed=1, chunk_size=2000, use_dask=True)
    numpy = simulate(profile, n=4000, seed=1)
    np.testing.assert_allclose(dask.fev1_quantiles[1], numpy.fev1_quantiles[1], atol=0.06)


def test_risk_cli__json_has_trajectory_and_scenarios() -> None:
    import json

    from typer.testing import CliRunner

    from aatd.cli import app

    result = CliRunner().invoke(app, ["risk", "--genotype", "MZ", "--sex", "male", "--age", "50", "--height-cm", "178",
                                      "--smoking", "current", "--pack-years", "30", "--scenario", "quit@55",
                                      "--n", "200", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fev1_trajectory"][0]["age"] == 50 and "quit@55" in data["scenarios"]


@pytest.mark.parametrize("name", ["excess_decline_never", "smoking_excess_per_pack_day"])
def test_parameters__excess_decline_rises_as_deficiency_worsens(name: str) -> None:
    """Genotypes ordered by expected AAT level must have non-decreasing excess decline (SZ <= ZZ <= Null...)."""
    from itertools import pairwise

    from aatd.risk.lung import parameters

    order = [["MM"], ["MS"], ["MZ", "SS"], ["SZ"], ["ZZ"], ["Null"]]
    table = parameters()
    values = [[table[(name, g)].value for g in group] for group in order]
    for lower, higher in pairwise(values):
        assert max(lower) <= min(higher), (name, values)
