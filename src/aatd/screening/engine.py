"""``screen(files)``: read each file, stack the samples, genotype them, summarise the cohort.

Each file is one unit of work. With ``workers`` (a local Dask cluster) or ``scheduler``
(the address of a running Dask scheduler) the files are read as Dask tasks in parallel
and gathered; the answer is identical to the single-process one.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable, Sequence
from typing import Any

from aatd.errors import InputError
from aatd.provenance import provenance
from aatd.screening.build import normalise_build
from aatd.screening.cohort import assign_genotypes, merge, summarise
from aatd.screening.model import FileScan
from aatd.screening.result import ScreenResult
from aatd.screening.sites import Site, screening_sites

FORMATS = ("auto", "vcf", "bcf", "plink1", "plink2", "bgen", "vcz", "consumer")
_VCF_SUFFIXES = (".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")


def detect_format(path: str) -> str:
    """The format of ``path`` from its name, then its first bytes."""
    lower = path.lower().rstrip("/")
    if lower.endswith(".bcf"):
        return "bcf"
    if lower.endswith(_VCF_SUFFIXES):
        return "vcf"
    if lower.endswith(".pgen"):
        return "plink2"
    if lower.endswith(".bed"):
        return "plink1"
    if lower.endswith(".bgen"):
        return "bgen"
    if lower.endswith((".vcz", ".zarr")) or os.path.isdir(path):
        return "vcz"
    if not os.path.exists(path):
        for ext, fmt in ((".pgen", "plink2"), (".bed", "plink1")):
            if os.path.exists(path + ext):
                return fmt
        raise InputError("file", path, "an existing genotype file")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"##fileformat=VCF"):
        return "vcf"
    return "consumer"


def _reader(fmt: str) -> Callable[[str, tuple[Site, ...], str], FileScan]:
    if fmt in ("vcf", "bcf"):
        from aatd.screening.vcf import read_vcf
        return read_vcf
    if fmt in ("plink1", "plink2"):
        from aatd.screening.plink import read_plink
        return read_plink
    if fmt == "bgen":
        from aatd.screening.bgen_file import read_bgen
        return read_bgen
    if fmt == "vcz":
        from aatd.screening.vcz import read_vcz
        return read_vcz
    from aatd.screening.consumer import read_consumer
    return read_consumer


def scan_file(path: str, fmt: str = "auto", build: str = "auto", sites: tuple[Site, ...] | None = None) -> FileScan:
    """Read the screened sites of one file (the unit of work of a Dask task)."""
    if fmt not in FORMATS:
        raise InputError("format", fmt, "one of " + ", ".join(FORMATS))
    chosen = detect_format(path) if fmt == "auto" else fmt
    if chosen == "plink2" and not path.endswith(".pgen"):
        path = path + ".pgen"
    elif chosen == "plink1" and not path.endswith(".bed"):
        path = path + ".bed"
    if chosen not in ("vcz",) and not os.path.isfile(path):
        raise InputError("file", path, "an existing genotype file")
    return _reader(chosen)(path, sites or screening_sites(), normalise_build(build))


def screen(files: str | Sequence[str], *, format: str = "auto", build: str = "auto",
           workers: int | None = None, scheduler: str | None = None) -> ScreenResult:
    """Screen genotype files for the catalogue's verified SERPINA1 sites.

    ``files``: VCF/BCF, PLINK 1/2, BGEN, VCF Zarr or consumer raw-data files; several files
    either share their samples (one per region) or hold different samples (batches).
    ``build``: ``auto`` (detected from the alleles), ``GRCh38`` or ``GRCh37``.
    ``workers``: read the files on a local Dask cluster of that many processes;
    ``scheduler``: the address of an existing Dask scheduler (``tcp://host:8786``).
    """
    paths = [files] if isinstance(files, str) else list(files)
    if not paths:
        raise InputError("files", paths, "at least one genotype file")
    if format not in FORMATS:
        raise InputError("format", format, "one of " + ", ".join(FORMATS))
    wanted_build = normalise_build(build)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError("workers", workers, "a whole number of worker processes, 1 or more")
    sites = screening_sites()
    if workers is not None or scheduler is not None:
        scans, engine = _scan_dask(paths, format, wanted_build, sites, workers, scheduler), "dask"
    else:
        scans, engine = [scan_file(p, format, wanted_build, sites) for p in paths], "single process"
    return assemble(scans, sites, engine)


def assemble(scans: list[FileScan], sites: tuple[Site, ...], engine: str = "single process") -> ScreenResult:
    """Combine file scans into the screening answer."""
    cohort = merge(scans, sites)
    calls = assign_genotypes(cohort)
    summary = summarise(cohort, calls)
    warnings = [w for scan in scans for w in scan.warnings]
    prov = _provenance(engine=engine, readers=sorted({s.reader for s in scans}),
                      files=[{"path": s.path, "format": s.format, "build": s.build, "build_basis": s.build_basis,
                              "bytes": _size(s.path)} for s in scans],
                      sites_source="src/aatd/data/alleles.csv (verified rows)")
    return ScreenResult(cohort, calls, summary, warnings, prov)


@functools.cache
def _versions() -> dict[str, object]:
    """aatd and data versions (looked up once per process: package metadata is slow to read)."""
    return provenance()


def _provenance(**parameters: object) -> dict[str, object]:
    return {**_versions(), **parameters}


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _scan_dask(paths: list[str], fmt: str, build: str, sites: tuple[Site, ...], workers: int | None,
               address: str | None) -> list[FileScan]:
    try:
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError as exc:  # pragma: no cover
        raise InputError("workers", workers, "Dask installed (pip install 'aatd[dask]')") from exc
    if address is None:
        cluster = distributed.LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        cluster, client = None, distributed.Client(address)
    try:
        futures = client.map(_scan_task, paths, [fmt] * len(paths), [build] * len(paths),
                             [sites] * len(paths), pure=False)
        outcomes: list[FileScan | tuple[str, str, str, str]] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    scans = []
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            field, value, expected, hint = outcome
            raise InputError(field, value, expected, hint=hint)
        scans.append(outcome)
    return scans


def _scan_task(path: str, fmt: str, build: str, sites: tuple[Site, ...]) -> FileScan | tuple[str, str, str, str]:
    """:func:`scan_file` on a worker; a user error comes back as data (it is not picklable as raised)."""
    try:
        return scan_file(path, fmt, build, sites)
    except InputError as exc:
        value = exc.value if isinstance(exc.value, str) else repr(exc.value)
        return (exc.field, value, exc.expected, exc.hint)
