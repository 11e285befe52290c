"""The direct BCF reader (CSI index + BGZF + GT bytes) against cyvcf2/htslib and bcftools.

Every file is written by bcftools in the test run. The oracle is the same file read
through htslib (cyvcf2, after hiding the index) and ``bcftools query``; the traps are the
issue's: ``chr`` prefix, GRCh37/38, multi-allelic records, half-calls, missing and haploid
calls, imputed dosages, chromosome 14 not being the first contig, and records spanning
many compressed blocks.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from aatd.errors import InputError
from aatd.screening import FileScan, scan_file, screening_sites
from aatd.screening.bcf import open_header, read_csi
from aatd.screening.vcf import read_vcf

from .conftest import (
    OFFSET_37,
    S38,
    Z38,
    Cohort,
    Record,
    bcftools_counts,
    cohort_records,
    draw_gts,
    run,
    samples,
    tool,
    write_vcf,
)


def _through_htslib(bcf: Path, tmp: Path) -> FileScan:
    """The same BCF without its index: read by cyvcf2 (htslib), streaming."""
    copy = tmp / f"noindex_{bcf.name}"
    shutil.copyfile(bcf, copy)
    scan = read_vcf(str(copy), screening_sites())
    assert scan.reader.startswith("cyvcf2")
    return scan


def _same(direct: FileScan, htslib: FileScan) -> None:
    assert direct.reader.startswith("aatd BCF reader")
    assert list(direct.samples) == list(htslib.samples)
    assert (direct.build, direct.contig) == (htslib.build, htslib.contig)
    assert [c.site.allele for c in direct.seen] == [c.site.allele for c in htslib.seen]
    for mine, theirs in zip(direct.seen, htslib.seen, strict=True):
        assert (mine.position, mine.file_alleles) == (theirs.position, theirs.file_alleles)
        assert mine.copies.tolist() == theirs.copies.tolist()
        assert mine.state.tolist() == theirs.state.tolist()
        for a, b in ((mine.dosage, theirs.dosage), (mine.probability, theirs.probability)):
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert np.array_equal(a, b, equal_nan=True)
    assert [n.reason for n in direct.not_seen] == [n.reason for n in htslib.not_seen]


def test_cohort_with_half_calls_and_decoys_equals_htslib(cohort: Cohort, tmp_path: Path) -> None:
    direct = scan_file(str(cohort.bcf))
    _same(direct, _through_htslib(cohort.bcf, tmp_path))
    z = next(c for c in direct.seen if c.site.allele == "Z").counts()
    oracle = bcftools_counts(cohort.bcf, f"chr14:{Z38}")
    assert z["missing"] == oracle["./."] and z["half_call"] > 0


@pytest.mark.parametrize(("contig", "build"), [("chr14", "GRCh38"), ("14", "GRCh37"), ("14", "GRCh38"),
                                               ("chr14", "GRCh37")])
def test_chr_prefix_and_build_equal_htslib(cohort: Cohort, make_vcf: Callable[..., Path], tmp_path: Path,
                                           contig: str, build: str) -> None:
    path = make_vcf(cohort.records, cohort.names, contig=contig, build=build, header_build=None)
    direct = scan_file(str(path))
    assert direct.build == build and direct.contig == contig
    _same(direct, _through_htslib(path, tmp_path))


def test_multiallelic_half_haploid_missing_and_dosages_equal_htslib(make_vcf: Callable[..., Path],
                                                                    tmp_path: Path) -> None:
    names = samples(8)
    z = Record(Z38, "rs28929474", "C", "T,G", ["0/0", "0/1", "1/2", "2/2", "./1", "1", "./.", "1|1"],
               ["0,0:1,0,0,0,0,0"] * 8)
    s = Record(S38, "rs17580", "T", "A", ["./.", "./.", "0/1", "./0", "1/1", "0", ".", "0/0"],
               ["0.95:0.04,0.95,0.01", "1.5:0.2,0.1,0.7", "1:0,1,0", "0:1,0,0", "2:0,0,1", ".:.", ".:.",
                "0:1,0,0"])
    path = make_vcf([z, s], names, fmt="GT:DS:GP")
    direct = scan_file(str(path))
    _same(direct, _through_htslib(path, tmp_path))
    calls = {c.site.allele: c for c in direct.seen}
    assert calls["Z"].copies.tolist()[:5] == [0, 1, 1, 0, 1]
    assert calls["S"].dosage is not None and calls["S"].dosage[0] == pytest.approx(0.95)


def test_chromosome_14_after_other_contigs_and_many_blocks(tmp_path: Path) -> None:
    """Contig 14 is the third in the dictionary (BCF stores its index), records on chr13 come
    first, and 2,000 samples x 300 records span many BGZF blocks and index bins."""
    rng = np.random.default_rng(7)
    names = samples(2000)
    records = cohort_records(rng, len(names))
    fillers = sorted(set(rng.integers(94_000_000, 94_900_000, 300).tolist()) - {r.pos for r in records})
    records += [Record(int(p), f"f{p}", "A", "G", draw_gts(rng, len(names), 0.2)) for p in fillers]
    vcf = write_vcf(tmp_path / "multi.vcf", records, names)
    text = vcf.read_text().replace("##contig=<ID=chr14", "##contig=<ID=chr1,length=248956422>\n"
                                   "##contig=<ID=chr13,length=114364328>\n##contig=<ID=chr14")
    head, _, body = text.partition("#CHROM")
    first, _, rest = body.partition("\n")
    chr13 = "".join(f"chr13\t{1000 + i}\t.\tA\tG\t.\tPASS\t.\tGT\t" + "\t".join(["0/1"] * len(names)) + "\n"
                    for i in range(5))
    vcf.write_text(head + "#CHROM" + first + "\n" + chr13 + rest)
    bcf = tmp_path / "multi.bcf"
    run(tool("bcftools"), "view", "-Ob", "-o", bcf, vcf)
    run(tool("bcftools"), "index", "-f", bcf)
    assert open_header(str(bcf)).contigs == ["chr1", "chr13", "chr14"]
    assert len(read_csi(str(bcf) + ".csi").refs) == 3
    direct = scan_file(str(bcf))
    _same(direct, _through_htslib(bcf, tmp_path))
    for site in ("Z", "S"):
        pos = Z38 if site == "Z" else S38
        oracle = bcftools_counts(bcf, f"chr14:{pos}")
        counts = next(c for c in direct.seen if c.site.allele == site).counts()
        assert counts["hom_ref"] == oracle.get("0/0", 0) and counts["hom_alt"] == oracle.get("1/1", 0)


def test_grch37_file_is_not_read_at_grch38_positions(cohort: Cohort, make_vcf: Callable[..., Path]) -> None:
    path = make_vcf(cohort.records, cohort.names, contig="14", build="GRCh37", header_build="GRCh37")
    scan = scan_file(str(path))
    assert next(c for c in scan.seen if c.site.allele == "Z").position == Z38 + OFFSET_37


def test_truncated_bcf_is_a_clear_error(cohort: Cohort, tmp_path: Path) -> None:
    broken = tmp_path / "broken.bcf"
    broken.write_bytes(cohort.bcf.read_bytes()[:200])
    shutil.copyfile(str(cohort.bcf) + ".csi", str(broken) + ".csi")
    with pytest.raises(InputError) as err:
        scan_file(str(broken))
    assert err.value.field == "file"


@pytest.mark.parametrize("index", [1, 2, 3])
def test_gt_table_look_up_equals_decoding_every_byte_pair(index: int) -> None:
    """All 65,536 pairs of one-byte GT values (alleles, missing, end of vector, phased or not):
    the look-up gives the copies and states that decoding the alleles first gives."""
    from aatd.screening.bcf import BcfRecord
    from aatd.screening.calls import calls_from_alleles

    raw = np.arange(1 << 16, dtype="<u2").tobytes()
    record = BcfRecord(0, 1, "", ("C", "T", "G", "A"), 1 << 16, {"GT": (1, 2, memoryview(raw))})
    direct = record.gt_calls(index)
    alleles = record.gt_alleles()
    assert direct is not None and alleles is not None
    decoded = calls_from_alleles(alleles, index)
    assert decoded is not None
    assert direct[0].dtype == np.int8 and direct[1].dtype == np.uint8
    assert np.array_equal(direct[0], decoded[0]) and np.array_equal(direct[1], decoded[1])
    assert set(direct[1].tolist()) == {0, 1, 2, 5}  # called, missing, half-call and haploid all occur
