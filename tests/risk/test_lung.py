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
from aatd.risk.lung import (
    Accumulator,
    Profile,
    draw,
    low_fev1_excess,
    person_multiplier,
    run,
    run_compiled,
    simulate,
    simulate_reference,
)
from aatd.risk.mortality import CAUSES
from aatd.risk.parameters import batch_values, parameters

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from verification.progression import Target, evaluate, targets

ZZ_SMOKER = Profile(genotype="ZZ", sex=0, age=45, height_cm=165.0, smoking="current", pack_years=20.0, dust=True,
                    fev1_l=2.1)


def _run(profile: Profile, n: int = 60, seed: int = 5) -> Accumulator:
    return run(profile, draw(n, np.random.default_rng(seed)), keep_paths=True)


def _paths(profile: Profile, n: int = 60, seed: int = 5) -> np.ndarray:
    acc = _run(profile, n, seed)
    assert acc.people is not None
    return acc.people["paths"]


@pytest.mark.parametrize("liver_unknown", [False, True])
def test_run__matches_slow_reference(liver_unknown: bool) -> None:
    # Everything at once: parameter batches, a mixed ascertainment, smoking then a quit, liver cofactors.
    profile = ZZ_SMOKER.with_changes(augmentation_start_age=50.0, augmentation_applies=True, ascertainment="unknown",
                                     quit_age=55.0, alcohol="heavy", diabetes=True,
                                     liver_unknown_at_entry=liver_unknown)
    draws = draw(60, np.random.default_rng(2), batches=4)
    acc = run(profile, draws, keep_paths=True)
    reference, death_age, death_cause = simulate_reference(profile, draws)
    assert acc.people is not None
    np.testing.assert_allclose(acc.people["paths"], reference, rtol=1e-12)
    np.testing.assert_array_equal(acc.people["death_age"], death_age)
    np.testing.assert_array_equal(acc.people["death_cause"], death_cause)
    assert (death_cause > 0).any() and len(set(death_cause[death_cause > 0])) > 1
    if liver_unknown:  # silent cirrhosis before the current age: some people enter with it
        assert acc.counts["cirrhosis"][0] > 0


@pytest.mark.parametrize("liver_unknown", [False, True])
def test_run_compiled__counts_match_the_vectorised_engine(liver_unknown: bool) -> None:
    # The numba kernel (engine="compiled", used for a million lifetimes) against the numpy engine, same draws.
    profile = ZZ_SMOKER.with_changes(ascertainment="unknown", quit_age=55.0, alcohol="heavy", fev1_l=None,
                                     liver_unknown_at_entry=liver_unknown)
    draws = draw(400, np.random.default_rng(4), batches=4)
    numpy_acc, compiled_acc = run(profile, draws, histogram=True), run_compiled(profile, draws)
    for key, counts in numpy_acc.counts.items():
        np.testing.assert_array_equal(compiled_acc.counts[key], counts, err_msg=key)
    assert numpy_acc.fev1_mean is not None and compiled_acc.fev1_mean is not None
    np.testing.assert_allclose(compiled_acc.fev1_mean, numpy_acc.fev1_mean, rtol=1e-12)
    np.testing.assert_allclose(compiled_acc.fev1_quantiles(), numpy_acc.fev1_quantiles(), atol=0.011)
    assert numpy_acc.counts["lung_transplant"][-1] > 0  # the transplant paths are exercised
    if liver_unknown:
        assert numpy_acc.counts["liver_transplant"][-1] > 0


def test_simulate__same_seed_same_answer() -> None:
    a, b = simulate(ZZ_SMOKER, n=500, seed=7), simulate(ZZ_SMOKER, n=500, seed=7)
    np.testing.assert_array_equal(a.fev1_quantiles, b.fev1_quantiles)
    assert not np.array_equal(a.fev1_quantiles, simulate(ZZ_SMOKER, n=500, seed=8).fev1_quantiles)


@settings(max_examples=25, deadline=None)
@given(genotype=st.sampled_from(["MM", "MZ", "SZ", "ZZ"]), packs=st.floats(0, 40), extra=st.floats(0.1, 30),
       exposure=st.sampled_from(["dust", "secondhand_smoke", "asthma", "infections", "family_emphysema"]))
def test_run__more_exposure_never_helps(genotype: str, packs: float, extra: float, exposure: str) -> None:
    base = Profile(genotype=genotype, sex=1, age=50, height_cm=178.0, smoking="current", pack_years=packs)
    runs = {"base": _run(base), "smoke": _run(base.with_changes(pack_years=packs + extra)),
            "exposure": _run(base.with_changes(**{exposure: True}))}
    paths = {k: v.people["paths"] for k, v in runs.items() if v.people is not None}
    assert (paths["smoke"] <= paths["base"] + 1e-12).all() and (paths["exposure"] <= paths["base"] + 1e-12).all()
    assert (runs["smoke"].counts["death"] >= runs["base"].counts["death"]).all()
    assert (runs["exposure"].counts["death"] >= runs["base"].counts["death"]).all()


@settings(max_examples=25, deadline=None)
@given(early=st.integers(45, 88), later=st.integers(1, 30), genotype=st.sampled_from(["MM", "MZ", "ZZ", "Null"]))
def test_apply_scenario__quitting_earlier_never_hurts(early: int, later: int, genotype: str) -> None:
    base = Profile(genotype=genotype, sex=0, age=45, height_cm=165.0, smoking="current", pack_years=25.0)
    sooner, _ = apply_scenario(base, f"quit@{early}")
    later_quit = base if early + later >= 90 else apply_scenario(base, f"quit@{early + later}")[0]
    assert (_paths(sooner) >= _paths(later_quit) - 1e-12).all()
    assert (_run(sooner, 200, 1).counts["death"] <= _run(later_quit, 200, 1).counts["death"]).all()


@settings(max_examples=20, deadline=None)
@given(genotype=st.sampled_from(["MM", "MZ", "SZ", "ZZ", "Null"]), smoking=st.sampled_from(["never", "current"]),
       age=st.integers(20, 80), found=st.sampled_from(["family", "unknown"]))
def test_run__screened_never_fares_worse_than_index(genotype: str, smoking: str, age: int, found: str) -> None:
    person = Profile(genotype=genotype, sex=1, age=age, height_cm=175.0, smoking=smoking,
                     pack_years=20.0 if smoking == "current" else 0.0)
    index, screened = (_run(person.with_changes(ascertainment=a), 200, 3) for a in ("index", "screened"))
    other = _run(person.with_changes(ascertainment=found), 200, 3)
    assert index.people is not None and screened.people is not None and other.people is not None
    assert (screened.people["paths"] >= index.people["paths"] - 1e-12).all()
    assert (screened.counts["death"] <= index.counts["death"]).all()
    assert (other.counts["death"] <= index.counts["death"]).all()


@settings(max_examples=20, deadline=None)
@given(genotype=st.sampled_from(["MM", "MZ", "ZZ"]), smoking=st.sampled_from(["never", "current", "former"]),
       alcohol=st.sampled_from(["none", "very_heavy"]), age=st.integers(20, 85), batches=st.integers(1, 5),
       liver_unknown=st.booleans())
def test_run__causes_of_death_sum_to_all_deaths(genotype: str, smoking: str, alcohol: str, age: int,
                                                batches: int, liver_unknown: bool) -> None:
    person = Profile(genotype=genotype, sex=0, age=age, height_cm=165.0, smoking=smoking, alcohol=alcohol,
                     pack_years=0.0 if smoking == "never" else 30.0,
                     quit_age=float(age) if smoking == "former" else None, ascertainment="unknown",
                     liver_unknown_at_entry=liver_unknown)
    draws = draw(300, np.random.default_rng(age), batches)
    for acc in (run(person, draws), run_compiled(person, draws)):  # both engines
        by_cause = sum(acc.counts[f"death_{c}"] for c in CAUSES)
        np.testing.assert_array_equal(by_cause, acc.counts["death"])
        assert (np.diff(acc.counts["death"]) >= 0).all()


@settings(max_examples=15, deadline=None)
@given(genotype=st.sampled_from(["MM", "MZ", "SZ", "ZZ"]), age=st.integers(20, 85), i=st.integers(0, 2),
       diabetes=st.booleans())
def test_run__more_alcohol_or_unknown_liver_status_never_lowers_liver_risk(genotype: str, age: int, i: int,
                                                                           diabetes: bool) -> None:
    # Same people (common random numbers): more drinking, or cirrhosis that may already be present at the current
    # age, never lowers cirrhosis, liver cancer or death at any age.
    alcohol = ("none", "moderate", "heavy", "very_heavy")
    person = Profile(genotype=genotype, sex=1, age=age, height_cm=178.0, alcohol=alcohol[i], diabetes=diabetes)
    draws = draw(300, np.random.default_rng(age + i), 1)
    base = run(person, draws)
    for worse in (person.with_changes(alcohol=alcohol[i + 1]), person.with_changes(liver_unknown_at_entry=True)):
        acc = run(worse, draws)
        for key in ("cirrhosis", "liver_cancer", "death"):
            assert (acc.counts[key] >= base.counts[key]).all(), key


@given(st.lists(st.floats(0.0, 0.5), min_size=1, max_size=20))
def test_low_fev1_excess__band_rates_are_all_cause_so_the_background_is_not_counted_twice(
        background: list[float]) -> None:
    bg = np.array(background)
    low, mid = low_fev1_excess(bg)
    band_low, band_mid = parameters()[("mortality_hazard_fev1_below_30", "all")].value, parameters()[
        ("mortality_hazard_fev1_30_65", "all")].value
    assert (low >= 0).all() and (mid >= 0).all()
    # in the band, the all-cause hazard (background + excess) is the published band rate, or the background if higher
    np.testing.assert_allclose(bg + low, np.maximum(bg, band_low), rtol=0, atol=1e-15)
    np.testing.assert_allclose(bg + mid, np.maximum(bg, band_mid), rtol=0, atol=1e-15)
    assert (low >= mid).all()  # lower FEV1 never lowers the hazard


def test_batch_values__every_random_effect_keeps_its_mean() -> None:
    # No truncation shifts a mean: the average of many batch draws is the table value (and the person
    # multiplier averages exactly 1), for every uncertain parameter.
    z = np.random.default_rng(0).standard_normal(400_000)
    for (name, genotype), p in parameters().items():
        if p.sd:
            draws = batch_values(name, genotype, z)
            assert draws.mean() == pytest.approx(p.value, rel=0.01, abs=1e-9), (name, genotype)
            assert (draws >= 0).all()
    assert person_multiplier(z).mean() == pytest.approx(1.0, rel=0.01)


def test_simulate__batches_give_an_uncertainty_of_the_average() -> None:
    result = simulate(ZZ_SMOKER, n=2000, seed=1, batches=20)
    assert result.batch_fev1_mean is not None and result.batch_death is not None
    assert result.batch_fev1_mean.shape == (20, result.ages.size)
    np.testing.assert_allclose(result.batch_fev1_mean.mean(axis=0), result.fev1_mean, rtol=1e-9)
    assert result.batch_fev1_mean[:, -1].std() > 0
    central = simulate(ZZ_SMOKER, n=2000, seed=1)
    assert central.batch_fev1_mean is None


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
    # Values held in the cached per-profile schedule (transplant rates) follow the overrides too.
    transplants = simulate(profile, n=300, seed=1).probabilities["lung_transplant"][-1]
    with parameter_overrides({("lung_transplant_hazard", "all"): 0.0}):
        assert simulate(profile, n=300, seed=1).probabilities["lung_transplant"][-1] == 0.0
    assert transplants > 0 and simulate(profile, n=300, seed=1).probabilities["lung_transplant"][-1] == transplants


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
    with pytest.raises(InputError, match="ascertainment"):
        build_profile(genotype="ZZ", sex="female", age=45, height_cm=165, ascertainment="hospital")
    with pytest.raises(InputError, match="pack_years"):  # 20 cigarettes a day since 18 is about 27 pack-years
        build_profile(genotype="ZZ", sex="female", age=45, height_cm=165, smoking="current", pack_years=60,
                      cigarettes_per_day=20, smoking_start_age=18)
    with pytest.raises(InputError, match="cigarettes_per_day"):
        build_profile(genotype="ZZ", sex="female", age=45, height_cm=165, cigarettes_per_day=10)


def test_build_profile__pack_years_spread_over_the_years_actually_smoked() -> None:
    # A 21-year-old with 3 pack-years smoked since about 18: a pack a day, not 3 packs a day.
    young, _ = build_profile(genotype="ZZ", sex="male", age=21, height_cm=178, smoking="current", pack_years=3)
    assert young.cigarettes_per_day == pytest.approx(20.0)
    assert young.packs_per_day() == pytest.approx(1.0)
    given, _ = build_profile(genotype="ZZ", sex="male", age=40, height_cm=178, smoking="current",
                             cigarettes_per_day=10)
    assert given.pack_years == pytest.approx(0.5 * (40 - 18))
    derived, _ = build_profile(genotype="ZZ", sex="male", age=40, height_cm=178, smoking="current", pack_years=10,
                               cigarettes_per_day=20)
    assert derived.smoking_start() == pytest.approx(30.0)
    with pytest.raises(InputError, match="pack_years"):  # 5 pack-years in one year would be 100 a day
        build_profile(genotype="ZZ", sex="male", age=21, height_cm=178, smoking="current", pack_years=5,
                      smoking_start_age=20)


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
    assert answer["ascertainment"]["group"] == "unknown"
    assert sum(answer["ascertainment"]["weights"].values()) == pytest.approx(1.0)
    last = answer["outcomes"][-1]
    assert sum(last["death_by_cause"].values()) == pytest.approx(last["death"], abs=1e-3)
    assert last["survival"] == pytest.approx(1 - last["death"])
    shares = [v for v in answer["causes_of_death"].values() if v is not None]
    assert sum(shares) == pytest.approx(1.0, abs=1e-3)
    ct = answer["scenarios"]["augmentation"]["ct_lung_density"]
    assert ct["annual_loss_g_per_l"] < answer["ct_lung_density"]["annual_loss_g_per_l"] and "trial" in ct["label"]
    band = answer["uncertainty"]["by_age"][-1]
    assert answer["uncertainty"]["batches"] == 3 and band["fev1_mean_low"] <= band["fev1_mean_high"]


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

    order = [["MM"], ["MS"], ["MZ", "SS"], ["SZ"], ["ZZ"], ["Null"]]
    table = parameters()
    values = [[table[(name, g)].value for g in group] for group in order]
    for lower, higher in pairwise(values):
        assert max(lower) <= min(higher), (name, values)


def test_run__share_of_cirrhosis_decompensated_at_diagnosis_is_the_published_share() -> None:
    # Silent cirrhosis found at the current age is diagnosed then: the share already decompensated is Nilsson 2018's
    # 629 of 1317 (liver_parameters.csv), by counting simulated people (binomial SE about 0.01 here).
    from aatd.risk.liver import liver_value

    profile = Profile(genotype="ZZ", sex=1, age=70, height_cm=178.0, alcohol="very_heavy",
                      liver_unknown_at_entry=True)
    draws = draw(4000, np.random.default_rng(11))
    for acc in (run(profile, draws), run_compiled(profile, draws)):
        cirrhotic, decompensated = acc.counts["cirrhosis"][0], acc.counts["decompensated"][0]
        assert cirrhotic > 1500
        assert abs(decompensated / cirrhotic - liver_value("decompensated_at_diagnosis")) < 0.04
    assert liver_value("decompensated_at_diagnosis") == pytest.approx(629 / 1317, abs=0.001)
