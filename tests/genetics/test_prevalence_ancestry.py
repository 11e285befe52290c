"""Ancestry-group allele frequencies (issue 18): the cited table, its arithmetic and the typed answer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import DataError, InputError
from aatd.genetics.answers import describe_prevalence
from aatd.genetics.prevalence import allele_frequencies, ancestry, carrier_frequency, hardy_weinberg
from aatd.knowledge import data_directory, knowledge, load_knowledge

GROUPS = sorted({record.group for record in knowledge().ancestries.values()})
EXPECTED_GROUPS = [
    "White British",  # UK Biobank, Hakim 2021 (Z only)
]


def _wilson(successes: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95% interval, written out here independently of the table."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5 / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def test_ancestry_table__lists_the_expected_groups() -> None:
    assert sorted(EXPECTED_GROUPS) == GROUPS


@pytest.mark.parametrize("name", EXPECTED_GROUPS)
def test_ancestry_table__every_row_resolves_its_source_and_states_its_basis(name: str) -> None:
    record = ancestry(name)
    cited = knowledge().cite(record.source)
    assert cited and all(s.year and s.link.startswith("https://") for s in cited)
    assert record.basis in ("published", "derived") and record.dataset
    if record.basis == "derived":
        assert "DERIVED" in record.notes  # the derivation is written out in the row
    if record.s is None:
        assert "NOT REPORTED" in record.notes and record.s_ci is None
    assert record.people is not None and record.people > 0
    for point, interval in ((record.s, record.s_ci), (record.z, record.z_ci)):
        if point is not None:
            assert interval is not None and interval[0] <= point <= interval[1]


def test_ancestry_table__white_british_z_is_counted_from_the_abstract() -> None:
    # Hakim 2021: 12,603 Z heterozygotes and 129 Z homozygotes among 312,671 unrelated white British participants.
    heterozygotes, homozygotes, people = 12_603, 129, 312_671
    z_alleles, alleles = heterozygotes + 2 * homozygotes, 2 * people
    record = ancestry("White British")
    assert (record.people, record.allele_number, record.z_count) == (people, alleles, z_alleles)
    assert record.z == pytest.approx(z_alleles / alleles, abs=5e-6)  # the table keeps 0.01 per 1000
    assert record.z_ci == pytest.approx(_wilson(z_alleles, alleles), abs=5e-6)
    assert record.s is None and record.s_count is None
    # the Hardy-Weinberg cross-check the notes quote: 140 ZZ of 458,164 (Nakanishi 2020) gives 17.5 per 1000
    zz_based = (140 / 458_164) ** 0.5
    assert "17.5 per 1000" in record.notes and round(zz_based * 1000, 1) == 17.5


def test_ancestry__found_by_alias_and_case() -> None:
    assert ancestry("uk biobank white british") is ancestry("WHITE BRITISH")


def test_ancestry__unknown_group_names_the_field_and_lists_the_groups() -> None:
    with pytest.raises(InputError) as info:
        ancestry("Atlantean")
    assert info.value.field == "ancestry" and "White British" in str(info.value)


def test_describe_prevalence__without_s_gives_only_what_z_alone_determines() -> None:
    data = describe_prevalence(ancestry_name="White British", population=1_000_000)
    z = ancestry("White British").z
    assert data["allele_frequencies"] == {"Z": z}  # no M: it would silently absorb the unreported S
    assert data["genotypes"] == {"ZZ": {"frequency": pytest.approx(z * z), "count": round(z * z * 1_000_000)}}
    assert data["unreported_alleles"] == ["S"]
    assert data["carriers"] == {"Z": pytest.approx(2 * z * (1 - z) + z * z)}
    assert data["ancestry"] == "White British" and data["dataset"] == "UK Biobank"
    assert data["basis"] == "derived" and data["sample_size"] == 312_671 and "doi:10.1002/hep4.1718" in data["source"]
    assert list(data["confidence_intervals"]) == ["Z"]


def test_describe_prevalence__a_country_and_an_ancestry_group_together_are_refused() -> None:
    with pytest.raises(InputError) as info:
        describe_prevalence(country_name="Ireland", ancestry_name="White British")
    assert info.value.field == "ancestry"


@given(st.floats(0, 0.5), st.floats(0, 0.5))
def test_carrier_frequency__equals_the_genotypes_that_carry_the_allele(s: float, z: float) -> None:
    dist = hardy_weinberg(allele_frequencies(s, z))
    for allele, p in (("S", s), ("Z", z)):
        carrying = sum(f for g, f in dist.items() if allele in (g.first, g.second))
        assert carrier_frequency(p) == pytest.approx(carrying, abs=1e-12)


# --- the loader refuses rows whose arithmetic or names do not hold -------------------------------------------------

HEADER = ("group,aliases,dataset,people,allele_number,s_count,z_count,pi_s_per_1000,pi_z_per_1000,"
          "pi_s_ci_low,pi_s_ci_high,pi_z_ci_low,pi_z_ci_high,basis,source,source_locator,notes\n")


def _tables_with(tmp_path: Path, rows: str) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(data_directory(), directory)
    (directory / "ancestry_frequencies.csv").write_text(HEADER + rows, encoding="utf-8")
    return directory


@pytest.mark.parametrize(("rows", "message"), [
    ("A,,D,100,200,,3,,20.0,,,5,40,derived,hakim2021,,n\n", "is not 3 / 200"),
    ("A,,D,100,,,3,,15.0,,,5,40,derived,hakim2021,,n\n", "need the allele_number"),
    ("A,,D,100,200,2,3,,15.0,,,5,40,derived,hakim2021,,n\n", "s_count is given"),
    ("A,,D,100,200,,3,,15.0,,,20,40,derived,hakim2021,,n\n", "does not bracket"),
    ("A,B,D,100,200,,3,,15.0,,,5,40,derived,hakim2021,,n\nB,,D,100,200,,3,,15.0,,,5,40,derived,hakim2021,,n\n",
     "duplicate ancestry group or alias 'B'"),
    ("A,,D,100,200,,3,,15.0,,,5,40,derived,nosuchsource,,n\n", "not in sources.csv"),
])
def test_load_knowledge__refuses_inconsistent_ancestry_rows(tmp_path: Path, rows: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_knowledge(_tables_with(tmp_path, rows))


def test_load_knowledge__accepts_a_row_with_s_and_z_counts(tmp_path: Path) -> None:
    row = "Test group,tg,Test panel,100,200,4,3,20.0,15.0,7.8,50.3,5.1,43.2,derived,hakim2021,,DERIVED n\n"
    loaded = load_knowledge(_tables_with(tmp_path, row)).ancestries["tg"]
    assert (loaded.s, loaded.z, loaded.s_count, loaded.z_count) == (0.02, 0.015, 4, 3)
    assert loaded.s_ci == pytest.approx((0.0078, 0.0503)) and loaded.s_ci == pytest.approx(_wilson(4, 200), abs=5e-5)
