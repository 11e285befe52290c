"""The CLI's JSON contracts and error behaviour, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aatd.genetics import answers as summaries


def aatd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def test_inherit__json_contract() -> None:
    out = aatd("inherit", "MZ", "SZ", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["parents"] == ["MZ", "SZ"]
    assert data["offspring"] == {"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25}


def test_genotype__json_contract() -> None:
    data = json.loads(aatd("genotype", "PI*ZZ", "--json").stdout)
    assert data["genotype"] == "ZZ"
    assert data["severity"] == "severe"
    assert [a["allele"] for a in data["alleles"]] == ["Z", "Z"]
    for unit in ("um", "mg_dl"):
        level = data["expected_level"][unit]
        assert level["low"] < level["median"] < level["high"]
    assert data["provenance"]["data_version"]


def test_prevalence__json_contract() -> None:
    data = json.loads(aatd("prevalence", "--s", "0.03", "--z", "0.02", "--population", "1000000", "--json").stdout)
    assert data["genotypes"]["ZZ"] == {"frequency": pytest.approx(0.0004), "count": 400}
    assert data["genotypes"]["MM"]["count"] == 902500
    assert sum(g["frequency"] for g in data["genotypes"].values()) == pytest.approx(1.0)


def test_prevalence__country() -> None:
    out = aatd("prevalence", "--country", "canada", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["country"] == "Canada"


def test_alleles__lists_catalogue() -> None:
    data = json.loads(aatd("alleles", "--json").stdout)
    assert {"Z", "S", "Mmalton", "Null"} <= {a["allele"] for a in data}


@pytest.mark.parametrize("args", [("genotype", "ZQ"), ("inherit", "MZ", "XX"), ("prevalence", "--s", "2", "--z", "0"),
                                  ("prevalence", "--country", "Atlantis"), ("prevalence",),
                                  ("prevalence", "--ancestry", "Atlantean"),
                                  ("prevalence", "--country", "Ireland", "--ancestry", "White British")])
def test_errors__one_line_on_stderr_and_nonzero_exit(args: tuple[str, ...]) -> None:
    out = aatd(*args)
    assert out.returncode == 2
    assert out.stderr.startswith("aatd: error: ")
    assert out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr


def test_cli_matches_python_api() -> None:
    cli = json.loads(aatd("genotype", "Z/Mmalton", "--json").stdout)
    assert cli == json.loads(json.dumps(summaries.describe_genotype("Z/Mmalton")))


def test_demo__prints_the_worked_example() -> None:
    out = aatd("demo")
    assert out.returncode == 0, out.stderr
    assert "MZ" in out.stdout and "25%" in out.stdout and "clinical judgement" in out.stdout


# --- issue 18: countries with their surveys, exact explicit frequencies, bounded memory -------------------------


def test_prevalence__a_country_shows_its_source_and_confidence_interval() -> None:
    out = aatd("prevalence", "--country", "Saudi Arabia")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "S 94.9 per 1000 (95% CI 67.3-132.3)" in text and "158 people; derived values" in text
    assert "PMID 21727732" in text


def test_prevalence__a_survey_that_saw_no_z_shows_zero_with_its_upper_limit() -> None:
    out = aatd("prevalence", "--country", "south korea", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["country"] == "South Korea" and data["basis"] == "derived" and data["sample_size"] == 196
    assert data["confidence_intervals"]["Z"] == pytest.approx([0.0, 0.0097])
    assert list(data["genotypes"]) == ["MM"] and "PMID 15823189" in str(data["source"])


def test_prevalence__an_ancestry_group_says_what_its_source_did_not_report() -> None:
    out = aatd("prevalence", "--ancestry", "white british")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "White British (UK Biobank)" in text and "ZZ" in text and "MZ" not in text
    assert "S not reported by this group's source" in text
    assert "4.07% of people carry at least one Z (about 1 in 25)" in text
    assert "Z 20.6 per 1000 (95% CI 20.22-20.92); 312,671 people; derived values" in text
    assert "doi:10.1002/hep4.1718" in text


def test_prevalence__unknown_ancestry_group_is_one_line_naming_the_field() -> None:
    out = aatd("prevalence", "--ancestry", "Whit British")
    assert out.returncode == 2 and out.stderr.startswith("aatd: error: ancestry: ")
    assert "did you mean White British?" in out.stderr


PEDIGREES = Path(__file__).parents[1] / "data" / "pedigrees"


def test_pedigree__explicit_frequencies_are_used_exactly_and_the_answer_says_so() -> None:
    out = aatd("pedigree", str(PEDIGREES / "sibling_of_zz.json"), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["allele_frequencies"] == {"M": 0.95, "S": 0.03, "Z": 0.02}
    assert "used exactly: no residual allele added" in data["frequency_basis"]
    assert "genotype elimination" in data["method"]
    with_null = json.loads(aatd("pedigree", str(PEDIGREES / "sibling_of_zz.json"), "--residual", "--json").stdout)
    assert "Null" in with_null["allele_frequencies"] and "residual" in with_null["frequency_basis"]


def test_pedigree__conditioning_within_a_tiny_memory_budget_gives_the_same_answer() -> None:
    path = str(PEDIGREES / "consanguineous.json")
    plain = json.loads(aatd("pedigree", path, "--json").stdout)
    small = aatd("pedigree", path, "--json", "--memory-budget", "0.001")
    assert small.returncode == 0, small.stderr
    data = json.loads(small.stdout)
    assert "conditioned on" in data["method"]
    for member, row in plain["members"].items():
        assert data["members"][member]["genotypes"] == pytest.approx(row["genotypes"], abs=1e-9)


def test_pedigree__refusal_says_how_long_conditioning_would_take() -> None:
    out = aatd("pedigree", str(PEDIGREES / "consanguineous.json"), "--memory-budget", "0.0001",
               "--time-limit", "0.000001")
    assert out.returncode == 2
    assert out.stderr.startswith("aatd: error: members:") and "would take about" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("name", "text"), [("Hong Kong", "S at most 7 per 1000"),
                                            ("Kazakhstan", "Z at most 4.6 per 1000")])
def test_prevalence__a_ceiling_is_printed_as_one(name: str, text: str) -> None:
    out = aatd("prevalence", "--country", name)
    assert out.returncode == 0 and text in " ".join(out.stdout.split()) and "only a ceiling" in out.stdout
    data = json.loads(aatd("prevalence", "--country", name, "--json").stdout)
    assert data["upper_bounds"] == [text[0]]
