"""BGEN: written by plink2 (ref-first and its REF-second default) and by the bgen writer."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from aatd.screening import CallState, Match, scan_file

from .conftest import Z38, Cohort, plink2_counts, run, tool


@pytest.fixture(scope="module")
def bgens(no_half_cohort: Cohort) -> dict[str, Path]:
    d = no_half_cohort.dir
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-pgen", "--out", d / "b")
    run(tool("plink2"), "--pfile", d / "b", "--export", "bgen-1.2", "bits=8", "ref-first", "--out", d / "first")
    run(tool("plink2"), "--pfile", d / "b", "--export", "bgen-1.2", "bits=8", "--out", d / "second")
    return {"first": d / "first.bgen", "second": d / "second.bgen", "dir": d}


def _counts(path: Path, allele: str) -> tuple[int, int, int, int]:
    c = next(c for c in scan_file(str(path)).seen if c.site.allele == allele).counts()
    return (c["hom_ref"], c["het"], c["hom_alt"], c["missing"])


def test_ref_first_bgen_equals_plink2(bgens: dict[str, Path]) -> None:
    oracle = plink2_counts(["--pfile", bgens["dir"] / "b"], bgens["dir"], "bg")
    for allele, rsid in (("Z", "rs28929474"), ("S", "rs17580"), ("I", "rs28931570")):
        assert _counts(bgens["first"], allele) == oracle[rsid]


def test_plink2_default_bgen_inverts_counts_when_read_ref_first(bgens: dict[str, Path]) -> None:
    """The trap: plink2 writes REF second; reading it back `ref-first` inverts every count."""
    d = bgens["dir"]
    truth = plink2_counts(["--pfile", d / "b"], d, "truth")["rs28929474"]
    inverted = plink2_counts(["--bgen", bgens["second"], "ref-first", "--sample", d / "second.sample"], d, "inv")
    assert inverted["rs28929474"] == (truth[2], truth[1], truth[0], truth[3])


def test_aatd_reads_z_from_the_ref_second_bgen_and_refuses_s(bgens: dict[str, Path]) -> None:
    scan = scan_file(str(bgens["second"]))
    z = next(c for c in scan.seen if c.site.allele == "Z")
    assert z.match == Match.SWAPPED
    assert _counts(bgens["second"], "Z") == _counts(bgens["first"], "Z")
    s_note = next(n for n in scan.not_seen if n.site.allele == "S")
    assert s_note.reason.startswith("refused") and "never flipped" in s_note.reason


def test_bgen_writer_with_index_and_probabilities(tmp_path: Path) -> None:
    bgen: Any = importlib.import_module("bgen")
    path = tmp_path / "imputed.bgen"
    probs = np.array([[1, 0, 0], [0, 1, 0], [0.02, 0.93, 0.05], [0.6, 0.1, 0.3]], dtype=float)
    writer = bgen.BgenWriter(str(path), n_samples=4, samples=["a", "b", "c", "d"], compression="zstd", layout=2)
    writer.add_variant(varid="rs28929474", rsid="rs28929474", chrom="14", pos=Z38, alleles=["C", "T"],
                       genotypes=probs)
    writer.close()
    assert Path(str(path) + ".bgi").exists()
    z = next(c for c in scan_file(str(path)).seen if c.site.allele == "Z")
    assert z.state.tolist() == [CallState.CALLED, CallState.CALLED, CallState.DOSAGE, CallState.UNCERTAIN]
    assert z.copies.tolist()[:3] == [0, 1, 1]
    assert z.probability is not None and abs(float(z.probability[2]) - 0.93) < 0.01
