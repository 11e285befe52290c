"""VCF/BCF reader against bcftools on files bcftools wrote, and the VCF traps of issue 15."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from aatd.errors import InputError
from aatd.screening import CallState, scan_file, screen

from .conftest import (
    I38,
    OFFSET_37,
    S38,
    Z38,
    Cohort,
    Record,
    bcftools_counts,
    cohort_records,
    draw_gts,
    samples,
    tool,
)


def _site(scan_path: Path, allele: str, **kwargs: str) -> dict[str, int]:
    scan = scan_file(str(scan_path), **kwargs)
    calls = next(c for c in scan.seen if c.site.allele == allele)
    return calls.counts()


def _expected(counts: dict[str, int]) -> dict[str, int]:
    """bcftools GT strings -> hom-ref / het / hom-alt / half / missing for a biallelic site."""
    out = {"hom_ref": 0, "het": 0, "hom_alt": 0, "half_call": 0, "missing": 0}
    for gt, n in counts.items():
        key = {"0/0": "hom_ref", "0/1": "het", "1/1": "hom_alt", "./.": "missing", ".": "missing"}.get(gt, "half_call")
        out[key] += n
    return out


@pytest.mark.parametrize("kind", ["bcf", "vcf_gz"])
@pytest.mark.parametrize(("allele", "pos"), [("Z", Z38), ("S", S38), ("I", I38)])
def test_counts_equal_bcftools(cohort: Cohort, kind: str, allele: str, pos: int) -> None:
    path = cohort.bcf if kind == "bcf" else cohort.vcf_gz
    oracle = _expected(bcftools_counts(path, f"chr14:{pos}"))
    assert _site(path, allele) == oracle
    assert oracle["half_call"] > 0 or allele == "I"


def test_unindexed_plain_vcf_streams_with_a_warning(cohort: Cohort) -> None:
    scan = scan_file(str(cohort.vcf))
    assert any("no .csi/.tbi index" in w for w in scan.warnings)
    assert next(c for c in scan.seen if c.site.allele == "Z").counts() == _expected(
        bcftools_counts(cohort.bcf, f"chr14:{Z38}"))


def test_bcftools_chr_trap_is_silent_but_aatd_finds_the_carriers(cohort: Cohort) -> None:
    """`bcftools query -r 14:...` on a chr14 file: no rows, exit 0. aatd reads the header's name."""
    proc = subprocess.run([tool("bcftools"), "query", "-r", f"14:{Z38}", "-f", "[%GT\\n]", str(cohort.bcf)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout == ""
    counts = _site(cohort.bcf, "Z")
    assert counts["het"] + counts["hom_alt"] > 0


def test_no_chr_grch37_file_is_read_at_grch37_positions(cohort: Cohort, make_vcf: Callable[..., Path]) -> None:
    path = make_vcf(cohort.records, cohort.names, contig="14", build="GRCh37", header_build="GRCh37")
    scan = scan_file(str(path))
    assert scan.build == "GRCh37" and scan.contig == "14"
    z = next(c for c in scan.seen if c.site.allele == "Z")
    assert z.position == Z38 + OFFSET_37
    assert z.counts() == _expected(bcftools_counts(path, f"14:{Z38 + OFFSET_37}"))
    assert z.counts() == _site(cohort.bcf, "Z")


def test_build_is_detected_from_ref_alleles_without_a_header(cohort: Cohort, make_vcf: Callable[..., Path]) -> None:
    path = make_vcf(cohort.records, cohort.names, contig="14", build="GRCh37", header_build=None)
    scan = scan_file(str(path))
    assert scan.build == "GRCh37" and scan.build_basis.startswith("alleles at")


def test_wrong_build_requested_is_refused(cohort: Cohort) -> None:
    with pytest.raises(InputError) as err:
        scan_file(str(cohort.bcf), build="GRCh37")
    assert err.value.field == "build" and "GRCh38" in err.value.expected


def test_header_disagreeing_with_alleles_is_refused(cohort: Cohort, make_vcf: Callable[..., Path]) -> None:
    path = make_vcf(cohort.records, cohort.names, build="GRCh38", header_build="hg19")
    with pytest.raises(InputError, match="header"):
        scan_file(str(path))


def test_file_without_chromosome_14_is_refused(make_vcf: Callable[..., Path]) -> None:
    names = samples(5)
    path = make_vcf([Record(100, "x", "A", "G", ["0/0"] * 5)], names, contig="chr1")
    with pytest.raises(InputError) as err:
        scan_file(str(path))
    assert err.value.field == "contig" and "chr1" in str(err.value.value)


def test_multiallelic_record_counts_each_alt_separately(make_vcf: Callable[..., Path]) -> None:
    """C>T,G at the Z position: only T is Z; `1/2` is one Z copy (as after `bcftools norm -m-any`)."""
    names = samples(6)
    gts = ["0/0", "0/1", "1/1", "1/2", "2/2", "0/2"]
    path = make_vcf([Record(Z38, "rs28929474", "C", "T,G", gts)], names)
    z = next(c for c in scan_file(str(path)).seen if c.site.allele == "Z")
    assert z.copies.tolist() == [0, 1, 2, 1, 0, 0]
    split = Path(str(path) + ".split.bcf")
    subprocess.run([tool("bcftools"), "norm", "-m-any", "-Ob", "-o", str(split), str(path)], check=True,
                   capture_output=True)
    subprocess.run([tool("bcftools"), "index", str(split)], check=True)
    oracle = bcftools_counts(split, f"chr14:{Z38}")  # two records: C>T and C>G
    t_only = subprocess.run([tool("bcftools"), "query", "-i", 'ALT="T"', "-f", "[%GT\\n]", str(split)],
                            capture_output=True, text=True, check=True).stdout.split()
    assert sum(oracle.values()) == 12
    assert [g.count("1") for g in t_only] == z.copies.tolist()


def test_other_alleles_at_the_z_position_are_not_z(make_vcf: Callable[..., Path]) -> None:
    """Match on contig, position, REF and ALT: C>G at 94378610 is not Z."""
    names = samples(3)
    path = make_vcf([Record(Z38, "other", "C", "G", ["1/1", "0/1", "0/0"])], names)
    scan = scan_file(str(path))
    assert not any(c.site.allele == "Z" for c in scan.seen)
    note = next(n for n in scan.not_seen if n.site.allele == "Z")
    assert "other alleles" in note.reason


def test_mmalton_and_siiyama_share_a_position_but_not_alleles(cohort: Cohort) -> None:
    """Neither is a verified screening site; records at their shared position never become I or anything else."""
    scan = scan_file(str(cohort.bcf))
    assert {c.site.allele for c in scan.seen} == {"Z", "S", "I"}
    assert all(c.position != I38 - 43 for c in scan.seen)


def test_half_calls_are_lower_bounds_not_calls(make_vcf: Callable[..., Path]) -> None:
    names = samples(4)
    path = make_vcf([Record(Z38, "rs28929474", "C", "T", ["./1", "./0", "1/.", "./."]),
                     Record(S38, "rs17580", "T", "A", ["0/0", "0/0", "0/1", "0/0"])], names)
    result = screen([str(path)])
    z = next(c for c in result.cohort.files[0].seen if c.site.allele == "Z")
    assert z.state.tolist() == [CallState.HALF_CALL, CallState.HALF_CALL, CallState.HALF_CALL, CallState.MISSING]
    assert z.copies.tolist() == [1, 0, 1, 0]
    assert result.calls.status.tolist() == ["half-call", "half-call", "called", "missing"]
    assert result.calls.genotype.tolist() == ["", "", "SZ", ""]  # one Z seen + one S = two deficiency alleles


def test_imputed_dosages_fill_missing_calls_by_plink2_rule(make_vcf: Callable[..., Path]) -> None:
    names = samples(4)
    gts = ["./.", "./.", "./.", "0/1"]
    extra = ["0.95:0.04,0.95,0.01", "1.5:0.2,0.1,0.7", "1.92:0.0,0.08,0.92", "1:0,1,0"]
    rec = Record(Z38, "rs28929474", "C", "T", gts, extra)
    path = make_vcf([rec], names, fmt="GT:DS:GP")
    z = next(c for c in scan_file(str(path)).seen if c.site.allele == "Z")
    assert z.state.tolist() == [CallState.DOSAGE, CallState.UNCERTAIN, CallState.DOSAGE, CallState.CALLED]
    assert z.copies.tolist()[:1] + z.copies.tolist()[2:] == [1, 2, 1]
    assert z.probability is not None
    assert np.allclose(z.probability[[0, 2]], [0.95, 0.92])


def test_reference_mismatch_is_not_matched(make_vcf: Callable[..., Path]) -> None:
    """A VCF is REF-anchored: T>C at the Z position is not a swapped Z but the wrong reference,
    and the header's GRCh38 (contig length) is refused because REF disagrees with it."""
    names = samples(3)
    path = make_vcf([Record(Z38, "rs28929474", "T", "C", ["0/1", "0/0", "1/1"])], names, header_build=None)
    with pytest.raises(InputError) as err:
        scan_file(str(path))
    assert err.value.field == "build" and "REF differs from GRCh38 at Z" in str(err.value)


def test_haploid_calls_on_chromosome_14_are_not_counted(make_vcf: Callable[..., Path]) -> None:
    names = samples(3)
    path = make_vcf([Record(Z38, "rs28929474", "C", "T", ["1", "0/1", "0"])], names)
    z = next(c for c in scan_file(str(path)).seen if c.site.allele == "Z")
    assert z.state.tolist() == [CallState.HAPLOID, CallState.CALLED, CallState.HAPLOID]


def test_generated_cohort_has_each_trap(cohort: Cohort) -> None:
    """Guard the fixture: half-calls present, decoy records at the shared Mmalton/Siiyama position."""
    assert any(g.startswith("./") and g != "./." for r in cohort.records for g in r.gts)
    assert sum(r.pos == I38 - 43 for r in cohort.records) == 2
    rng = np.random.default_rng(0)
    assert len(cohort_records(rng, 10, multiallelic=True)) == 6
    assert len(draw_gts(rng, 10, 0.1)) == 10


def test_a_record_at_the_other_builds_position_does_not_confuse_the_build(cohort: Cohort,
                                                                          make_vcf: Callable[..., Path]) -> None:
    """Dense files have records everywhere: a C>A at 94844947 in a GRCh38 file is not GRCh37's Z."""
    decoy = Record(Z38 + OFFSET_37, "decoy", "C", "A", ["0/1"] * len(cohort.names))
    scan = scan_file(str(make_vcf([*cohort.records, decoy], cohort.names)))
    assert scan.build == "GRCh38"
    assert next(c for c in scan.seen if c.site.allele == "Z").position == Z38
