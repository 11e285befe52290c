"""Allele counts per population (``aatd screen --populations``, ``POST /api/v1/screen`` with a
panel) against bcftools and brute force.

The oracles: ``bcftools +fill-tags -- -S panel -t AC,AN`` (htslib's own per-group counts) on
a file without half-calls, and a count made here directly from the genotype strings written
into the VCF. Totals over a panel that names everyone equal the cohort summary's.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.cli.screening import fast_screen
from aatd.errors import InputError
from aatd.screening import (
    CallState,
    SamplePanel,
    population_frequencies,
    read_population_panel,
    screen,
    screening_sites,
)
from aatd.screening.cohort import NOT_COVERED
from aatd.screening.cohort import Cohort as CohortArrays

from .conftest import Cohort, run, tool

GROUPS = ("AAA", "BBB", "CCC")


def write_panel(path: Path, names: list[str], *, unnamed: int = 0, header: bool = True) -> dict[str, str]:
    """A 1000 Genomes-style panel (sample pop super_pop gender) for all but ``unnamed`` samples."""
    rng = np.random.default_rng(7)
    pop = {name: GROUPS[int(rng.integers(0, 3))] for name in names[unnamed:]}
    lines = ["sample\tpop\tsuper_pop\tgender"] if header else []
    lines += [f"{name}\t{group}\t{'EUR' if group == 'AAA' else 'AFR'}\tfemale" for name, group in pop.items()]
    path.write_text("\n".join(lines) + "\n")
    return pop


def bcftools_group_counts(bcf: Path, pop: dict[str, str], tmp: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(rsID, group) -> (AC, AN) from ``bcftools +fill-tags -S`` (the oracle)."""
    groups = tmp / "groups.txt"
    groups.write_text("".join(f"{s}\t{g}\n" for s, g in pop.items()))
    tagged = run(tool("bcftools"), "+fill-tags", bcf, "-Ov", "--", "-S", groups, "-t", "AC,AN")
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for line in tagged.splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        info = dict(item.split("=", 1) for item in cols[7].split(";") if "=" in item)
        for group in GROUPS:
            out[(cols[2], group)] = (int(info[f"AC_{group}"].split(",")[0]), int(info[f"AN_{group}"]))
    return out


def counts_of(table_dict: dict[str, object]) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for population in table_dict["populations"]:  # type: ignore[attr-defined]
        for allele in population["alleles"]:
            out[(allele["allele"], population["population"])] = (allele["allele_count"], allele["allele_number"])
    return out


def test_counts_equal_bcftools_fill_tags_per_group(no_half_cohort: Cohort, tmp_path: Path) -> None:
    pop = write_panel(tmp_path / "panel.tsv", no_half_cohort.names, unnamed=10)
    result = screen(str(no_half_cohort.bcf))
    table = population_frequencies(result.cohort, read_population_panel(str(tmp_path / "panel.tsv")))
    ours = counts_of(table.to_dict())
    theirs = bcftools_group_counts(no_half_cohort.bcf, pop, tmp_path)
    for allele, rsid in (("Z", "rs28929474"), ("S", "rs17580")):
        for group in GROUPS:
            assert ours[(allele, group)] == theirs[(rsid, group)], (allele, group)
    assert table.samples_without_population == 10
    assert sum(p.samples for p in table.populations) == len(no_half_cohort.names) - 10


def test_counts_equal_a_brute_force_count_of_the_written_genotypes(cohort: Cohort, tmp_path: Path) -> None:
    """Half-calls (./1) and missing calls count in neither the allele count nor the allele number."""
    pop = write_panel(tmp_path / "panel.tsv", cohort.names)
    table = population_frequencies(screen(str(cohort.bcf)).cohort, read_population_panel(str(tmp_path / "panel.tsv")))
    ours = counts_of(table.to_dict())
    for allele, rsid in (("Z", "rs28929474"), ("S", "rs17580")):
        record = next(r for r in cohort.records if r.rsid == rsid)
        for group in GROUPS:
            gts = [gt for name, gt in zip(cohort.names, record.gts, strict=True)
                   if pop[name] == group and "." not in gt]
            expected = (sum(int(a) for gt in gts for a in gt.split("/")), 2 * len(gts))
            assert ours[(allele, group)] == expected, (allele, group)


def test_totals_over_a_full_panel_equal_the_cohort_summary(cohort: Cohort, tmp_path: Path) -> None:
    write_panel(tmp_path / "panel.tsv", cohort.names)
    result = screen(str(cohort.bcf))
    table = population_frequencies(result.cohort, read_population_panel(str(tmp_path / "panel.tsv")))
    intervals = result.summary["confidence_intervals"]
    assert isinstance(intervals, dict)
    for allele in ("Z", "S"):
        count = sum(a.allele_count for p in table.populations for a in p.alleles if a.allele == allele)
        number = sum(a.allele_number for p in table.populations for a in p.alleles if a.allele == allele)
        assert number == intervals[allele]["n_alleles"]
        assert count == pytest.approx(intervals[allele]["estimate"] * number)


def test_each_population_has_a_wilson_interval_around_its_frequency(cohort: Cohort, tmp_path: Path) -> None:
    write_panel(tmp_path / "panel.tsv", cohort.names)
    table = population_frequencies(screen(str(cohort.bcf)).cohort, read_population_panel(str(tmp_path / "panel.tsv")))
    assert [p.population for p in table.populations] == list(GROUPS)
    for population in table.populations:
        for a in population.alleles:
            if a.allele_number:
                assert a.frequency == a.allele_count / a.allele_number
                assert a.ci_low <= a.frequency <= a.ci_high
            else:
                assert math.isnan(a.frequency)


def test_super_population_column_groups_1000_genomes_style(cohort: Cohort, tmp_path: Path) -> None:
    write_panel(tmp_path / "panel.tsv", cohort.names)
    panel = read_population_panel(str(tmp_path / "panel.tsv"), "super_pop")
    table = population_frequencies(screen(str(cohort.bcf)).cohort, panel)
    assert panel.column == "super_pop"
    assert [p.population for p in table.populations] == ["AFR", "EUR"]


def test_headerless_two_column_panel(cohort: Cohort, tmp_path: Path) -> None:
    pop = write_panel(tmp_path / "panel.txt", cohort.names, header=False)
    panel = read_population_panel(str(tmp_path / "panel.txt"))
    assert panel.population_of == pop and panel.column == "column 2"


@pytest.mark.parametrize(("text", "column", "field"), [
    ("sample\tpop\nS0000\tAAA\n", "country", "population_column"),
    ("S0000\tAAA\n", "pop", "population_column"),
    ("sample\tpop\nS0000\tAAA\nS0000\tBBB\n", None, "populations"),
    ("sample\tpop\nS0000\n", None, "populations"),
    ("\n\n", None, "populations"),
])
def test_bad_panels_are_refused_naming_the_field(tmp_path: Path, text: str, column: str | None, field: str) -> None:
    path = tmp_path / "panel.tsv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_population_panel(str(path), column)
    assert err.value.field == field


def test_binary_panel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "panel.tsv"
    path.write_bytes(b"sample\tpop\n\xff\xfe\x00\n")
    with pytest.raises(InputError, match="UTF-8"):
        read_population_panel(str(path))


def test_cli_json_and_text(cohort: Cohort, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_panel(tmp_path / "panel.tsv", cohort.names, unnamed=5)
    assert fast_screen([str(cohort.bcf), "--populations", str(tmp_path / "panel.tsv"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert [p["population"] for p in data["populations"]["populations"]] == list(GROUPS)
    assert data["populations"]["samples_without_population"] == 5
    assert fast_screen([str(cohort.bcf), "--populations", str(tmp_path / "panel.tsv")])
    text = capsys.readouterr().out
    assert "Allele counts by population (pop of" in text
    assert "5 samples are not in the panel" in text


def test_cli_population_column_without_panel_is_one_line_exit_2(cohort: Cohort,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        fast_screen([str(cohort.bcf), "--population-column", "super_pop"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aatd: error: population_column:")


def test_api_with_a_panel_equals_the_cli_answer(client: TestClient, cohort: Cohort, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write_panel(tmp_path / "panel.tsv", cohort.names, unnamed=5)
    panel = ("panel.tsv", (tmp_path / "panel.tsv").read_bytes())
    response = client.post("/api/v1/screen", data={"population_column": "super_pop"},
                           files={"file": ("cohort.vcf.gz", cohort.vcf_gz.read_bytes()), "populations": panel})
    assert response.status_code == 200, response.text
    api = response.json()["populations"]
    assert fast_screen([str(cohort.bcf), "--populations", str(tmp_path / "panel.tsv"),
                        "--population-column", "super_pop", "--json"])
    cli = json.loads(capsys.readouterr().out)["populations"]
    assert api["populations"] == cli["populations"] and api["column"] == "super_pop"
    assert api["samples_without_population"] == 5


def test_api_without_a_panel_has_no_populations(client: TestClient, cohort: Cohort) -> None:
    response = client.post("/api/v1/screen", files={"file": ("cohort.vcf.gz", cohort.vcf_gz.read_bytes())})
    assert response.status_code == 200 and "populations" not in response.json()


@pytest.mark.parametrize(("files", "data", "field"), [
    ({"populations": ("p.tsv", b"sample\tpop\nS0000\tAAA\nS0000\tBBB\n")}, {}, "populations"),
    ({"populations": ("p.tsv", b"sample\tpop\nS0000\tAAA\n")}, {"population_column": "country"}, "population_column"),
    ({}, {"population_column": "pop"}, "population_column"),
])
def test_api_bad_panels_are_422_naming_the_field(client: TestClient, cohort: Cohort, files: dict[str, object],
                                                 data: dict[str, str], field: str) -> None:
    response = client.post("/api/v1/screen", files={"file": ("c.vcf.gz", cohort.vcf_gz.read_bytes()), **files},
                           data=data)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["ok"] is False and body["errors"][0]["field"] == field


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_counts_equal_a_loop_over_people_for_any_calls_and_panel(data: st.DataObject) -> None:
    """Invariant: each population's count and allele number are those of a plain loop over its
    people with a full call; every named person is in exactly one population."""
    sites = screening_sites()
    n = data.draw(st.integers(1, 40))
    names = [f"P{i}" for i in range(n)]
    states = data.draw(st.lists(st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, NOT_COVERED]), min_size=n, max_size=n),
                                min_size=len(sites), max_size=len(sites)))
    copies = data.draw(st.lists(st.lists(st.integers(0, 2), min_size=n, max_size=n),
                                min_size=len(sites), max_size=len(sites)))
    groups = data.draw(st.lists(st.sampled_from(["A", "B", "C", None]), min_size=n, max_size=n))
    cohort = CohortArrays(sites, names, np.zeros(n, np.int32), [], np.array(copies, np.int8),
                          np.array(states, np.uint8), np.full((len(sites), n), np.nan, np.float32))
    panel = SamplePanel("pop", {s: g for s, g in zip(names, groups, strict=True) if g is not None}, "panel")
    table = population_frequencies(cohort, panel)
    full = {int(CallState.CALLED), int(CallState.DOSAGE)}
    for population in table.populations:
        people = [i for i, g in enumerate(groups) if g == population.population]
        assert population.samples == len(people)
        for k, allele in enumerate(population.alleles):
            called = [i for i in people if states[k][i] in full]
            assert allele.allele == sites[k].allele
            assert (allele.allele_count, allele.allele_number) == (sum(copies[k][i] for i in called), 2 * len(called))
    assert sum(p.samples for p in table.populations) + table.samples_without_population == n
