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
    genotype_severity,
    inflammation_factor,
    level_distribution,
    level_likelihood,
    lower_limit_of_normal_umol_l,
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


def _model_row(obs: LevelObservation) -> bool:
    fitted = [o for o in PERCENTILE_ROWS if o.source in MODEL_SOURCES and o.genotype == obs.genotype
              and not (o.standard == "commercial" and o.unit != "umol/L")]
    ordered = sorted(fitted, key=lambda o: MODEL_SOURCES.index(o.source))
    return bool(ordered) and ordered[0] is obs


@pytest.mark.parametrize("obs", [o for o in PERCENTILE_ROWS if _model_row(o)],
                         ids=lambda o: f"{o.source}-{o.genotype}")
def test_model__reproduces_the_fitted_table_exactly(obs: LevelObservation) -> None:
    assert obs.low is not None and obs.high is not None
    dist = level_distribution(obs.genotype)
    assert dist.quantile(0.05) == pytest.approx(_umol(obs, obs.low), rel=1e-9)
    assert dist.quantile(0.95) == pytest.approx(_umol(obs, obs.high), rel=1e-9)


@pytest.mark.parametrize("obs", [o for o in PERCENTILE_ROWS if not _model_row(o) and o.genotype != "MM"
                                 and "/" not in o.genotype],
                         ids=lambda o: f"{o.source}-{o.genotype}-{o.unit}")
def test_model__range_overlaps_every_other_published_range(obs: LevelObservation) -> None:
    """Sources disagree (e.g. Brantly 1991 SS 20-48 uM vs SAPALDIA 14.0-20.4 uM; see docs/models.md), so the
    model reproduces one source exactly and must at least overlap every other published range."""
    assert obs.low is not None and obs.high is not None
    dist = level_distribution(obs.genotype)
    low, high = _umol(obs, obs.low), _umol(obs, obs.high)
    assert dist.quantile(0.05) <= high and low <= dist.quantile(0.95), f"{low:.1f}-{high:.1f} ({obs.source})"


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


def test_severity__sz_is_below_the_protective_threshold_in_the_model() -> None:
    assert level_distribution("SZ").median < protective_threshold_umol_l()
    assert genotype_severity("SZ") is Severity.SEVERE


def test_severity__order_follows_expected_level() -> None:
    rank = {Severity.NORMAL: 0, Severity.INTERMEDIATE: 1, Severity.SEVERE: 2, Severity.ABSENT: 3}
    gs = sorted(all_genotypes(["M", "S", "Z", "Null"]), key=lambda g: -level_distribution(g).median)
    ranks = [rank[genotype_severity(g)] for g in gs]
    assert ranks == sorted(ranks)


def test_classify__thresholds() -> None:
    assert classify_umol_l(protective_threshold_umol_l() - 0.01) is Severity.SEVERE
    assert classify_umol_l(protective_threshold_umol_l() + 0.01) is Severity.INTERMEDIATE
    assert classify_umol_l(lower_limit_of_normal_umol_l() + 0.01) is Severity.NORMAL
    assert classify_umol_l(0.0) is Severity.ABSENT


@given(st.floats(min_value=0.0, max_value=1000.0), st.sampled_from(list(Unit)), st.sampled_from(list(Method)))
def test_units__round_trip(value: float, unit: Unit, method: Method) -> None:
    assert from_umol_l(to_umol_l(value, unit, method), unit, method) == pytest.approx(value, rel=1e-12, abs=1e-12)


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
