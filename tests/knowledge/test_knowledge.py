"""The knowledge tables load, validate and cite their sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from aatd.errors import DataError
from aatd.knowledge import data_directory, data_version, knowledge, load_knowledge

REQUIRED_ALLELES = [
    "M", "M1Val213", "M1Ala213", "M2", "M3", "S", "Z", "I", "F", "Plowell", "Mprocida", "Mmalton", "Mheerlen",
    "Siiyama", "Q0granitefalls", "Q0west", "Q0bellingham", "Q0mattawa", "Q0clayton", "Mwurzburg", "Kings", "Null",
]


def test_knowledge__every_source_resolves() -> None:
    k = knowledge()
    cited = [a.source for a in k.alleles] + [o.source for o in k.levels]
    cited += [c.source for c in k.countries.values()] + [c.source for c in k.constants.values()]
    for field in cited:
        assert k.cite(field)


def test_knowledge__sources_have_identifiers() -> None:
    for source in knowledge().sources.values():
        assert source.pmid or source.doi or source.pmcid or source.url.startswith("https://"), source.source_id
        assert source.link.startswith("https://"), source.source_id
        assert 1900 < source.year <= 2026


def test_data_version__names_release_and_digest() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+\+[0-9a-f]{8}", data_version())


def test_alleles__catalogue_has_required_alleles() -> None:
    names = {a.allele for a in knowledge().alleles}
    missing = [a for a in REQUIRED_ALLELES if a not in names]
    assert not missing


def test_alleles__z_and_s_coordinates_are_the_verified_anchors() -> None:
    by_name = {a.allele: a for a in knowledge().alleles}
    z, s = by_name["Z"], by_name["S"]
    assert (z.rsid, z.grch38_pos, z.ref_plus, z.alt_plus, z.verified) == ("rs28929474", 94378610, "C", "T", True)
    assert (s.rsid, s.grch38_pos, s.ref_plus, s.alt_plus, s.verified) == ("rs17580", 94380925, "T", "A", True)


def test_alleles__verified_rows_have_full_coordinates() -> None:
    for a in knowledge().alleles:
        if a.verified:
            assert a.grch38_pos and a.ref_plus and a.alt_plus and a.verification_note, a.allele


def test_alleles__null_alleles_make_no_protein() -> None:
    for a in knowledge().alleles:
        assert (a.functional_class == "null") == (a.relative_output == 0.0), a.allele


def test_hgvs_precursor_numbering_is_legacy_plus_24() -> None:
    for a in knowledge().alleles:
        legacy = re.search(r"(\d+)", a.legacy_protein)
        hgvs = re.search(r"p\.[A-Za-z]{3}(\d+)", a.hgvs_p)
        if legacy and hgvs and a.legacy_protein[:3] == a.hgvs_p[2:5]:
            assert int(hgvs.group(1)) == int(legacy.group(1)) + 24, a.allele


def test_frequencies__lie_in_unit_interval() -> None:
    for c in knowledge().countries.values():
        s = 0.0 if c.s is None else c.s  # None: a survey that published Z only
        assert 0 <= s <= 1 and 0 <= c.z <= 1 and s + c.z <= 1


def _broken_copy(tmp_path: Path, table: str, old: str, new: str) -> Path:
    target = tmp_path / "data"
    shutil.copytree(data_directory(), target)
    path = target / table
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def test_load_knowledge__rejects_unknown_source(tmp_path: Path) -> None:
    first = knowledge().levels[0].source
    directory = _broken_copy(tmp_path, "genotype_levels.csv", f",{first},", ",no_such_source,")
    with pytest.raises(DataError, match="no_such_source"):
        load_knowledge(directory)


def test_load_knowledge__rejects_frequency_above_one(tmp_path: Path) -> None:
    usa = knowledge().countries["usa"]
    old = f"{usa.s * 1000:g},{usa.z * 1000:g}"
    directory = _broken_copy(tmp_path, "allele_frequencies.csv", old, f"1500,{usa.z * 1000:g}")
    with pytest.raises(DataError, match=r"allele_frequencies\.csv, line \d+: pi_s_per_1000"):
        load_knowledge(directory)


def test_load_knowledge__rejects_missing_column(tmp_path: Path) -> None:
    directory = _broken_copy(tmp_path, "alleles.csv", "relative_output", "output")
    with pytest.raises(DataError, match="missing columns"):
        load_knowledge(directory)


def test_load_knowledge__rejects_unknown_unit(tmp_path: Path) -> None:
    obs = knowledge().levels[0]
    directory = _broken_copy(tmp_path, "genotype_levels.csv", f",{obs.unit},", ",mg/mL,")
    with pytest.raises(DataError, match="unit"):
        load_knowledge(directory)
