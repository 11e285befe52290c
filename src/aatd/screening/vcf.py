"""VCF and BCF through cyvcf2 (htslib): indexed look-ups of the screened positions.

With a CSI/TBI index only the screened positions are read (both builds' positions, so
the build is shown by the REF alleles); without one the file is streamed once, record by
record, in constant memory. The chromosome is looked up under the name the file uses
(``14``, ``chr14``, ``NC_000014.9``): asking htslib for ``14`` in a ``chr14`` file returns
nothing, silently, which is the classic way to miss every carrier.
"""

from __future__ import annotations

import importlib
import os
import struct
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from aatd.errors import InputError
from aatd.screening.bcf import BcfHeader, open_header, read_csi, records_near
from aatd.screening.build import BuildEvidence, builds_named, choose_build
from aatd.screening.calls import apply_dosage, dosage_from_gp, fill_from_alleles, quiet_nan
from aatd.screening.model import FileScan, SiteCalls, SiteNote, empty_calls
from aatd.screening.sites import (
    BUILD_OF_CONTIG,
    BUILDS,
    CHROMOSOME_14_LENGTH,
    CHROMOSOME_14_NAMES,
    Match,
    Site,
    is_ambiguous,
    locate,
)


def _cyvcf2() -> Any:
    try:
        return importlib.import_module("cyvcf2")
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise InputError("format", "vcf", "cyvcf2 installed (pip install 'aatd[screening]')") from exc


def _index_exists(path: str) -> bool:
    return any(os.path.exists(path + ext) for ext in (".csi", ".tbi"))


def _contig(path: str, names: list[str]) -> str:
    present = [n for n in CHROMOSOME_14_NAMES if n in names]
    if not present:
        shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
        raise InputError("contig", f"{path}: {shown or 'no contigs'}",
                         "a chromosome 14 contig named 14, chr14 or NC_000014.x")
    return present[0]


def _declared_builds(header: str, contig: str) -> set[str]:
    declared = set()
    if contig in BUILD_OF_CONTIG:
        declared.add(BUILD_OF_CONTIG[contig])
    for line in header.splitlines():
        if line.startswith("##contig=") and f"ID={contig}," in line + ",":
            for length, build in CHROMOSOME_14_LENGTH.items():
                if f"length={length}" in line:
                    declared.add(build)
            if "assembly=" in line:
                declared |= builds_named([line.split("assembly=", 1)[1]])
        elif line.startswith(("##reference", "##assembly")):
            declared |= builds_named([line])
    return declared


class _Record(Protocol):
    """One VCF/BCF record as the scan needs it (cyvcf2's or :mod:`aatd.screening.bcf`'s)."""

    pos: int
    rsid: str
    alleles: tuple[str, ...]

    def gt_alleles(self) -> npt.NDArray[np.integer] | None: ...

    def gt_calls(self, index: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]] | None: ...

    def floats(self, name: str) -> npt.NDArray[np.floating] | None: ...


class _Cyvcf2Record:
    """A cyvcf2 record seen through :class:`_Record`."""

    __slots__ = ("_record", "alleles", "pos", "rsid")

    def __init__(self, record: Any) -> None:
        self._record = record
        self.pos: int = record.POS
        self.rsid: str = record.ID or ""
        self.alleles: tuple[str, ...] = (record.REF, *record.ALT)

    def gt_alleles(self) -> npt.NDArray[np.integer] | None:
        genotype = self._record.genotype
        if genotype is None:
            return None
        values: npt.NDArray[np.integer] = genotype.array()[:, :-1]
        return values

    def gt_calls(self, index: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]] | None:
        """Not offered: cyvcf2's decoded alleles go through :func:`fill_from_alleles`."""
        return None

    def floats(self, name: str) -> npt.NDArray[np.floating] | None:
        values: npt.NDArray[np.float32] | None = self._record.format(name)
        return None if values is None else quiet_nan(values)


def _records(vcf: Any, contig: str, positions: set[int], indexed: bool) -> Iterator[_Record]:
    """Records on ``contig`` at ``positions``: index look-ups, or one streaming pass."""
    if indexed:
        for pos in sorted(positions):  # contig is one the file has, so htslib has nothing to warn about
            yield from map(_Cyvcf2Record, vcf(f"{contig}:{pos}-{pos}"))
        return
    for record in vcf:
        if contig == record.CHROM and record.POS in positions:
            yield _Cyvcf2Record(record)


_CLUSTER_BP = 65_536
"""Screened positions closer than this (bp) are read in one pass from the index's start offset."""


def _clusters(positions: list[int]) -> list[tuple[int, int]]:
    """Sorted positions grouped into (first, last) runs with gaps of at most :data:`_CLUSTER_BP`."""
    out: list[tuple[int, int]] = []
    for pos in positions:
        if out and pos - out[-1][1] <= _CLUSTER_BP:
            out[-1] = (out[-1][0], pos)
        else:
            out.append((pos, pos))
    return out


def _bcf_records(path: str, header: BcfHeader, contig: str, positions: set[int]) -> Iterator[_Record]:
    """Records at ``positions`` of an indexed BCF, read directly: one index look-up and one
    forward read per cluster of positions (the two builds' positions are 466 kb apart)."""
    index = read_csi(path + ".csi")
    tid = header.contigs.index(contig)
    for beg, end in _clusters(sorted(positions)):
        for record in records_near(path, index, header, tid, beg, end):
            if record.pos in positions:
                yield record


def _fill(calls: SiteCalls, record: _Record, index: int, formats: set[str]) -> None:
    direct = record.gt_calls(index) if "GT" in formats else None
    if direct is not None:
        calls.copies, calls.state = direct
    gt = record.gt_alleles() if direct is None and "GT" in formats else None
    if gt is not None:
        fill_from_alleles(calls, gt, index)
    gp = record.floats("GP") if "GP" in formats and len(record.alleles) == 2 else None
    ds = record.floats("DS") if "DS" in formats else None
    if ds is not None and ds.shape[1] >= index >= 1:
        apply_dosage(calls, ds[:, index - 1], gp)
    elif gp is not None and gp.shape[1] == 3:
        apply_dosage(calls, dosage_from_gp(gp, True), gp)


def read_vcf(path: str, sites: tuple[Site, ...], build: str = "auto") -> FileScan:
    """Screen a VCF or BCF file (plain, bgzipped; indexed or not).

    An indexed BCF is read directly (:mod:`aatd.screening.bcf`: five times faster than
    opening it with htslib at biobank sample counts); everything else through cyvcf2.
    """
    positions = {site.position(b) for site in sites for b in BUILDS}
    if path.endswith(".bcf") and os.path.exists(path + ".csi"):
        try:
            header = open_header(path)
            contig = _contig(path, header.contigs)
            scan = FileScan(path, "bcf", None, header.samples, reader="aatd BCF reader (CSI index)", contig=contig)
            return _scan(scan, header.text, contig, _bcf_records(path, header, contig, positions), sites, build)
        except InputError:
            raise
        except (struct.error, KeyError, IndexError, ValueError) as exc:  # malformed bytes, not a user's choice
            raise InputError("file", path, "a valid BCF file with its .csi index (as bcftools writes them)",
                             hint=f"{type(exc).__name__}: {exc}") from exc
    cyvcf2 = _cyvcf2()
    try:
        vcf = cyvcf2.VCF(path, lazy=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError("file", path, "a readable VCF or BCF file", hint=str(exc)) from exc
    try:
        contig = _contig(path, list(vcf.seqnames))
        indexed = _index_exists(path)
        scan = FileScan(path, "bcf" if path.endswith(".bcf") else "vcf", None, list(vcf.samples),
                        reader=f"cyvcf2 {cyvcf2.__version__}", contig=contig)
        if not indexed:
            scan.warnings.append(f"{path}: no .csi/.tbi index, so the whole file was read; index it with "
                                 "'bcftools index' for instant look-ups")
        return _scan(scan, vcf.raw_header, contig, _records(vcf, contig, positions, indexed), sites, build)
    finally:
        vcf.close()


def _scan(scan: FileScan, header: str, contig: str, records: Iterator[_Record], sites: tuple[Site, ...],
          build: str) -> FileScan:
    """Match the records to the sites, fill their calls and choose the build."""
    path = scan.path
    wanted: dict[int, list[tuple[Site, str]]] = {}
    for site in sites:
        for b in BUILDS:
            wanted.setdefault(site.position(b), []).append((site, b))
    evidence = BuildEvidence()
    found: dict[tuple[str, str], SiteCalls] = {}
    notes: dict[tuple[str, str], str] = {}
    n = len(scan.samples)
    formats = {line.split("ID=", 1)[1].split(",", 1)[0] for line in header.splitlines()
               if line.startswith("##FORMAT=<") and "ID=" in line}
    for record in records:
        alleles = record.alleles
        for site, b in wanted.get(record.pos, []):
            located = locate(site, alleles, reference_anchored=True)
            if located is not None:  # REF and ALT both as catalogued: specific evidence for build b
                evidence.add(b, site.label(b), True, same_id=site.rsid == record.rsid)
            elif len(alleles[0]) == len(site.ref) and site.ref != alleles[0]:
                evidence.add(b, site.label(b), False)
            key = (site.allele, b)
            if located is None:
                if is_ambiguous(site, alleles):
                    notes[key] = f"refused: {'/'.join(alleles)} at {contig}:{record.pos} is the A/T site in " \
                                 "reverse order; its strand cannot be known, so it is never flipped"
                elif key not in found:
                    notes.setdefault(key, f"other alleles only at {contig}:{record.pos} "
                                          f"({alleles[0]}>{','.join(alleles[1:])})")
                continue
            if key in found:
                scan.warnings.append(f"{path}: {site.label(b)} appears in more than one record; the first was used")
                continue
            calls = empty_calls(site, Match.EXACT, contig, record.pos, alleles, n)
            _fill(calls, record, located.index, formats)
            found[key] = calls
            notes.pop(key, None)
    chosen, how = choose_build(path, build, _declared_builds(header, contig), evidence)
    scan.build, scan.build_basis = chosen, how
    for site in sites:
        key = (site.allele, chosen) if chosen else (site.allele, "")
        if key in found:
            scan.seen.append(found[key])
        else:
            default = f"no record at {contig}:{site.position(chosen)}" if chosen else "no record at either build"
            scan.not_seen.append(SiteNote(site, notes.get(key, default)))
    return scan
