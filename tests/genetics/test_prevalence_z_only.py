"""Countries whose survey published Z only (issue 18, wave 6): S is "not published", never taken as 0.

One rule in the core (``genetics.prevalence``): the prevalence answer gives what Z alone determines (ZZ and the
share of Z carriers) and names S as not published; anything needing the full M/S/Z distribution (family priors,
level priors, a family's population) refuses such a country with one clear error on ``country``. CLI, API and
pages call the same functions; each is checked here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aatd.errors import DataError, InputError
from aatd.genetics.answers import describe_prevalence
from aatd.genetics.prevalence import (
    countries_with_full_distribution,
    country,
    country_allele_frequencies,
    country_reported_frequencies,
)
from aatd.knowledge import data_directory, knowledge, load_knowledge

Z_ONLY = sorted(c.country for c in knowledge().countries.values() if c.s is None)
PEDIGREES = Path(__file__).parents[1] / "data" / "pedigrees"
REFUSAL = "S frequency not published for Denmark; give explicit frequencies"


def aatd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def test_z_only_countries__are_the_expected_ones() -> None:
    assert Z_ONLY == ["Denmark"]


@pytest.mark.parametrize("name", Z_ONLY)
def test_full_distribution__is_refused_naming_the_field_the_value_and_what_to_do(name: str) -> None:
    with pytest.raises(InputError) as info:
        country_allele_frequencies(name.upper())
    assert info.value.field == "country" and info.value.value == name.upper()
    assert f"S frequency not published for {name}; give explicit frequencies" in str(info.value)


def test_reported_frequencies__z_only_has_no_m_to_absorb_the_unpublished_s() -> None:
    assert country_reported_frequencies("Denmark") == {"Z": pytest.approx(0.02455)}
    assert country_reported_frequencies("Ireland") == country_allele_frequencies("Ireland")


def test_countries_with_full_distribution__leave_out_exactly_the_z_only_ones() -> None:
    everyone = sorted(c.country for c in knowledge().countries.values())
    assert countries_with_full_distribution() == sorted(set(everyone) - set(Z_ONLY))


def test_describe_prevalence__z_only_country_gives_zz_carriers_and_names_s_as_not_measured() -> None:
    data = describe_prevalence(country_name="denmark", population=5_800_000)
    z = 451 / 18_374  # Dahl 2002: 451 MZ among 9,187 people, counted here by hand (the table keeps 24.55)
    assert data["country"] == "Denmark" and data["allele_frequencies"] == {"Z": pytest.approx(z, abs=5e-6)}
    assert list(data["genotypes"]) == ["ZZ"]
    assert data["genotypes"]["ZZ"]["frequency"] == pytest.approx(z * z, rel=1e-3)
    assert data["unreported_alleles"] == ["S"]
    assert data["carriers"] == {"Z": pytest.approx(1 - (1 - 0.02455) ** 2)}
    assert list(data["confidence_intervals"]) == ["Z"] and data["sample_size"] == 9187
    assert data["basis"] == "derived" and "PMID 11848724" in str(data["source"])


def test_cli_prevalence__says_s_was_not_published() -> None:
    out = aatd("prevalence", "--country", "Denmark")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "S not published by Denmark's survey" in text and "MS" not in text and "SZ" not in text
    assert "4.85% of people carry at least one Z (about 1 in 21)" in text
    assert "S not published, Z 24.6 per 1000 (95% CI 22.41-29.16); 9,187 people; derived values" in text
    data = json.loads(aatd("prevalence", "--country", "Denmark", "--json").stdout)
    assert data["unreported_alleles"] == ["S"] and list(data["genotypes"]) == ["ZZ"]


def test_cli_pedigree__a_z_only_country_is_one_line_with_exit_2() -> None:
    out = aatd("pedigree", str(PEDIGREES / "sibling_of_zz.json"), "--country", "Denmark")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("aatd: error: country: ") and REFUSAL in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_family_priors__refused_and_explicit_frequencies_still_work() -> None:
    from aatd.family.inference import allele_model
    from aatd.family.pedigree import pedigree_from_json

    pedigree = pedigree_from_json(json.loads((PEDIGREES / "sibling_of_zz.json").read_text(encoding="utf-8")))
    with pytest.raises(InputError, match=REFUSAL):
        allele_model(pedigree, country="Denmark")
    assert allele_model(pedigree, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}) is not None


def test_level_priors__interpretation_refuses_a_z_only_country() -> None:
    from aatd.clinic.interpretation import interpret_result
    from aatd.genetics.genotypes import parse_genotype

    with pytest.raises(InputError) as info:
        interpret_result(genotype=parse_genotype("MZ"), country_name="Denmark")
    assert info.value.field == "country" and REFUSAL in str(info.value)
    assert interpret_result(genotype=parse_genotype("MZ"), country_name="Ireland") is not None


def test_family_population__a_z_only_country_cannot_be_set() -> None:
    from aatd.web.workspace.repository import _country

    with pytest.raises(InputError, match=REFUSAL):
        _country("Denmark")
    assert _country("ireland") == "Ireland"


# --- the loader: an empty S must be explained, and cannot carry an S interval or ceiling ----------------------------


def _tables_with(tmp_path: Path, row: str) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(data_directory(), directory)
    with (directory / "allele_frequencies.csv").open("a", encoding="utf-8") as handle:
        handle.write(row)
    return directory


@pytest.mark.parametrize(("notes", "s_ci", "ceiling", "message"), [
    ("DERIVED from 3 MZ", ",", "", "must say so in its notes"),
    ("S not published (Z-only assay)", "1,5", "", "S interval or S ceiling is given"),
    ("S not published (Z-only assay)", ",", "S", "S interval or S ceiling is given"),
])
def test_load_knowledge__refuses_an_unexplained_or_inconsistent_empty_s(
        tmp_path: Path, notes: str, s_ci: str, ceiling: str, message: str) -> None:
    row = f'Atlantis,Northern Europe,,20,,,,,dahl2002,,"{notes}",100,{s_ci},5,40,,derived,{ceiling}\n'
    with pytest.raises(DataError, match=message):
        load_knowledge(_tables_with(tmp_path, row))


def test_load_knowledge__accepts_an_explained_z_only_row(tmp_path: Path) -> None:
    row = 'Atlantis,Northern Europe,,20,,,,,dahl2002,,"S not published (Z-only assay); DERIVED",100,,,5,40,,derived,\n'
    loaded = load_knowledge(_tables_with(tmp_path, row)).countries["atlantis"]
    assert loaded.s is None and loaded.s_ci is None and loaded.z == 0.02
    assert country("Denmark").s is None  # the packaged table is untouched
