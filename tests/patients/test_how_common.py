"""How common AATD is by country, in words: the numbers follow the country table, and every sentence
is true of its survey (found, not found, or only a ceiling)."""

from __future__ import annotations

import pytest

from aatd.errors import InputError
from aatd.knowledge import knowledge
from aatd.patients.how_common import how_common


def _two_figures(x: float) -> int:
    """Two significant figures by the format mini-language (independent of the module's arithmetic)."""
    return int(float(f"{x:.2g}"))


def test_spain__one_in_n_is_the_hardy_weinberg_inverse_of_the_table_frequencies() -> None:
    record = knowledge().countries["spain"]
    s, z = record.s, record.z  # per 1 (the table's per-1000 values / 1000)
    answer = how_common("Spain")
    zz, sz = answer["countries"][[r["country"] for r in answer["countries"]].index("Spain")]["types"]
    assert zz["people"] == _two_figures(1 / z ** 2) == 2600
    assert sz["people"] == _two_figures(1 / (2 * s * z)) == 250
    assert answer["sentences"][:2] == [
        "In Spain, about 1 in 2,600 people has two Z genes (ZZ), which means a severely low AAT level.",
        "And about 1 in 250 people has one S and one Z gene (SZ), also a severely low AAT level."]
    assert "survey of 1,116 people" in answer["sentences"][-1]
    assert answer["source"] is not None and "10562938" in answer["source"]


@pytest.mark.parametrize("name", sorted(c.country for c in knowledge().countries.values()))
def test_every_country__words_match_the_survey(name: str) -> None:
    record = knowledge().countries[name.lower()]
    answer = how_common(name)
    text = " ".join(answer["sentences"])
    assert "inf" not in text and " 0 " not in text
    if record.z == 0:
        assert "found no Z gene" in text and "(ZZ)" not in text.split("found no Z gene")[0]
    else:
        assert "has two Z genes (ZZ)" in text
        ceiling = "Z" in record.upper_bounds
        assert ("at most about 1 in" in text.split("(ZZ)")[0]) is ceiling
    if record.s == 0 and record.z > 0:
        assert "found no S gene" in text
    row = next(r for r in answer["countries"] if r["country"] == record.country)
    for one in row["types"]:
        unpublished = record.s is None and "S" in one["genotype"]
        assert (one["people"] is None) == (one["short"] in ("none found", "not known"))
        assert (one["short"] == "not known") is unpublished
    if record.s is None:
        assert "does not count the S gene" in text and "(MS)" not in text and "(SZ)" not in text


def test_z_only_survey__says_s_was_not_measured_and_counts_z_carriers() -> None:
    """Denmark's survey published Z only: ZZ from Z alone, SZ 'not known' (never 'none found'), and the
    people with one Z gene from 2z(1 - z), worked out here by hand from the table's Z (24.55 per 1000)."""
    z = 0.02455
    answer = how_common("Denmark")
    text = " ".join(answer["sentences"])
    assert f"about 1 in {round(1 / z**2, -2):,.0f} people has two Z genes (ZZ)" in text  # 1 in 1,659 -> 1,700
    assert "Many more people carry one Z gene: about 1 in 21." in text  # 1 / (2 * z * (1 - z)) = 20.9
    row = next(r for r in answer["countries"] if r["country"] == "Denmark")
    assert [t["short"] for t in row["types"]] == ["1,700", "not known"]
    spanish = how_common("Denmark", "es")
    assert "no cuenta el gen S" in " ".join(spanish["sentences"])
    assert next(r for r in spanish["countries"] if r["country"] == "Denmark")["types"][1]["short"] == "no se sabe"


def test_severity_words__are_the_core_severity_classes() -> None:
    """SZ is ten times as common as ZZ in Spain, so no sentence may call ZZ the most common severe type; the
    words for each type come from the core's severity classes."""
    from aatd.genetics.genotypes import parse_genotype
    from aatd.genetics.levels import Severity, genotype_severity

    assert genotype_severity(parse_genotype("ZZ")) == genotype_severity(parse_genotype("SZ")) == Severity.SEVERE
    for name in ("Spain", "Japan", "USA"):
        assert "most common" not in " ".join(how_common(name)["sentences"])


def test_a_ceiling_is_said_as_at_most() -> None:
    text = " ".join(how_common("Kazakhstan")["sentences"])
    assert "at most about 1 in 47,000 people has two Z genes" in text
    assert "Many more people carry one Z gene (MZ): at most about 1 in" in text


def test_no_country__every_row_and_no_sentences() -> None:
    answer = how_common(None)
    assert answer["sentences"] == [] and answer["country"] is None
    assert len(answer["countries"]) == len(knowledge().countries)


def test_unknown_country__input_error_naming_the_field() -> None:
    with pytest.raises(InputError) as caught:
        how_common("Narnia")
    assert caught.value.field == "country"


def test_spanish__translated_with_spanish_number_grouping() -> None:
    answer = how_common("Kazakhstan", language="es")
    assert answer["sentences"][0].startswith("En Kazajistán, como mucho alrededor de 1 de cada 47.000 personas")
    assert how_common("Spain", language="es")["sentences"][0].startswith("En España, alrededor de 1 de cada 2.600 ")


def test_every_region_and_place__has_a_spanish_name() -> None:
    rows = how_common(None, language="es")["countries"]
    assert all(row["region_name"] != row["region"] for row in rows), {r["region"] for r in rows}
    assert [r["region_name"] for r in rows] == sorted(r["region_name"] for r in rows)
    assert {r["name"] for r in rows} >= {"España", "Estados Unidos", "Japón", "Reino Unido"}
