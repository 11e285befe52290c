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
from collections.abc import Iterator
from typing import Any

from aatd.errors import InputError
from aatd.screening.build import BuildEvidence, builds_named, choose_build
from aatd.screening.calls import apply_dosage, dosage_from_gp, fill_from_alleles
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


def _records(vcf: Any, contig: str, positions: set[int], indexed: bool) -> Iterator[Any]:
    """Records on ``contig`` at ``positions``: index look-ups, or one streaming pass."""
    if indexed:
        for pos in sorted(positions):  # contig is one the file has, so htslib has nothing to warn about
            yield from vcf(f"{contig}:{pos}-{pos}")
        return
    for record in vcf:
        if contig == record.CHROM and record.POS in positions:
            yield record


def _fill(calls: SiteCalls, record: Any, index: int, formats: set[str]) -> None:
    if "GT" in formats and record.genotype is not None:
        fill_from_alleles(calls, record.genotype.array()[:, :-1], index)
    gp = record.format("GP") if "GP" in formats and len(record.ALT) == 1 else None
    ds = record.format("DS") if "DS" in formats else None
    if ds is not None and ds.shape[1] >= index >= 1:
        apply_dosage(calls, ds[:, index - 1], gp)
    elif gp is not None and gp.shape[1] == 3:
        apply_dosage(calls, dosage_from_gp(gp, True), gp)


def read_vcf(path: str, sites: tuple[Site, ...], build: str = "auto") -> FileScan:
    """Screen a VCF or BCF file (plain, bgzipped; indexed or not)."""
    cyvcf2 = _cyvcf2()
    try:
        vcf = cyvcf2.VCF(path, lazy=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError("file", path, "a readable VCF or BCF file", hint=str(exc)) from exc
    try:
        return _scan(vcf, path, sites, build)
    finally:
        vcf.close()


def _scan(vcf: Any, path: str, sites: tuple[Site, ...], build: str) -> FileScan:
    header: str = vcf.raw_header
    contig = _contig(path, list(vcf.seqnames))
    indexed = _index_exists(path)
    fmt = "bcf" if path.endswith(".bcf") else "vcf"
    scan = FileScan(path, fmt, None, list(vcf.samples), reader=f"cyvcf2 {_cyvcf2().__version__}", contig=contig)
    if not indexed:
        scan.warnings.append(f"{path}: no .csi/.tbi index, so the whole file was read; index it with "
                             "'bcftools index' for instant look-ups")
    wanted = {site.position(b): [] for site in sites for b in BUILDS}  # type: dict[int, list[tuple[Site, str]]]
    for site in sites:
        for b in BUILDS:
            wanted[site.position(b)].append((site, b))
    evidence = BuildEvidence()
    found: dict[tuple[str, str], SiteCalls] = {}
    notes: dict[tuple[str, str], str] = {}
    n = len(scan.samples)
    formats = {line.split("ID=", 1)[1].split(",", 1)[0] for line in header.splitlines()
               if line.startswith("##FORMAT=<") and "ID=" in line}
    for record in _records(vcf, contig, set(wanted), indexed):
        alleles = (record.REF, *record.ALT)
        for site, b in wanted.get(record.POS, []):
            located = locate(site, alleles, reference_anchored=True)
            if located is not None:  # REF and ALT both as catalogued: specific evidence for build b
                evidence.add(b, site.label(b), True, same_id=site.rsid == record.ID)
            elif len(record.REF) == len(site.ref) and site.ref != record.REF:
                evidence.add(b, site.label(b), False)
            key = (site.allele, b)
            if located is None:
                if is_ambiguous(site, alleles):
                    notes[key] = f"refused: {'/'.join(alleles)} at {contig}:{record.POS} is the A/T site in " \
                                 "reverse order; its strand cannot be known, so it is never flipped"
                elif key not in found:
                    notes.setdefault(key, f"other alleles only at {contig}:{record.POS} "
                                          f"({record.REF}>{','.join(record.ALT)})")
                continue
            if key in found:
                scan.warnings.append(f"{path}: {site.label(b)} appears in more than one record; the first was used")
                continue
            calls = empty_calls(site, Match.EXACT, contig, record.POS, alleles, n)
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
