"""Units and assays: conversions follow the cited constants, censored results parse, bad units are named."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.genetics.units import (
    CONVERSION_DECIMALS,
    Level,
    Method,
    Unit,
    from_umol_l,
    mg_dl_per_umol_l,
    parse_unit,
    to_umol_l,
)


def test_conversion__11_um_is_57_2_mg_dl_at_52_kda() -> None:
    """11 µmol/L x 52,000 g/mol = 572 mg/L = 57.2 mg/dL (Brantly 1991, 52 kDa)."""
    assert math.isclose(from_umol_l(11, Unit.MG_DL, Method.NEPHELOMETRY), 57.2)
    assert math.isclose(mg_dl_per_umol_l(Method.NEPHELOMETRY), 5.2)


def test_conversion__rid_commercial_standard_reads_80_mg_dl_at_11_um() -> None:
    """ATS/ERS and Stoller 1996: the protective 11 µM is about 80 mg/dL by the commercial (RID) standard."""
    assert math.isclose(from_umol_l(11, Unit.MG_DL, Method.RADIAL_IMMUNODIFFUSION), 80)


def test_conversion__one_g_l_is_100_mg_dl() -> None:
    assert math.isclose(to_umol_l(1.0, Unit.G_L), to_umol_l(100.0, Unit.MG_DL))


@given(st.floats(0.01, 500), st.sampled_from(list(Unit)), st.sampled_from(list(Method)))
def test_conversion__round_trips(umol_l: float, unit: Unit, method: Method) -> None:
    # to_umol_l rounds to CONVERSION_DECIMALS decimals (one value, one side of every threshold): review 2, wave 8
    back = to_umol_l(from_umol_l(umol_l, unit, method), unit, method)
    assert math.isclose(back, umol_l, rel_tol=1e-12, abs_tol=10.0 ** -CONVERSION_DECIMALS)


def test_level__censored_result_is_an_upper_bound() -> None:
    level = Level.parse("<20", "mg/dL", "nephelometry")
    assert level.below and level.value == 20 and str(level) == "<20 mg/dL, nephelometry"


@pytest.mark.parametrize(("value", "expected"), [("lots", "a number"), (-1, "zero or more"),
                                                 (float("nan"), "finite"), (True, "finite")])
def test_level__bad_value_names_the_field(value: object, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as info:
        Level.parse(value, "mg/dL")  # type: ignore[arg-type]
    assert info.value.field == "level.value"


def test_parse_unit__spellings_and_error() -> None:
    assert parse_unit("umol/L") is Unit.UMOL_L and parse_unit("µmol/L") is Unit.UMOL_L
    with pytest.raises(InputError) as info:
        parse_unit("furlongs")
    assert info.value.field == "unit"


# --- review 2 (wave 8): one level, one answer, in every unit --------------------------------------------


def test_to_umol_l__the_threshold_in_g_per_l_is_exactly_the_threshold_in_mg_per_dl() -> None:
    # unrounded, 0.572 g/L gave 10.999999999999998 umol/L: "below 11" and eligible, where 57.2 mg/dL was not
    assert Level.parse("0.572", "g/L", "nephelometry").umol_l == 11.0
    assert Level.parse("57.2", "mg/dL", "nephelometry").umol_l == 11.0


@given(tenths=st.integers(0, 10_000), method=st.sampled_from(list(Method)))
def test_to_umol_l__mg_per_dl_and_g_per_l_agree_to_the_bit(tenths: int, method: Method) -> None:
    mg_dl, g_l = f"{tenths / 10:.1f}", f"{tenths / 1000:.3f}"
    assert Level.parse(mg_dl, "mg/dL", method).umol_l == Level.parse(g_l, "g/L", method).umol_l


@given(value=st.floats(0.0, 80.0), limit=st.sampled_from([11.0, 20.2, 5.0]))
def test_shown_against__never_prints_a_value_on_the_other_side_of_the_limit(value: float, limit: float) -> None:
    from aatd.genetics.units import shown_against

    printed = float(shown_against(value, limit))
    assert (printed < limit) == (value < limit) and (printed == limit) == (value == limit)


@pytest.mark.parametrize(("text", "unit", "value", "below"), [
    ("1,2", "g/L", 1.2, False), ("45,5", "mg/dL", 45.5, False), ("<0,2", "g/L", 0.2, True),
    (" 11,05 ", "umol/L", 11.05, False)])
def test_level_parse__reads_a_decimal_comma_as_spanish_and_european_reports_write_it(
        text: str, unit: str, value: float, below: bool) -> None:
    level = Level.parse(text, unit)
    assert level.value == pytest.approx(value) and level.below is below


@pytest.mark.parametrize("text", ["1,200", "1,2,3", ",5", "1,"])
def test_level_parse__refuses_a_comma_that_could_be_a_thousands_separator(text: str) -> None:
    with pytest.raises(InputError, match=r"level\.value"):
        Level.parse(text, "mg/dL")


@pytest.mark.parametrize(("text", "below"), [("<20", True), ("<=20", True), ("≤ 20", True), ("=<20", True),
                                             (" 20 ", False), ("+20", False), ("20.", False)])
def test_level_parse__one_qualifier_of_at_most_marks_a_censored_result(text: str, below: bool) -> None:
    level = Level.parse(text, "mg/dL")
    assert (level.value, level.below) == (20.0, below)


@pytest.mark.parametrize("text", ["<<20", "< <20", "<=<20", "20<", "<20<", ">20", ">=20", "≥20", "<>20", "=20",
                                  "1_000", "٢٠", "20 mg/dL", "<", "", "nan", "inf"])
def test_level_parse__refuses_a_repeated_qualifier_or_anything_around_the_number(text: str) -> None:
    """``<<20`` was read as ``<20`` (second review); one qualifier and one plain number, nothing else."""
    with pytest.raises(InputError, match=r"level\.value: got .*one '<'"):
        Level.parse(text, "mg/dL")


# --- CRP: a quantity with a unit (mg/L or mg/dL), converted once -------------------------------


def test_crp__one_mg_dl_is_ten_mg_l_as_the_cited_table_says() -> None:
    """UCUM: 1 mg/dL = 1 mg per 0.1 L = 10 mg/L; the factor is the table's (``crp_mg_l_per_mg_dl``)."""
    from aatd.genetics.units import Crp, CrpUnit, crp_mg_l_per_unit
    from aatd.knowledge import knowledge

    assert knowledge().constant("crp_mg_l_per_mg_dl") == 10
    assert crp_mg_l_per_unit(CrpUnit.MG_DL) == 10 and crp_mg_l_per_unit(CrpUnit.MG_L) == 1
    assert Crp.parse("1.2", "mg/dL") == Crp(1.2, CrpUnit.MG_DL, 12.0)
    assert Crp.parse("1,2", "mg/dL").mg_l == 12.0  # a decimal comma, as Level reads it
    assert Crp.parse(12).unit is CrpUnit.MG_L and Crp.parse(12).mg_l == 12.0  # mg/L when no unit is named


@pytest.mark.parametrize(("spelling", "unit"), [("mg/L", "mg/L"), (" MG/L ", "mg/L"), ("mg/dL", "mg/dL"),
                                                 ("mg/dl", "mg/dL"), ("mg / dL", "mg/dL"), ("mg/100mL", "mg/dL")])
def test_crp__unit_spellings(spelling: str, unit: str) -> None:
    from aatd.genetics.units import parse_crp_unit

    assert parse_crp_unit(spelling).value == unit


@pytest.mark.parametrize("unit", ["mmol/L", "g/L", "mg/L/", "nmol/L", "ug/mL", "", 10])
def test_crp__any_other_unit_is_refused_naming_the_field(unit: object) -> None:
    """µg/mL happens to equal mg/L, but aatd does not guess: only the two units on reports are taken."""
    from aatd.genetics.units import Crp

    with pytest.raises(InputError) as caught:
        Crp.parse(3, unit)  # type: ignore[arg-type]
    assert caught.value.field == "crp_unit" and caught.value.value == unit
    assert "mg/L or mg/dL" in caught.value.expected


@pytest.mark.parametrize(("value", "unit"), [(-1, "mg/L"), ("-0.1", "mg/dL"), ("lots", "mg/L"), (math.nan, "mg/L"),
                                             (math.inf, "mg/dL"), (True, "mg/L"), ("1,200", "mg/L")])
def test_crp__a_value_that_is_not_a_crp_is_refused_in_its_unit(value: object, unit: str) -> None:
    from aatd.genetics.units import Crp

    with pytest.raises(InputError) as caught:
        Crp.parse(value, unit)  # type: ignore[arg-type]
    assert caught.value.field == "crp" and caught.value.expected == f"a CRP of zero or more, in {unit}"


def test_crp__shown_as_entered_and_in_mg_l_when_converted() -> None:
    from aatd.genetics.units import Crp

    assert str(Crp.parse(1.2, "mg/dL")) == "1.2 mg/dL (12 mg/L)"
    assert str(Crp.parse(12, "mg/L")) == "12 mg/L"
    assert str(Crp.parse(0.3, "mg/dL")) == "0.3 mg/dL (3 mg/L)"  # rounded: 0.3 x 10 is 3.0000000000000004


@given(st.floats(min_value=0, max_value=1e4, allow_nan=False, allow_infinity=False))
def test_crp__x_mg_dl_and_10x_mg_l_are_the_same_crp(x: float) -> None:
    from aatd.genetics.units import Crp

    assert Crp.parse(x, "mg/dL").mg_l == Crp.parse(10 * x, "mg/L").mg_l


def test_crp__below_a_reporting_limit_at_or_under_the_cut_off_is_below_it() -> None:
    """'<5 mg/L' (a common reporting limit) is below the 5 mg/L cut-off; read as 5 it was called raised."""
    from aatd.genetics.levels import crp_is_raised
    from aatd.genetics.units import Crp

    for text, unit, shown in (("<5", "mg/L", "<5 mg/L"), ("<0.5", "mg/dL", "<0.5 mg/dL (<5 mg/L)"),
                              ("< 3", "mg/L", "<3 mg/L")):
        crp = Crp.parse(text, unit)
        assert crp.below and str(crp) == shown and crp_is_raised(crp) is False
    assert crp_is_raised(Crp.parse("5")) is True and crp_is_raised(Crp.parse("0.5", "mg/dL")) is True
    assert crp_is_raised(None) is False


@pytest.mark.parametrize(("text", "unit"), [("<10", "mg/L"), ("<0.6", "mg/dL"), ("<5.01", "mg/L")])
def test_crp__below_a_limit_above_the_cut_off_is_refused_as_undecidable(text: str, unit: str) -> None:
    from aatd.genetics.units import Crp

    with pytest.raises(InputError) as caught:
        Crp.parse(text, unit)
    assert caught.value.field == "crp" and caught.value.value == text
    assert "'<' with a limit of at most" in caught.value.expected and "cut-off (5 mg/L)" in str(caught.value)


@pytest.mark.parametrize("text", ["<<5", "< <5", "5<", ">5", "≥5", "=5", "5 mg/L", "1_0", "<", "", "nan", "inf"])
def test_crp_parse__the_same_grammar_as_a_level(text: str) -> None:
    """One '<' at most and one plain number, as :func:`Level.parse` reads a level (``<<5`` was read as ``<5``)."""
    from aatd.genetics.units import Crp

    with pytest.raises(InputError, match=r"crp: got .*a CRP of zero or more, in mg/L"):
        Crp.parse(text, "mg/L")


@pytest.mark.parametrize(("text", "below", "value"), [("<5", True, 5.0), ("<=5", True, 5.0), ("≤ 0,5", True, 0.5),
                                                      (" 12 ", False, 12.0), ("1,2", False, 1.2)])
def test_crp_parse__one_qualifier_and_a_decimal_comma(text: str, below: bool, value: float) -> None:
    from aatd.genetics.units import Crp

    crp = Crp.parse(text, "mg/L")
    assert (crp.below, crp.value) == (below, value)
