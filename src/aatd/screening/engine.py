"""``screen(files)``: read each file, stack the samples, genotype them, summarise the cohort.

Each file is one unit of work. With ``workers`` (a local Dask cluster) or ``scheduler``
(the address of a running Dask scheduler) the files are read as Dask tasks in parallel
and gathered; the answer is identical to the single-process one.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

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
           workers: int | None = None, scheduler: str | None = None,
           split_samples: int | None = None) -> ScreenResult:
    """Screen genotype files for the catalogue's verified SERPINA1 sites.

    ``files``: VCF/BCF, PLINK 1/2, BGEN, VCF Zarr or consumer raw-data files; several files
    either share their samples (one per region) or hold different samples (batches).
    ``build``: ``auto`` (detected from the alleles), ``GRCh38`` or ``GRCh37``.
    ``workers``: read the files on a local Dask cluster of that many processes;
    ``scheduler``: the address of an existing Dask scheduler (``tcp://host:8786``).
    ``split_samples``: on Dask, read each file in pieces of at most this many samples, one
    task per piece (a single biobank file spread over the cluster); the pieces are put back
    in file order, so the answer equals the single-process one.
    """
    paths = [files] if isinstance(files, str) else list(files)
    if not paths:
        raise InputError("files", paths, "at least one genotype file")
    if format not in FORMATS:
        raise InputError("format", format, "one of " + ", ".join(FORMATS))
    wanted_build = normalise_build(build)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError("workers", workers, "a whole number of worker processes, 1 or more")
    if split_samples is not None and (isinstance(split_samples, bool) or not isinstance(split_samples, int)
                                      or split_samples < 1):
        raise InputError("split_samples", split_samples, "a whole number of samples per task, 1 or more")
    if split_samples is not None and workers is None and scheduler is None:
        raise InputError("split_samples", split_samples, "--workers or --scheduler as well (pieces are Dask tasks)")
    sites = screening_sites()
    if workers is not None or scheduler is not None:
        scans = _scan_dask(paths, format, wanted_build, sites, workers, scheduler, split_samples)
        engine = "dask" if split_samples is None else f"dask, pieces of at most {split_samples:,} samples"
    else:
        scans, engine = [scan_file(p, format, wanted_build, sites) for p in paths], "single process"
    return assemble(scans, sites, engine)


def assemble(scans: list[FileScan], sites: tuple[Site, ...], engine: str = "single process") -> ScreenResult:
    """Combine file scans into the screening answer."""
    cohort = merge(scans, sites)
    calls = assign_genotypes(cohort)
    summary = summarise(cohort, calls)
    warnings = [w for scan in scans for w in scan.warnings]
    prov = provenance(engine=engine, readers=sorted({s.reader for s in scans}),
                      files=[{"path": s.path, "format": s.format, "build": s.build, "build_basis": s.build_basis,
                              "bytes": _size(s.path)} for s in scans],
                      sites_source="src/aatd/data/alleles.csv (verified rows)")
    return ScreenResult(cohort, calls, summary, warnings, prov)


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _scan_dask(paths: list[str], fmt: str, build: str, sites: tuple[Site, ...], workers: int | None,
               address: str | None, split_samples: int | None = None) -> list[FileScan]:
    try:
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError as exc:  # pragma: no cover
        raise InputError("workers", workers, "Dask installed (pip install 'aatd[dask]')") from exc
    tasks = [(path, piece) for path in paths for piece in _pieces(path, fmt, split_samples)]
    if address is None:
        # ":0": the scheduler's HTTP routes on a free port, never the default 8787 another cluster may hold
        cluster = distributed.LocalCluster(n_workers=workers or 1, threads_per_worker=1, processes=True,
                                           dashboard_address=":0")
        client = distributed.Client(cluster)
    else:
        cluster, client = None, distributed.Client(address)
    try:
        futures = client.map(_scan_task, [t[0] for t in tasks], [fmt] * len(tasks), [build] * len(tasks),
                             [sites] * len(tasks), [t[1] for t in tasks], pure=False)
        outcomes: list[FileScan | tuple[str, str, str, str]] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    scans: list[FileScan] = []
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            field, value, expected, hint = outcome
            raise InputError(field, value, expected, hint=hint)
        scans.append(outcome)
    return _join_pieces(scans, [t[1] for t in tasks])


def _pieces(path: str, fmt: str, split_samples: int | None) -> list[tuple[int, int] | None]:
    """Sample ranges ``[start, stop)`` of ``path`` for one task each (``[None]``: the whole file)."""
    if split_samples is None:
        return [None]
    count = sample_count(path, fmt)
    if count is None or count <= split_samples:
        return [None]
    return [(start, min(start + split_samples, count)) for start in range(0, count, split_samples)]


def sample_count(path: str, fmt: str = "auto") -> int | None:
    """Samples in ``path`` from its header alone (BCF, PLINK 2, PLINK 1); None for other formats."""
    chosen = detect_format(path) if fmt == "auto" else fmt
    if chosen == "bcf" and os.path.isfile(path):
        from aatd.screening.bcf import open_header
        return len(open_header(path).samples)
    if chosen in ("plink1", "plink2"):
        from aatd.screening.plink import plink_sample_count
        return plink_sample_count(path)
    return None


def _slice_scan(scan: FileScan, start: int, stop: int) -> FileScan:
    """The samples ``[start, stop)`` of a scan (every site's arrays cut the same way)."""
    part = FileScan(scan.path, scan.format, scan.build, list(scan.samples[start:stop]), scan.build_basis,
                    [], list(scan.not_seen), list(scan.warnings), scan.reader, scan.contig)
    for calls in scan.seen:
        part.seen.append(replace(calls, copies=calls.copies[start:stop], state=calls.state[start:stop],
                                 probability=None if calls.probability is None else calls.probability[start:stop],
                                 dosage=None if calls.dosage is None else calls.dosage[start:stop]))
    return part


def _join_pieces(scans: list[FileScan], pieces: list[tuple[int, int] | None]) -> list[FileScan]:
    """Put the pieces of each file back together, in order (whole files pass through)."""
    out: list[FileScan] = []
    for scan, piece in zip(scans, pieces, strict=True):
        if piece is None or piece[0] == 0:
            out.append(scan)
            continue
        whole = out[-1]
        samples = list(whole.samples)
        samples.extend(scan.samples)
        whole.samples = samples
        for i, (mine, more) in enumerate(zip(whole.seen, scan.seen, strict=True)):
            whole.seen[i] = replace(mine, copies=np.concatenate([mine.copies, more.copies]),
                                    state=np.concatenate([mine.state, more.state]),
                                    probability=_join_optional(mine.probability, more.probability, len(mine.copies),
                                                               len(more.copies)),
                                    dosage=_join_optional(mine.dosage, more.dosage, len(mine.copies),
                                                          len(more.copies)))
    return out


def _join_optional(a: npt.NDArray[np.float32] | None, b: npt.NDArray[np.float32] | None, na: int,
                   nb: int) -> npt.NDArray[np.float32] | None:
    if a is None and b is None:
        return None
    return np.concatenate([np.full(na, np.nan, np.float32) if a is None else a,
                           np.full(nb, np.nan, np.float32) if b is None else b])


def _scan_task(path: str, fmt: str, build: str, sites: tuple[Site, ...],
               piece: tuple[int, int] | None = None) -> FileScan | tuple[str, str, str, str]:
    """:func:`scan_file` on a worker, cut to ``piece`` (a sample range); a user error comes
    back as data (it is not picklable as raised)."""
    try:
        scan = scan_file(path, fmt, build, sites)
        return scan if piece is None else _slice_scan(scan, *piece)
    except InputError as exc:
        value = exc.value if isinstance(exc.value, str) else repr(exc.value)
        return (exc.field, value, exc.expected, exc.hint)
