"""screen(): genotypes against a plain reference, several files, Dask, the CLI and the summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aatd.errors import InputError
from aatd.screening import TSV_COLUMNS, screen
from aatd.screening.engine import sample_count

from .conftest import Cohort, plink2_counts, run, tool

ALLELE_OF = {"rs28929474": "Z", "rs17580": "S", "rs28931570": "I"}
ORDER = {"M": 0, "S": 1, "Z": 2, "I": 3}


def _reference_genotypes(cohort: Cohort) -> list[str]:
    """Per sample, one GT string at a time: the genotype the rules in docs/screening.md give."""
    out = []
    for i in range(len(cohort.names)):
        known, unresolved = [], False
        for rec in cohort.records:
            allele = ALLELE_OF.get(rec.rsid)
            if allele is None:
                continue
            a, b = rec.gts[i].split("/")
            if "." in (a, b):
                unresolved = True
            known += [allele] * ((a == "1") + (b == "1"))
        if len(known) > 2 or (unresolved and len(known) < 2):
            out.append("")
            continue
        pair = sorted([*known, "M", "M"][:2], key=ORDER.__getitem__)
        out.append(pair[0] + pair[1] if set(pair) <= {"M", "S", "Z"} else f"{pair[0]}/{pair[1]}")
    return out


def test_genotypes_equal_a_plain_reference(cohort: Cohort) -> None:
    result = screen([str(cohort.bcf)])
    assert result.calls.genotype.tolist() == _reference_genotypes(cohort)
    counts = result.summary["genotype_counts"]
    assert isinstance(counts, dict) and {"MM", "MZ", "ZZ", "MS", "SZ"} <= set(counts)
    assert sum(counts.values()) == result.summary["genotyped"]


def test_summary_shape_and_hwe_equals_plink2(no_half_cohort: Cohort) -> None:
    d = no_half_cohort.dir
    result = screen([str(no_half_cohort.bcf)])
    data = result.to_dict()
    for key in ("samples", "genotype_counts", "allele_frequencies", "confidence_intervals", "hwe", "sites",
                "warnings", "provenance", "expected_vs_observed", "alleles_covered", "alleles_not_covered"):
        assert key in data
    json.dumps(data)
    assert data["alleles_covered"] == ["S", "Z", "I"]
    assert "not verified" in data["alleles_not_screened"]["Mmalton"]  # type: ignore[index]
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--hardy", "--out", d / "hw")
    table = (d / "hw.hardy").read_text().splitlines()
    head = table[0].lstrip("#").split("\t")
    for line in table[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        allele = ALLELE_OF.get(row["ID"])
        if allele is None:
            continue
        hwe = data["hwe"][allele]  # type: ignore[index]
        assert hwe["p_value"] == pytest.approx(float(row["P"]), rel=1e-3)
        observed = list(hwe["observed"].values())
        assert row["A1"] == {"Z": "C", "S": "T", "I": "G"}[allele]  # A1 is REF here
        assert observed == [int(row["HOM_A1_CT"]), int(row["HET_A1_CT"]), int(row["TWO_AX_CT"])]
    ci = data["confidence_intervals"]["Z"]  # type: ignore[index]
    assert ci["low"] < data["allele_frequencies"]["Z"] < ci["high"]  # type: ignore[index]


def test_region_files_with_the_same_samples_are_combined(cohort: Cohort, tmp_path: Path) -> None:
    z_only, s_only = tmp_path / "z.bcf", tmp_path / "s.bcf"
    run(tool("bcftools"), "view", "-r", "chr14:94378610", "-Ob", "-o", z_only, cohort.bcf)
    run(tool("bcftools"), "view", "-t", "^chr14:94378610", "-Ob", "-o", s_only, cohort.bcf)
    for p in (z_only, s_only):
        run(tool("bcftools"), "index", p)
    combined = screen([str(z_only), str(s_only)])
    assert combined.calls.genotype.tolist() == screen([str(cohort.bcf)]).calls.genotype.tolist()


def test_batches_with_different_samples_are_stacked(cohort: Cohort, tmp_path: Path) -> None:
    first, second = tmp_path / "a.bcf", tmp_path / "b.bcf"
    run(tool("bcftools"), "view", "-s", ",".join(cohort.names[:100]), "-Ob", "-o", first, cohort.bcf)
    run(tool("bcftools"), "view", "-s", ",".join(cohort.names[100:]), "-Ob", "-o", second, cohort.bcf)
    for p in (first, second):
        run(tool("bcftools"), "index", p)
    stacked = screen([str(first), str(second)])
    whole = screen([str(cohort.bcf)])
    assert stacked.samples == whole.samples
    assert stacked.summary["genotype_counts"] == whole.summary["genotype_counts"]
    with pytest.raises(InputError) as err:
        screen([str(first), str(cohort.bcf)])
    assert err.value.field == "files"


def test_dask_local_cluster_equals_single_process(cohort: Cohort, no_half_cohort: Cohort) -> None:
    d = no_half_cohort.dir
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-pgen", "--out", d / "dask")
    renamed = d / "renamed.bcf"
    (d / "names.txt").write_text("".join(f"{n}\tB{n}\n" for n in no_half_cohort.names))
    run(tool("bcftools"), "reheader", "-s", d / "names.txt", "-o", renamed, no_half_cohort.bcf)
    run(tool("bcftools"), "index", renamed)
    files = [str(cohort.bcf), str(renamed)]
    single = screen(files)
    parallel = screen(files, workers=2)
    assert parallel.calls.genotype.tolist() == single.calls.genotype.tolist()
    assert parallel.summary == single.summary
    assert parallel.provenance["engine"] == "dask"
    with pytest.raises(InputError) as err:
        screen([str(d / "missing.bcf")], workers=1)
    assert err.value.field == "file"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def test_cli_writes_tsv_and_json(cohort: Cohort, tmp_path: Path) -> None:
    out = tmp_path / "calls.tsv"
    proc = _cli("screen", str(cohort.bcf), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["samples"] == len(cohort.names)
    rows = out.read_text().splitlines()
    assert rows[0].split("\t") == list(TSV_COLUMNS) and len(rows) == len(cohort.names) + 1
    first = dict(zip(TSV_COLUMNS, rows[1].split("\t"), strict=True))
    assert first["genotype"] == _reference_genotypes(cohort)[0] and first["build"] == "GRCh38"


@pytest.mark.parametrize(("args", "needle"), [
    (["--build", "hg17"], "build"),
    (["--format", "cram"], "format"),
])
def test_cli_bad_input_is_one_line_exit_2(cohort: Cohort, args: list[str], needle: str) -> None:
    proc = _cli("screen", str(cohort.bcf), *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aatd: error:") and needle in lines[0]


def test_cli_missing_file_and_wrong_build(cohort: Cohort) -> None:
    missing = _cli("screen", "/nonexistent/file.bcf")
    assert missing.returncode == 2 and "file" in missing.stderr and "Traceback" not in missing.stderr
    wrong = _cli("screen", str(cohort.bcf), "--build", "GRCh37")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1


def test_plink2_oracle_matches_sample_counts(no_half_cohort: Cohort) -> None:
    d = no_half_cohort.dir
    oracle = plink2_counts(["--bcf", no_half_cohort.bcf], d, "eng")
    result = screen([str(no_half_cohort.bcf)])
    sites = {s["allele"]: s for s in result.sites()}
    for rsid, allele in ALLELE_OF.items():
        counts = sites[allele]["files"][0]["counts"]  # type: ignore[index]
        assert (counts["hom_ref"], counts["het"], counts["hom_alt"], counts["missing"]) == oracle[rsid]


def test_one_file_split_across_dask_tasks_equals_single_process(cohort: Cohort, no_half_cohort: Cohort) -> None:
    """A BCF and a .pgen of 300 samples each in pieces of 100 (six tasks) on a LocalCluster of
    2 processes: the same genotypes, in the same order, and the same summary as one process."""
    d = no_half_cohort.dir
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-pgen", "--out", d / "split")
    files = [str(cohort.bcf), str(d / "split.pgen")]
    assert [sample_count(f) for f in files] == [len(cohort.names)] * 2
    single = screen(files)
    parallel = screen(files, workers=2, split_samples=100)
    assert list(parallel.samples) == list(single.samples)
    assert parallel.calls.genotype.tolist() == single.calls.genotype.tolist()
    assert parallel.calls.status.tolist() == single.calls.status.tolist()
    assert parallel.summary == single.summary
    assert parallel.warnings == single.warnings
    assert parallel.provenance["engine"] == "dask, pieces of at most 100 samples"
    with pytest.raises(InputError) as err:
        screen([str(cohort.bcf)], split_samples=10)
    assert err.value.field == "split_samples"
