"""Fixture files for screening tests, written inside the test run by the real tools.

One seeded generator makes a small cohort (VCF text); bcftools, bgzip and tabix turn it into
BCF and bgzipped VCF with indexes (with and without ``chr``, GRCh38 and GRCh37); plink2 makes
.pgen/.bed and BGEN; plink1.9 makes a 23andMe-format file; vcf2zarr a VCF Zarr store.
The tools are installed by scripts/system-deps.sh: a missing tool fails the test, loudly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from aatd.web.app import create_app
from aatd.web.settings import Settings

N_SAMPLES = 300
SEED = 20261129
Z38, S38, I38 = 94378610, 94380925, 94383051
OFFSET_37 = 466337  # GRCh37 = GRCh38 + 466,337 in this region (alleles.csv)
LENGTH = {"GRCh38": 107043718, "GRCh37": 107349540}

TOOLS = ("bcftools", "bgzip", "tabix", "plink2", "plink1.9")


def tool(name: str) -> str:
    """Absolute path of a required command-line tool; fails (never skips) when absent."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run 'bash scripts/system-deps.sh'")
    return found


def run(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a tool, fail with its stderr when it fails, return stdout."""
    cmd = [str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


@dataclass
class Record:
    pos: int
    rsid: str
    ref: str
    alt: str
    gts: list[str]
    extra: list[str] | None = None  # further FORMAT values per sample (DS:GP)


def draw_gts(rng: np.random.Generator, n: int, af: float, *, missing: float = 0.02, half: float = 0.0,
             alleles: int = 2) -> list[str]:
    """Unphased diploid GT strings: HWE draws, some ./., some half-calls (./1 or ./0)."""
    a = rng.random((n, 2)) < af
    codes = a.astype(int)
    if alleles == 3:
        third = rng.random((n, 2)) < af / 2
        codes = np.where(third & ~a, 2, codes)
    out = []
    u = rng.random(n)
    for i in range(n):
        if u[i] < missing:
            out.append("./.")
        elif u[i] < missing + half:
            out.append(f"./{codes[i, 1]}")
        else:
            out.append(f"{min(codes[i])}/{max(codes[i])}")
    return out


def samples(n: int = N_SAMPLES, prefix: str = "S") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(n)]


def cohort_records(rng: np.random.Generator, n: int, *, half: float = 0.03, multiallelic: bool = False) -> list[Record]:
    """Z, S, I with deficiency-enriched frequencies so every genotype occurs, plus decoys:
    a filler SNP, Mmalton (GAGA>G) and Siiyama (G>A) sharing one position, and C>G at Z."""
    z_alt = "T,G" if multiallelic else "T"
    return [
        Record(94378000, "filler1", "A", "G", draw_gts(rng, n, 0.3)),
        Record(Z38, "rs28929474", "C", z_alt, draw_gts(rng, n, 0.15, half=half, alleles=3 if multiallelic else 2)),
        Record(S38, "rs17580", "T", "A", draw_gts(rng, n, 0.12, half=half)),
        Record(I38 - 43, "rs775982338", "GAGA", "G", draw_gts(rng, n, 0.05)),
        Record(I38 - 43, "siiyama", "G", "A", draw_gts(rng, n, 0.05)),
        Record(I38, "rs28931570", "G", "A", draw_gts(rng, n, 0.04)),
    ]


def write_vcf(path: Path, records: list[Record], names: list[str], *, contig: str = "chr14",
              build: str = "GRCh38", fmt: str = "GT", header_build: str | None = "GRCh38") -> Path:
    """VCF text (input to the real tools); positions shifted to GRCh37 when asked."""
    shift = OFFSET_37 if build == "GRCh37" else 0
    lines = ["##fileformat=VCFv4.2"]
    if header_build:
        lines.append(f"##reference={header_build}")
    lines.append(f"##contig=<ID={contig},length={LENGTH[build]}>")
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    if "DS" in fmt:
        lines.append('##FORMAT=<ID=DS,Number=A,Type=Float,Description="ALT dosage">')
    if "GP" in fmt:
        lines.append('##FORMAT=<ID=GP,Number=G,Type=Float,Description="Genotype probabilities">')
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]))
    for r in sorted(records, key=lambda r: (r.pos, r.rsid)):
        cells = r.gts if r.extra is None else [f"{g}:{e}" for g, e in zip(r.gts, r.extra, strict=True)]
        lines.append("\t".join([contig, str(r.pos + shift), r.rsid, r.ref, r.alt, ".", "PASS", ".", fmt, *cells]))
    path.write_text("\n".join(lines) + "\n")
    return path


def to_bcf(vcf: Path) -> Path:
    out = vcf.with_suffix(".bcf")
    run(tool("bcftools"), "view", "-Ob", "-o", out, vcf)
    run(tool("bcftools"), "index", "-f", out)
    return out


def to_vcf_gz(vcf: Path) -> Path:
    out = Path(str(vcf) + ".gz")
    run(tool("bgzip"), "-f", "-k", vcf)
    run(tool("tabix"), "-f", "-p", "vcf", out)
    return out


def bcftools_counts(path: Path, region: str) -> dict[str, int]:
    """Genotype strings and their counts from ``bcftools query -r`` (the oracle)."""
    out = run(tool("bcftools"), "query", "-r", region, "-f", "[%GT\\n]", path)
    counts: dict[str, int] = {}
    for gt in out.split():
        counts[gt] = counts.get(gt, 0) + 1
    return counts


def plink2_counts(pfile_args: list[str | Path], workdir: Path, name: str) -> dict[str, tuple[int, int, int, int]]:
    """rsID -> (hom-ref, het, hom-alt, missing) from ``plink2 --geno-counts``."""
    run(tool("plink2"), *pfile_args, "--geno-counts", "--out", workdir / name)
    table = (workdir / f"{name}.gcount").read_text().splitlines()
    head = table[0].lstrip("#").split("\t")
    out = {}
    for line in table[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        out[row["ID"]] = (int(row["HOM_REF_CT"]), int(row["HET_REF_ALT_CTS"]), int(row["TWO_ALT_GENO_CTS"]),
                          int(row["MISSING_CT"]))
    return out


@dataclass
class Cohort:
    dir: Path
    names: list[str]
    records: list[Record]
    vcf: Path  # plain text, chr14, GRCh38, half-calls
    vcf_gz: Path
    bcf: Path


@pytest.fixture(scope="session")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    d = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(SEED)
    names = samples()
    records = cohort_records(rng, len(names))
    vcf = write_vcf(d / "chr_grch38.vcf", records, names)
    return Cohort(d, names, records, vcf, to_vcf_gz(vcf), to_bcf(vcf))


@pytest.fixture(scope="session")
def make_vcf(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Write a variant of the cohort and return the BCF (or the .vcf.gz with ``gz=True``)."""
    d = tmp_path_factory.mktemp("variants")
    counter = iter(range(10_000))

    def make(records: list[Record], names: list[str], *, gz: bool = False, **kwargs: object) -> Path:
        vcf = write_vcf(d / f"v{next(counter)}.vcf", records, names, **kwargs)  # type: ignore[arg-type]
        return to_vcf_gz(vcf) if gz else to_bcf(vcf)

    return make


@pytest.fixture(scope="session")
def no_half_cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    """The cohort without half-calls (plink2 refuses them), as BCF, for the PLINK/BGEN tests."""
    d = tmp_path_factory.mktemp("nohalf")
    rng = np.random.default_rng(SEED + 1)
    names = samples()
    records = [r for r in cohort_records(rng, len(names), half=0.0) if r.rsid != "rs775982338"]
    vcf = write_vcf(d / "snps.vcf", records, names)
    return Cohort(d, names, records, vcf, to_vcf_gz(vcf), to_bcf(vcf))


def python_bin(name: str) -> str:
    """A console script installed next to this Python (vcf2zarr)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} is not installed next to {sys.executable}: pip install -e '.[dev]'")
    return str(path)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The web app on a fresh SQLite database, one per test module (the screening API needs no login)."""
    tmp: Path = tmp_path_factory.mktemp("api")
    app = create_app(Settings(data_dir=tmp, database_url=f"sqlite:///{tmp / 'aatd.sqlite3'}",
                              secret_key="test-" + "x" * 40))
    with TestClient(app) as c:
        yield c
    app.state.engine.dispose()
