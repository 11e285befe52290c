"""The level model against the published tables, units, severity and likelihoods."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, all_genotypes
from aatd.genetics.levels import (
    MODEL_SOURCES,
    Severity,
    classify_umol_l,
    detection_limit_umol_l,
    genotype_classes,
    genotype_severity,
    inflammation_factor,
    level_distribution,
    level_likelihood,
    lower_limit_of_normal_umol_l,
    pooled_model,
    protective_threshold_umol_l,
)
from aatd.genetics.units import Level, Method, Unit, from_umol_l, mg_dl_per_umol_l, parse_method, parse_unit, to_umol_l
from aatd.knowledge import LevelObservation, knowledge

PERCENTILE_ROWS = [o for o in knowledge().levels if o.statistic in ("p5_p95", "range", "p2.5_p97.5")
                   and "adjusted" not in o.population.lower()]


def _umol(obs: LevelObservation, value: float) -> float:
    method = parse_method(obs.method) if obs.method in {m.value for m in Method} else Method.UNSPECIFIED
    if obs.standard == "commercial" and obs.unit != "umol/L":
        method = Method.RADIAL_IMMUNODIFFUSION
    return to_umol_l(value, parse_unit(obs.unit), method)


def test_model__pools_exactly_the_declared_sources() -> None:
    assert {r.study for r in pooled_model().ranges} == set(MODEL_SOURCES)


def test_model__every_genotype_with_two_or_more_studies_is_pooled() -> None:
    model = pooled_model()
    for genotype in ("MM", "MS", "MZ", "SS", "SZ", "ZZ"):
        assert sum(r.genotype == genotype for r in model.ranges) >= 2, genotype
        assert level_distribution(genotype).sigma == pytest.approx(model.sigma(genotype))


def test_model__spread_includes_between_assay_variance() -> None:
    model = pooled_model()
    assert model.between_var > 0
    for genotype, within in model.within_var.items():
        assert model.sigma(genotype) > math.sqrt(within), genotype


@pytest.mark.parametrize("obs", [o for o in PERCENTILE_ROWS if "/" not in o.genotype and o.low and o.low > 0
                                 and not (o.standard == "commercial" and o.unit != "umol/L")],
                         ids=lambda o: f"{o.source}-{o.genotype}-{o.unit}")
def test_model__range_overlaps_every_published_range(obs: LevelObservation) -> None:
    """Sources disagree (e.g. Brantly 1991 SS 20-48 uM vs SAPALDIA 14.0-20.4 uM; see docs/models.md): the pooled
    model must overlap every published range and hold each range's midpoint inside its 1st-99th percentiles."""
    assert obs.low is not None and obs.high is not None
    dist = level_distribution(obs.genotype)
    low, high = _umol(obs, obs.low), _umol(obs, obs.high)
    assert dist.quantile(0.05) <= high and low <= dist.quantile(0.95), f"{low:.1f}-{high:.1f} ({obs.source})"
    assert dist.quantile(0.01) <= math.sqrt(low * high) <= dist.quantile(0.99)


def test_model__sz_at_45_mg_dl_is_within_the_sz_range() -> None:
    """Issue 12: a typical SZ level (Sanders IQR 46.4-61 mg/dL) must not be called discordant."""
    dist = level_distribution("SZ")
    x = to_umol_l(45, Unit.MG_DL, Method.NEPHELOMETRY)
    assert dist.quantile(0.05) < x < dist.quantile(0.95)


@pytest.mark.parametrize("obs", [o for o in knowledge().levels if o.statistic == "median"
                                 and not o.population.lower().startswith(("inflamed", "adjusted"))
                                 and "/" not in o.genotype],
                         ids=lambda o: f"{o.source}-{o.genotype}")
def test_model__published_medians_lie_within_the_model_5_95_range(obs: LevelObservation) -> None:
    assert obs.median is not None
    dist = level_distribution(obs.genotype)
    assert dist.quantile(0.05) <= _umol(obs, obs.median) <= dist.quantile(0.95)


def test_severity__classes_of_the_common_genotypes() -> None:
    expected = {"MM": "normal", "MS": "normal", "MZ": "intermediate", "SS": "intermediate", "ZZ": "severe",
                "Z/Null": "severe", "Null/Null": "absent"}
    assert {g: genotype_severity(g).value for g in expected} == expected


def test_severity__sz_straddles_the_threshold_and_is_cited_severe() -> None:
    dist = level_distribution("SZ")
    assert dist.quantile(0.05) < protective_threshold_umol_l() < dist.quantile(0.95)
    assert genotype_severity("SZ") is Severity.SEVERE  # pmc8367212 Table 2


def test_severity__cited_classes_resolve_and_cover_the_common_genotypes() -> None:
    classes = genotype_classes()
    assert {"MM", "MS", "MZ", "SS", "SZ", "ZZ", "Null/Null"} <= set(classes)


def test_severity__order_follows_expected_level() -> None:
    rank = {Severity.NORMAL: 0, Severity.INTERMEDIATE: 1, Severity.SEVERE: 2, Severity.ABSENT: 3}
    gs = sorted(all_genotypes(["M", "S", "Z", "Null"]), key=lambda g: -level_distribution(g).median)
    ranks = [rank[genotype_severity(g)] for g in gs]
    assert ranks == sorted(ranks)


def test_classify__thresholds() -> None:
    assert classify_umol_l(protective_threshold_umol_l() - 0.01) is Severity.SEVERE
    assert classify_umol_l(protective_threshold_umol_l() + 0.01) is Severity.INTERMEDIATE
    assert classify_umol_l(lower_limit_of_normal_umol_l() + 0.01) is Severity.NORMAL
    assert classify_umol_l(0.0, censored=True) is Severity.ABSENT


@given(st.floats(min_value=0.0, max_value=300.0, allow_nan=False))
def test_classify__a_numeric_level_is_never_absent(umol: float) -> None:
    """Issue 12: 'absent' only for a censored, undetectable result (or two null alleles)."""
    assert classify_umol_l(umol) is not Severity.ABSENT


@given(st.floats(min_value=0.0, max_value=1000.0), st.sampled_from(list(Unit)), st.sampled_from(list(Method)))
def test_units__round_trip(value: float, unit: Unit, method: Method) -> None:
    # µmol/L is rounded to 9 decimals (review 2, wave 8): at most 7.3 mg/dL per µmol/L brings back < 1e-8
    assert from_umol_l(to_umol_l(value, unit, method), unit, method) == pytest.approx(value, rel=1e-12, abs=1e-8)


def test_units__g_l_and_mg_dl_differ_by_100() -> None:
    assert to_umol_l(1.0, Unit.G_L) == pytest.approx(to_umol_l(100.0, Unit.MG_DL))


def test_units__rid_reads_higher_than_purified_standard() -> None:
    assert mg_dl_per_umol_l(Method.RADIAL_IMMUNODIFFUSION) > mg_dl_per_umol_l(Method.NEPHELOMETRY)
    k = knowledge()
    rid_threshold = k.constant("protective_threshold_mg_dl_rid")
    assert to_umol_l(rid_threshold, Unit.MG_DL, Method.RADIAL_IMMUNODIFFUSION) == pytest.approx(
        k.constant("protective_threshold_umol_l"))


def test_units__ats_commercial_mg_dl_agrees_with_its_umol_l_through_rid_factor() -> None:
    ats = [o for o in knowledge().levels if o.source == "ats_ers2003" and o.statistic == "range"]
    by_unit = {(o.genotype, o.unit): o for o in ats}
    pairs = [(g, by_unit[(g, "mg/dL")], by_unit[(g, "umol/L")]) for g, u in by_unit if u == "mg/dL"
             and (g, "umol/L") in by_unit]
    assert pairs
    for g, mg, um in pairs:
        assert mg.low is not None and um.low is not None and mg.high is not None and um.high is not None
        mid_mg = math.sqrt(mg.low * mg.high) / mg_dl_per_umol_l(Method.RADIAL_IMMUNODIFFUSION)
        mid_um = math.sqrt(um.low * um.high)
        assert mid_mg == pytest.approx(mid_um, rel=0.25), g


@pytest.mark.parametrize(("value", "unit", "field"), [(-1, "mg/dL", "level.value"), (50, "mg/mL", "level.unit"),
                                                      (float("nan"), "g/L", "level.value"),
                                                      ("abc", "g/L", "level.value")])
def test_level_parse__errors_name_the_field(value: float | str, unit: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        Level.parse(value, unit)
    assert info.value.field == field


def test_level_parse__censored_value() -> None:
    level = Level.parse("<20", "mg/dL")
    assert level.below and level.value == 20
    assert level_likelihood(level, "Null/Null") == pytest.approx(1.0)
    assert level_likelihood(level, "MM") < 1e-6


def test_likelihood__densities_integrate_to_one() -> None:
    for g in ("MM", "MZ", "ZZ", "Z/Null", "Null/Null", "Z/Mmalton"):
        dist = level_distribution(g)
        lo, hi = (0.0, 2 * detection_limit_umol_l()) if dist.absent else (dist.quantile(1e-5), dist.quantile(1 - 1e-5))
        xs = [lo + i * (hi - lo) / 20000 for i in range(20001)]
        step = xs[1] - xs[0]
        area = sum(dist.pdf(x) for x in xs) * step
        assert area == pytest.approx(1.0, abs=2e-3), g


def test_likelihood__low_level_favours_zz_over_mz() -> None:
    level = Level.parse(25, "mg/dL", "nephelometry")
    assert level_likelihood(level, Genotype.of("Z", "Z")) > 1000 * level_likelihood(level, Genotype.of("M", "Z"))


def test_inflammation__raises_the_expected_level() -> None:
    for g in ("MM", "MZ", "SZ"):
        assert inflammation_factor(g) > 1.0
        assert level_distribution(g, inflamed=True).median > level_distribution(g).median
    assert level_distribution("Null/Null", inflamed=True).absent


def test_calibration_plots__are_current() -> None:
    """docs/img/level-calibration-*.svg are regenerated by scripts/plot_level_calibration.py."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "scripts" / "plot_level_calibration.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
