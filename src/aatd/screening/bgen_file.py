"""BGEN v1.2 (UK Biobank imputed style) through the ``bgen`` package.

BGEN stores genotype probabilities, not calls; they become hard calls by plink2's rule
(:mod:`aatd.screening.calls`) and keep their probability. BGEN has no REF: its first allele
is REF only by convention, and ``plink2 --export bgen-1.2`` writes REF *second* unless told
``ref-first``. So alleles are matched as a set: a C/T site in either order is read correctly;
an A/T site in reverse order is refused (its strand is unknowable).
With a ``.bgi`` index (bgenix, or the ``bgen`` writer) only the screened positions are read.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import numpy as np

from aatd.errors import InputError
from aatd.screening.build import BuildEvidence, choose_build
from aatd.screening.calls import apply_dosage
from aatd.screening.model import CallState, FileScan, SiteCalls, SiteNote, empty_calls
from aatd.screening.sites import BUILDS, CHROMOSOME_14_NAMES, Located, Site, is_ambiguous, locate


def _open(path: str) -> tuple[Any, bool]:
    try:
        bgen: Any = importlib.import_module("bgen")
    except ImportError as exc:  # pragma: no cover
        raise InputError("format", "bgen", "the bgen package installed (pip install 'aatd[screening]')") from exc
    indexed = os.path.exists(path + ".bgi")
    sample = os.path.splitext(path)[0] + ".sample"
    kwargs: dict[str, Any] = {"delay_parsing": indexed}
    if os.path.exists(sample):
        kwargs["sample_path"] = sample
    try:
        return bgen.BgenReader(path, **kwargs), indexed
    except (OSError, ValueError, RuntimeError) as exc:
        raise InputError("file", path, "a readable BGEN v1.2 file", hint=str(exc)) from exc


def read_bgen(path: str, sites: tuple[Site, ...], build: str = "auto") -> FileScan:
    """Screen a BGEN file (with its ``.sample`` and ``.bgi`` when present)."""
    reader, indexed = _open(path)
    try:
        scan = FileScan(path, "bgen", None, [str(s) for s in reader.samples], reader="bgen (jeremymcrae)")
        if not indexed:
            scan.warnings.append(f"{path}: no .bgi index, so every variant header was read; "
                                 "make one with 'bgenix -g FILE -index'")
        chroms = {str(c) for c in reader.chroms()} if not indexed else set(CHROMOSOME_14_NAMES)
        contigs = [c for c in CHROMOSOME_14_NAMES if c in chroms]
        if not contigs:
            raise InputError("contig", f"{path}: {', '.join(sorted(chroms)[:8])}",
                             "chromosome 14 variants (14, chr14 or 01-padded 14)")
        _read(scan, reader, contigs, sites, build, indexed)
    finally:
        reader.close()
    return scan


def _variants(reader: Any, contigs: list[str], pos: int, indexed: bool) -> list[Any]:
    if not indexed:  # every variant header is already in memory: look the position up in it
        positions, chroms = reader.positions(), reader.chroms()
        return [reader[i] for i, p in enumerate(positions) if p == pos and str(chroms[i]) in contigs]
    out = []
    for contig in contigs:
        try:
            out.extend(reader.fetch(contig, pos - 1, pos + 1))
        except (ValueError, KeyError, IndexError):
            continue
    return [v for v in out if int(v.pos) == pos]


def _read(scan: FileScan, reader: Any, contigs: list[str], sites: tuple[Site, ...], build: str,
          indexed: bool) -> None:
    evidence = BuildEvidence()
    found: dict[tuple[str, str], SiteCalls] = {}
    notes: dict[tuple[str, str], str] = {}
    for site in sites:
        for b in BUILDS:
            key = (site.allele, b)
            for var in _variants(reader, contigs, site.position(b), indexed):
                alleles = tuple(var.alleles)
                located = locate(site, alleles, reference_anchored=False)
                if located is None:
                    if is_ambiguous(site, alleles):
                        evidence.add(b, site.label(b), True)
                        notes[key] = (f"refused: alleles {'/'.join(alleles)} at {var.chrom}:{var.pos} list the A/T "
                                      "site in reverse order (e.g. plink2's default REF-second BGEN export); its "
                                      "strand cannot be known, so it is never flipped")
                    continue
                evidence.add(b, site.label(b), True, same_id=str(var.rsid) == site.rsid)
                if key not in found:
                    found[key] = _calls(scan, site, var, alleles, located)
                    if located.match != "exact":
                        scan.warnings.append(f"{scan.path}: {site.label(b)} read from alleles {'/'.join(alleles)} "
                                             f"({located.match.value}: first allele is not REF)")
    chosen, how = choose_build(scan.path, build, set(), evidence)
    scan.build, scan.build_basis = chosen, how
    for site in sites:
        key = (site.allele, chosen or "")
        if key in found:
            scan.seen.append(found[key])
            scan.contig = found[key].contig
        else:
            where = f"14:{site.position(chosen)}" if chosen else "either build's position"
            scan.not_seen.append(SiteNote(site, notes.get(key, f"no variant at {where}")))


def _calls(scan: FileScan, site: Site, var: Any, alleles: tuple[str, ...], located: Located) -> SiteCalls:
    n, index = len(scan.samples), located.index
    calls = empty_calls(site, located.match, str(var.chrom), int(var.pos), alleles, n)
    if len(alleles) != 2:
        scan.warnings.append(f"{scan.path}: {site.label()} is multi-allelic in BGEN; not read")
        return calls
    probs = np.asarray(var.probabilities, np.float64)
    if var.is_phased:
        second = probs[:, 1] + probs[:, 3]
        dosage = second if index == 1 else 2.0 - second
        apply_dosage(calls, dosage, None, counted_is_second=index == 1)
    else:
        second = probs[:, 1] + 2.0 * probs[:, 2]
        dosage = second if index == 1 else 2.0 - second
        apply_dosage(calls, dosage, probs, counted_is_second=index == 1)
        certain = np.isclose(probs.max(axis=1), 1.0, atol=1e-6)
        calls.state = np.where((calls.state == CallState.DOSAGE) & certain, CallState.CALLED,
                               calls.state).astype(np.uint8)
    return calls
