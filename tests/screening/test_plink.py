"""PLINK 2 and PLINK 1 readers against plink2 --geno-counts, and the PLINK allele-order traps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.errors import InputError
from aatd.screening import CallState, Match, scan_file

from .conftest import S38, Z38, Cohort, plink2_counts, run, tool


@pytest.fixture(scope="module")
def pfiles(no_half_cohort: Cohort) -> dict[str, Path]:
    d = no_half_cohort.dir
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-pgen", "--out", d / "p")
    run(tool("plink2"), "--pfile", d / "p", "--make-bed", "--out", d / "p")
    # plink1.9 without --keep-allele-order makes the minor allele A1: the classic swap
    run(tool("plink1.9"), "--bfile", d / "p", "--make-bed", "--out", d / "p19")
    return {"pgen": d / "p.pgen", "bed": d / "p.bed", "bed19": d / "p19.bed", "dir": d}


def _counts(path: Path, allele: str) -> tuple[int, int, int, int]:
    calls = next(c for c in scan_file(str(path)).seen if c.site.allele == allele)
    c = calls.counts()
    return (c["hom_ref"], c["het"], c["hom_alt"], c["missing"])


@pytest.mark.parametrize("kind", ["pgen", "bed"])
def test_counts_equal_plink2(pfiles: dict[str, Path], kind: str) -> None:
    oracle = plink2_counts(["--pfile", pfiles["dir"] / "p"], pfiles["dir"], "gc")
    for allele, rsid in (("Z", "rs28929474"), ("S", "rs17580"), ("I", "rs28931570")):
        assert _counts(pfiles[kind], allele) == oracle[rsid]


def test_plink2_export_a_counts_ref_unless_told(pfiles: dict[str, Path], no_half_cohort: Cohort) -> None:
    """`plink2 --export A` scores REF copies; with --export-allele it scores Z. aatd always scores Z."""
    d = pfiles["dir"]
    (d / "snps.txt").write_text("rs28929474\n")
    (d / "alt.txt").write_text("rs28929474\tT\n")
    run(tool("plink2"), "--pfile", d / "p", "--extract", d / "snps.txt", "--export", "A", "--out", d / "ref")
    run(tool("plink2"), "--pfile", d / "p", "--extract", d / "snps.txt", "--export", "A", "--export-allele",
        d / "alt.txt", "--out", d / "alt")
    ref_raw = (d / "ref.raw").read_text().splitlines()
    alt_raw = (d / "alt.raw").read_text().splitlines()
    assert ref_raw[0].split("\t")[-1] == "rs28929474_C" and alt_raw[0].split("\t")[-1] == "rs28929474_T"
    z = next(c for c in scan_file(str(pfiles["pgen"])).seen if c.site.allele == "Z")
    scored = [line.split("\t")[-1] for line in alt_raw[1:]]
    mine = [str(v) if s == CallState.CALLED else "NA" for v, s in zip(z.copies.tolist(), z.state.tolist(), strict=True)]
    assert mine == scored
    ref_scored = [line.split("\t")[-1] for line in ref_raw[1:]]
    assert any(r != a for r, a in zip(ref_scored, scored, strict=True))


def test_plink19_minor_allele_swap_is_read_correctly(pfiles: dict[str, Path]) -> None:
    bim = (pfiles["dir"] / "p19.bim").read_text()
    z_line = next(line for line in bim.splitlines() if "rs28929474" in line).split("\t")
    assert (z_line[4], z_line[5]) in {("T", "C"), ("C", "T")}
    assert _counts(pfiles["bed19"], "Z") == _counts(pfiles["pgen"], "Z")


def test_swapped_a_t_site_in_a_bim_is_refused_never_flipped(pfiles: dict[str, Path], tmp_path: Path) -> None:
    """S (A/T) with A1/A2 reversed: plus-strand swap or minus strand? Unknowable, so refused."""
    for ext in (".bed", ".fam"):
        (tmp_path / f"x{ext}").write_bytes((pfiles["dir"] / f"p{ext}").read_bytes())
    lines = []
    for line in (pfiles["dir"] / "p.bim").read_text().splitlines():
        f = line.split("\t")
        if f[1] == "rs17580":
            f[4], f[5] = f[5], f[4]
        lines.append("\t".join(f))
    (tmp_path / "x.bim").write_text("\n".join(lines) + "\n")
    scan = scan_file(str(tmp_path / "x.bed"))
    assert "S" not in {c.site.allele for c in scan.seen}
    note = next(n for n in scan.not_seen if n.site.allele == "S")
    assert note.reason.startswith("refused") and "never flipped" in note.reason
    z = next(c for c in scan.seen if c.site.allele == "Z")
    assert z.match == Match.EXACT and z.position == Z38


def test_minus_strand_c_t_site_is_flipped_with_a_warning(pfiles: dict[str, Path], tmp_path: Path) -> None:
    for ext in (".bed", ".fam"):
        (tmp_path / f"m{ext}").write_bytes((pfiles["dir"] / f"p{ext}").read_bytes())
    comp = str.maketrans("ACGT", "TGCA")
    lines = []
    for line in (pfiles["dir"] / "p.bim").read_text().splitlines():
        f = line.split("\t")
        if f[1] == "rs28929474":
            f[4], f[5] = f[4].translate(comp), f[5].translate(comp)
        lines.append("\t".join(f))
    (tmp_path / "m.bim").write_text("\n".join(lines) + "\n")
    scan = scan_file(str(tmp_path / "m.bed"))
    z = next(c for c in scan.seen if c.site.allele == "Z")
    assert z.match == Match.FLIPPED
    assert any("flipped" in w for w in scan.warnings)
    assert _counts(tmp_path / "m.bed", "Z") == _counts(pfiles["pgen"], "Z")
    assert next(c for c in scan.seen if c.site.allele == "S").position == S38


def test_prefix_without_extension_and_missing_sidecar(pfiles: dict[str, Path], tmp_path: Path) -> None:
    assert scan_file(str(pfiles["dir"] / "p"), fmt="plink2").format == "plink2"
    (tmp_path / "lonely.pgen").write_bytes((pfiles["dir"] / "p.pgen").read_bytes())
    with pytest.raises(InputError) as err:
        scan_file(str(tmp_path / "lonely.pgen"))
    assert err.value.field == "file" and "lonely.pvar" in str(err.value.value)


def test_unrelated_c_t_snp_at_the_grch37_position_does_not_flip_the_build(no_half_cohort: Cohort,
                                                                          tmp_path: Path) -> None:
    """Imputed files are dense: a C/T SNP at 94844947 in a GRCh38 file matches Z's GRCh37 alleles.
    The record carrying rs28929474 decides the build."""
    from .conftest import OFFSET_37, Record, to_bcf, write_vcf

    decoy = Record(Z38 + OFFSET_37, "decoy", "C", "T", ["0/1"] * len(no_half_cohort.names))
    bcf = to_bcf(write_vcf(tmp_path / "dense.vcf", [*no_half_cohort.records, decoy], no_half_cohort.names))
    run(tool("plink2"), "--bcf", bcf, "--make-bed", "--out", tmp_path / "dense")
    scan = scan_file(str(tmp_path / "dense.bed"))
    assert scan.build == "GRCh38"
    z = next(c for c in scan.seen if c.site.allele == "Z")
    assert z.position == Z38 and z.counts()["het"] < len(no_half_cohort.names)


@pytest.mark.parametrize("chunk_bytes", [64, 1000, 1 << 24])
def test_fast_pvar_scan_equals_the_line_by_line_scan(tmp_path: Path, chunk_bytes: int) -> None:
    """The byte-level .pvar scan (pieces cut at line ends, multi-allelic lines found by their
    commas) finds the same variants, indices and allele counts as parsing every line, also when
    INFO holds commas, the position appears in another column, and pieces are tiny."""
    from aatd.screening.plink import _scan_pvar_fast, _scan_variants

    rng = np.random.default_rng(3)
    lines = ["##fileformat=PVARv1.0", "##contig=<ID=14,length=107043718>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for i in range(800):
        contig = "13" if i < 100 else "14"
        pos = 94_300_000 + i * 97
        alt = "G,T" if i % 37 == 0 else "G"
        info = "AF=0.1,0.2" if i % 5 == 0 else "."
        lines.append(f"{contig}\t{pos}\tv{i}\tA\t{alt}\t.\tPASS\t{info}")
    lines.insert(400, f"14\t{Z38}\trs28929474\tC\tT,A\t.\tPASS\tX={S38}")
    lines.insert(500, f"14\t{S38}\trs17580\tT\tA\t.\tPASS\t.")
    lines.insert(50, f"13\t{S38}\tdecoy\tT\tA\t.\tPASS\t.")  # right position, wrong chromosome
    lines.insert(60, f"14\t1234\t{Z38}\tA\tG\t.\tPASS\t.")  # Z's position in the ID column
    rng.shuffle(lines[3:53])  # chromosome 13 stays unsorted: the scan must not assume order
    pvar = tmp_path / "x.pvar"
    pvar.write_text("\n".join(lines) + "\n")
    positions = {Z38, S38, 1234}
    fast = _scan_pvar_fast(str(pvar), positions, chunk_bytes)
    slow = _scan_variants(str(pvar), False, positions)
    assert fast is not None
    assert fast[0] == slow[0] and [v.position for v in fast[0]] == [1234, Z38, S38]
    assert fast[1] == slow[1] and sorted(fast[2]) == sorted(slow[2]) and fast[3] == slow[3]
    assert "14" in fast[4] and "13" in fast[4]
    bim_like = tmp_path / "nohead.pvar"
    bim_like.write_text("14\t94378610\trs28929474\tC\tT\n")
    assert _scan_pvar_fast(str(bim_like), positions) is None


_CELL = st.text(st.sampled_from("abcXYZ019_-."), min_size=1, max_size=6)


@given(st.integers(1, 4), st.integers(0, 3), st.lists(st.lists(_CELL, min_size=4, max_size=4), max_size=12),
       st.sampled_from(["\t", " ", "  "]), st.booleans())
def test_joined_iids_equals_splitting_then_joining(width: int, iid: int, cells: list[list[str]], sep: str,
                                                   final_newline: bool) -> None:
    """A .psam with a header naming IID in any column, or a .fam (IID second of six columns)."""
    from aatd.screening.plink import _split_table, joined_iids

    names = ["IID" if i == iid % width else f"C{i}" for i in range(width)]
    lines = ["#" + "\t".join(names)] + [sep.join(row[:width]) for row in cells]
    for raw, fam in (("\n".join(lines) + ("\n" if final_newline else "")).encode(), False), \
                    ("\n".join(" ".join([*row, *row][:6]) for row in cells).encode(), True):
        assert joined_iids(raw, fam) == "\t".join(_split_table(raw.decode(), fam)).encode()
