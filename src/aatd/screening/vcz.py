"""VCF Zarr (VCZ, as written by bio2zarr's ``vcf2zarr``) through zarr.

Only the variant chunks whose range (``region_index``) contains a screened position are
read, then one row of ``call_genotype`` per site. Alleles are REF-anchored as in the VCF
the store was converted from. Missing is ``-1``, the fill of a shorter ploidy ``-2``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from aatd.errors import InputError
from aatd.screening.build import BuildEvidence, builds_named, choose_build
from aatd.screening.calls import apply_dosage, dosage_from_gp, fill_from_alleles
from aatd.screening.model import FileScan, SiteCalls, SiteNote, empty_calls
from aatd.screening.sites import BUILD_OF_CONTIG, BUILDS, CHROMOSOME_14_NAMES, Match, Site, locate


def _open(path: str) -> Any:
    try:
        zarr: Any = importlib.import_module("zarr")
    except ImportError as exc:  # pragma: no cover
        raise InputError("format", "vcz", "zarr installed (pip install 'aatd[screening]')") from exc
    if not os.path.isdir(path):
        raise InputError("file", path, "a VCF Zarr directory (from vcf2zarr)")
    try:
        return zarr.open_group(path, mode="r")
    except (OSError, ValueError, KeyError) as exc:
        raise InputError("file", path, "a VCF Zarr store (from vcf2zarr)", hint=str(exc)) from exc


def _rows_at(group: Any, contig_index: int, pos: int) -> Iterator[int]:
    positions, contigs = group["variant_position"], group["variant_contig"]
    size = positions.chunks[0]
    if "region_index" in group:
        chunks = [int(r[0]) for r in group["region_index"][:]
                  if int(r[1]) == contig_index and int(r[2]) <= pos <= int(r[4])]
    else:
        chunks = list(range((positions.shape[0] + size - 1) // size))
    for chunk in chunks:
        start = chunk * size
        block = positions[start:start + size]
        block_contigs = contigs[start:start + size]
        for offset in np.flatnonzero((block == pos) & (block_contigs == contig_index)):
            yield start + int(offset)


def read_vcz(path: str, sites: tuple[Site, ...], build: str = "auto") -> FileScan:
    """Screen a VCF Zarr store."""
    group = _open(path)
    contig_ids = [str(c) for c in group["contig_id"][:]]
    present = [c for c in CHROMOSOME_14_NAMES if c in contig_ids]
    if not present:
        raise InputError("contig", f"{path}: {', '.join(contig_ids[:8])}",
                         "a chromosome 14 contig named 14, chr14 or NC_000014.x")
    contig = present[0]
    contig_index = contig_ids.index(contig)
    samples = [str(s) for s in group["sample_id"][:]]
    scan = FileScan(path, "vcz", None, samples, reader="zarr", contig=contig)
    meta = group.attrs.get("vcf_meta_information", [])
    declared = builds_named(f"{k}={v}" for k, v in meta if k in ("reference", "assembly"))
    if contig in BUILD_OF_CONTIG:
        declared.add(BUILD_OF_CONTIG[contig])
    evidence = BuildEvidence()
    found: dict[tuple[str, str], SiteCalls] = {}
    for site in sites:
        for b in BUILDS:
            for row in _rows_at(group, contig_index, site.position(b)):
                alleles = tuple(str(a) for a in group["variant_allele"][row] if str(a))
                located = locate(site, alleles, reference_anchored=True)
                if located is None:
                    if len(alleles[0]) == len(site.ref) and alleles[0] != site.ref:
                        evidence.add(b, site.label(b), False)
                    continue
                evidence.add(b, site.label(b), True)
                if (site.allele, b) in found:
                    continue
                calls = empty_calls(site, Match.EXACT, contig, site.position(b), alleles, len(samples))
                fill_from_alleles(calls, np.asarray(group["call_genotype"][row]), located.index)
                _dosage(group, row, calls, located.index, len(alleles))
                found[(site.allele, b)] = calls
    chosen, how = choose_build(path, build, declared, evidence)
    scan.build, scan.build_basis = chosen, how
    for site in sites:
        key = (site.allele, chosen or "")
        if key in found:
            scan.seen.append(found[key])
        else:
            where = f"{contig}:{site.position(chosen)}" if chosen else "either build's position"
            scan.not_seen.append(SiteNote(site, f"no record with {site.ref}>{site.alt} at {where}"))
    return scan


def _dosage(group: Any, row: int, calls: SiteCalls, index: int, n_alleles: int) -> None:
    gp = np.asarray(group["call_GP"][row], np.float64)[:, :3] if "call_GP" in group and n_alleles == 2 else None
    if "call_DS" in group:
        ds = np.asarray(group["call_DS"][row], np.float64)
        apply_dosage(calls, ds[:, index - 1] if ds.ndim == 2 else ds, gp)
    elif gp is not None:
        apply_dosage(calls, dosage_from_gp(gp, True), gp)
