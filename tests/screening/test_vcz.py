"""VCF Zarr written by bio2zarr's vcf2zarr from a bcftools-written file."""

from __future__ import annotations

from pathlib import Path

from aatd.screening import scan_file

from .conftest import S38, Z38, Cohort, bcftools_counts, python_bin, run


def test_vcz_counts_equal_bcftools(cohort: Cohort) -> None:
    store = cohort.dir / "cohort.vcz"
    if not store.exists():
        run(python_bin("vcf2zarr"), "convert", cohort.vcf_gz, store)
    scan = scan_file(str(store))
    assert scan.format == "vcz" and scan.build == "GRCh38" and scan.contig == "chr14"
    for allele, pos in (("Z", Z38), ("S", S38)):
        mine = next(c for c in scan.seen if c.site.allele == allele).counts()
        oracle = bcftools_counts(cohort.bcf, f"chr14:{pos}")
        assert mine["hom_ref"] == oracle.get("0/0", 0)
        assert mine["het"] == oracle.get("0/1", 0)
        assert mine["hom_alt"] == oracle.get("1/1", 0)
        assert mine["missing"] == oracle.get("./.", 0)
        assert mine["half_call"] == sum(v for k, v in oracle.items() if k not in {"0/0", "0/1", "1/1", "./."})
    assert Path(store).is_dir()
