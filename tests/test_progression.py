"""The progression model: fast vs slow reference, reproducibility, monotonicity, published figures, answer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.progression import apply_scenario, build_profile, describe_risk, model_genotype
from aatd.simulation import Profile, draw, parameters, run, simulate, simulate_reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from verification.progression import death_rate_ratio, register_decline

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


@pytest.mark.parametrize(("smoking", "low", "high"), [("never", 25, 38), ("former", 36, 48), ("current", 56, 83)])
def test_register_decline__within_hiller_2019_ci(smoking: str, low: float, high: float) -> None:
    # Hiller 2019 (Swedish register, PMID 31213789): 32 (25-38), 42 (36-48), 70 (56-83) mL/yr
    assert low <= register_decline(smoking, n=1500) <= high


def test_death_rate_ratio__within_tanash_2017_ci() -> None:
    # Tanash 2017: never-smoking ZZ found by screening vs never-smoking controls HR 1.2 (0.6-2.2)
    assert 0.6 <= death_rate_ratio("ZZ", n=8000) <= 2.2


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
