"""From per-file site calls to one genotype per person and a cohort summary.

Genotype over the alleles seen: each screened allele a person carries is named, the rest
of their two alleles is ``M``, meaning "none of the covered alleles" (a file covering only
Z and S cannot see I, null or other rare alleles). Written in aatd's canonical notation
(``MZ``, ``SZ``, ``M/I``) with the severity class of :func:`aatd.genetics.levels.genotype_severity`.

A person's genotype is determined when every covered site has a call, or when two
deficiency alleles are already seen (a third is impossible on two chromosomes; three seen
is reported as a conflict). Otherwise the status says why not: missing, half-call, or a
dosage too uncertain to call.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, genotype_sort_key
from aatd.genetics.levels import genotype_severity
from aatd.genetics.prevalence import expected_counts
from aatd.screening.model import CallState, FileScan
from aatd.screening.sites import Site
from aatd.screening.stats import hwe_exact_p, hwe_expected, wilson_interval

NOT_COVERED = 255
"""Call state of a site the sample's file does not contain: it is not part of that genotype."""

_HAS_CALL = (CallState.CALLED, CallState.DOSAGE)


@dataclass(slots=True)
class Cohort:
    """All samples of all files with their per-site calls stacked (sites x samples)."""

    sites: tuple[Site, ...]
    samples: list[str]
    source: npt.NDArray[np.int32]  # index into files
    files: list[FileScan]
    copies: npt.NDArray[np.int8]
    state: npt.NDArray[np.uint8]
    probability: npt.NDArray[np.float32]


def merge(scans: list[FileScan], sites: tuple[Site, ...]) -> Cohort:
    """Stack files that share their samples (one per chromosome/region) or that hold
    different samples (batches); anything in between is refused."""
    if not scans:
        raise InputError("files", [], "at least one genotype file")
    first = scans[0].samples
    if len(scans) > 1 and all(s.samples == first for s in scans[1:]):
        return _merge_same_samples(scans, sites)
    seen: set[str] = set()
    for scan in scans if len(scans) > 1 else ():
        overlap = seen.intersection(scan.samples)
        if overlap:
            raise InputError("files", scan.path, "files with the same samples in the same order (one per region) "
                             "or with no sample in common (batches)",
                             hint=f"{len(overlap)} samples also in an earlier file, e.g. {sorted(overlap)[0]!r}")
        seen.update(scan.samples)
    return _concatenate(scans, sites)


def _blank(k: int, n: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    return (np.zeros((k, n), np.int8), np.full((k, n), NOT_COVERED, np.uint8), np.full((k, n), np.nan, np.float32))


def _merge_same_samples(scans: list[FileScan], sites: tuple[Site, ...]) -> Cohort:
    n = len(scans[0].samples)
    copies, state, prob = _blank(len(sites), n)
    row = {s.allele: i for i, s in enumerate(sites)}
    filled: dict[str, str] = {}
    for scan in scans:
        for calls in scan.seen:
            if calls.site.allele in filled:
                scan.warnings.append(f"{scan.path}: {calls.site.allele} also read from {filled[calls.site.allele]}; "
                                     "the first file's calls were used")
                continue
            filled[calls.site.allele] = scan.path
            i = row[calls.site.allele]
            copies[i], state[i] = calls.copies, calls.state
            if calls.probability is not None:
                prob[i] = calls.probability
    return Cohort(sites, list(scans[0].samples), np.zeros(n, np.int32), scans, copies, state, prob)


def _concatenate(scans: list[FileScan], sites: tuple[Site, ...]) -> Cohort:
    total = sum(len(s.samples) for s in scans)
    copies, state, prob = _blank(len(sites), total)
    source = np.zeros(total, np.int32)
    row = {s.allele: i for i, s in enumerate(sites)}
    samples: list[str] = []
    start = 0
    for f, scan in enumerate(scans):
        stop = start + len(scan.samples)
        source[start:stop] = f
        samples.extend(scan.samples)
        for calls in scan.seen:
            i = row[calls.site.allele]
            copies[i, start:stop], state[i, start:stop] = calls.copies, calls.state
            if calls.probability is not None:
                prob[i, start:stop] = calls.probability
        start = stop
    return Cohort(sites, samples, source, scans, copies, state, prob)


@dataclass(slots=True)
class SampleCalls:
    """Per-sample results, column-wise."""

    genotype: npt.NDArray[np.object_]  # "" when not determined
    severity: npt.NDArray[np.object_]
    status: npt.NDArray[np.object_]
    probability: npt.NDArray[np.float32]  # lowest probability of a dosage-based call; NaN otherwise


_STATUS = ("called", "dosage", "conflict", "half-call", "uncertain-dosage", "missing")


def assign_genotypes(cohort: Cohort) -> SampleCalls:
    """Canonical genotype, severity, status and call probability of every sample."""
    state, copies = cohort.state, cohort.copies
    has_call = np.isin(state, [int(s) for s in _HAS_CALL])
    counts_toward = has_call | (state == CallState.HALF_CALL)
    known = np.where(counts_toward, copies, 0).sum(axis=0)
    resolved = (has_call | (state == NOT_COVERED)).all(axis=0)
    conflict = known > 2
    determined = (resolved | (known == 2)) & ~conflict
    any_dosage = (state == CallState.DOSAGE).any(axis=0)
    status_code = np.select(
        [determined & ~any_dosage, determined, conflict, (state == CallState.HALF_CALL).any(axis=0),
         (state == CallState.UNCERTAIN).any(axis=0)], [0, 1, 2, 3, 4], default=5)
    status = np.array(_STATUS, dtype=object)[status_code]
    genotype = np.full(len(cohort.samples), "", dtype=object)
    severity = np.full(len(cohort.samples), "", dtype=object)
    if determined.any():
        names, severities = _lookup(cohort.sites, np.where(counts_toward, copies, 0)[:, determined])
        genotype[determined], severity[determined] = names, severities
    dosage_prob = np.where(state == CallState.DOSAGE, cohort.probability, np.nan)
    with np.errstate(all="ignore"):
        probability = np.where(np.isnan(dosage_prob).all(axis=0), np.nan,
                               np.nanmin(np.where(np.isnan(dosage_prob), np.inf, dosage_prob), axis=0))
    return SampleCalls(genotype, severity, status, probability.astype(np.float32))


def _lookup(sites: tuple[Site, ...], used: npt.NDArray[np.int8]) -> tuple[npt.NDArray[np.object_],
                                                                         npt.NDArray[np.object_]]:
    """Genotype and severity of each column of ``used`` (copies per site), linear in samples:
    each column is coded in base 3 and every code present is named once."""
    code = np.zeros(used.shape[1], np.int64)
    for i in range(used.shape[0]):
        code += used[i].astype(np.int64) * 3**i
    present = np.flatnonzero(np.bincount(code, minlength=1))
    names = np.full(int(present.max()) + 1, "", dtype=object)
    severities = np.full(int(present.max()) + 1, "", dtype=object)
    for value in present.tolist():
        combo = np.array([(value // 3**i) % 3 for i in range(used.shape[0])], np.int8)
        g = _genotype_of(sites, combo)
        names[value], severities[value] = g.canonical, genotype_severity(g).value
    return names[code], severities[code]


def _genotype_of(sites: tuple[Site, ...], combo: npt.NDArray[np.int8]) -> Genotype:
    alleles = [site.allele for site, k in zip(sites, combo, strict=True) for _ in range(int(k))]
    alleles += ["M"] * (2 - len(alleles))
    return Genotype.of(alleles[0], alleles[1])


def summarise(cohort: Cohort, calls: SampleCalls) -> dict[str, object]:
    """Genotype counts, allele frequencies with CIs, per-site HWE and expected vs observed counts."""
    determined = calls.genotype != ""
    genotype_counts = Counter(calls.genotype[determined].tolist())
    order = sorted(genotype_counts, key=lambda g: genotype_sort_key(Genotype.of(*_split(g))))
    undetermined = Counter(calls.status[~determined].tolist())
    freqs: dict[str, float] = {}
    intervals: dict[str, object] = {}
    hwe: dict[str, object] = {}
    for i, site in enumerate(cohort.sites):
        has_call = np.isin(cohort.state[i], [int(s) for s in _HAS_CALL])
        if not has_call.any():
            continue
        c = cohort.copies[i][has_call]
        hom_ref, het, hom_alt = (int(np.count_nonzero(c == k)) for k in (0, 1, 2))
        interval = wilson_interval(het + 2 * hom_alt, 2 * (hom_ref + het + hom_alt))
        freqs[site.allele] = interval.estimate
        intervals[site.allele] = interval.to_dict()
        labels = _site_genotypes(site)
        expected = hwe_expected(hom_ref, het, hom_alt)
        hwe[site.allele] = {
            "p_value": hwe_exact_p(het, hom_ref, hom_alt), "test": "exact (Wigginton 2005)",
            "observed": dict(zip(labels, (hom_ref, het, hom_alt), strict=True)),
            "expected": {k: round(v, 3) for k, v in zip(labels, expected, strict=True)},
            "note": f"M = not {site.allele} at this site",
        }
    return {
        "samples": len(cohort.samples),
        "genotyped": int(determined.sum()),
        "genotype_counts": {g: genotype_counts[g] for g in order},
        "not_genotyped": dict(sorted(undetermined.items())),
        "allele_frequencies": freqs,
        "confidence_intervals": intervals,
        "hwe": hwe,
        "expected_vs_observed": _expected_vs_observed(cohort, calls, freqs),
    }


def _split(canonical: str) -> tuple[str, str]:
    return (canonical.split("/", 1)[0], canonical.split("/", 1)[1]) if "/" in canonical else \
        (canonical[0], canonical[1:])


def _site_genotypes(site: Site) -> tuple[str, str, str]:
    return tuple(Genotype.of(a, b).canonical for a, b in (("M", "M"), ("M", site.allele), (site.allele, site.allele)))  # type: ignore[return-value]


def _expected_vs_observed(cohort: Cohort, calls: SampleCalls, freqs: dict[str, float]) -> dict[str, object]:
    """Observed genotype counts against Hardy-Weinberg expectations from the cohort's own
    allele frequencies, over samples with a call at every covered site."""
    complete = (np.isin(cohort.state, [int(s) for s in _HAS_CALL])).all(axis=0) & (calls.genotype != "")
    n = int(complete.sum())
    if n == 0 or not freqs or sum(freqs.values()) >= 1:
        return {}
    alleles = {"M": 1.0 - sum(freqs.values()), **freqs}
    observed = Counter(calls.genotype[complete].tolist())
    rows = {}
    for genotype, count in expected_counts(alleles, n).items():
        rows[genotype.canonical] = {"observed": observed.get(genotype.canonical, 0), "expected": round(count.count, 3)}
    return {"samples": n, "genotypes": rows}
