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

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from aatd.errors import InputError
from aatd.genetics.genotypes import Genotype, genotype_sort_key
from aatd.genetics.levels import genotype_severity
from aatd.genetics.prevalence import expected_counts
from aatd.screening.model import CallState, FileScan, call_table
from aatd.screening.sites import Site
from aatd.screening.stats import hwe_exact_p, hwe_expected, wilson_interval

NOT_COVERED = 255
"""Call state of a site the sample's file does not contain: it is not part of that genotype."""

_HAS_CALL = (CallState.CALLED, CallState.DOSAGE)
_HAS_CALL_TABLE = np.zeros(256, bool)
_HAS_CALL_TABLE[[int(s) for s in _HAS_CALL]] = True


@dataclass(slots=True)
class Cohort:
    """All samples of all files with their per-site calls stacked (sites x samples)."""

    sites: tuple[Site, ...]
    samples: Sequence[str]
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
    return (np.zeros((k, n), np.int8), np.full((k, n), NOT_COVERED, np.uint8), _no_probabilities(k, n))


def _no_probabilities(k: int, n: int) -> npt.NDArray[np.float32]:
    """All-NaN call probabilities as a read-only view (no memory): most files give none."""
    return np.broadcast_to(np.float32(np.nan), (k, n))


def _writable(prob: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``prob`` itself, or a real all-NaN array the first time a file gives probabilities."""
    return prob if prob.flags.writeable else np.full(prob.shape, np.nan, np.float32)


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
                prob = _writable(prob)
                prob[i] = calls.probability
    return Cohort(sites, scans[0].samples, np.zeros(n, np.int32), scans, copies, state, prob)


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
        if len(scans) > 1:
            samples.extend(scan.samples)
        for calls in scan.seen:
            i = row[calls.site.allele]
            copies[i, start:stop], state[i, start:stop] = calls.copies, calls.state
            if calls.probability is not None:
                prob = _writable(prob)
                prob[i, start:stop] = calls.probability
        start = stop
    return Cohort(sites, samples if len(scans) > 1 else scans[0].samples, source, scans, copies, state, prob)


@dataclass
class SampleCalls:
    """Per-sample results, column-wise: small integer codes plus their names.

    ``genotype_code[i]`` indexes ``genotype_names`` (-1: not determined); ``status_code[i]``
    indexes :data:`STATUS`. ``pattern[i]`` is the sample's calls at every site packed into
    one number (see :func:`pattern_of`): samples with the same pattern have the same
    genotype, status and copies, so text is made once per pattern, not once per sample.
    The text columns are built on first use only.
    """

    genotype_code: npt.NDArray[np.int32]
    genotype_names: tuple[str, ...]
    severity_names: tuple[str, ...]
    status_code: npt.NDArray[np.int8]
    probability: npt.NDArray[np.float32]  # lowest probability of a dosage-based call; NaN otherwise
    pattern: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))

    @cached_property
    def genotype(self) -> npt.NDArray[np.object_]:
        """Canonical genotype per sample (``""`` when not determined)."""
        return np.array([*self.genotype_names, ""], dtype=object)[self.genotype_code]

    @cached_property
    def severity(self) -> npt.NDArray[np.object_]:
        """Severity class per sample (``""`` when not determined)."""
        return np.array([*self.severity_names, ""], dtype=object)[self.genotype_code]

    @cached_property
    def status(self) -> npt.NDArray[np.object_]:
        """Call status per sample (see :data:`STATUS`)."""
        return np.array(STATUS, dtype=object)[self.status_code]


STATUS = ("called", "dosage", "conflict", "half-call", "uncertain-dosage", "missing")

STATE_ORDER = (CallState.CALLED, CallState.MISSING, CallState.HALF_CALL, CallState.DOSAGE, CallState.UNCERTAIN,
               CallState.HAPLOID, NOT_COVERED)
"""Call states in the order they are numbered inside a pattern."""
PER_SITE = 3 * len(STATE_ORDER)
"""Values one site takes in a pattern: state number x 3 + copies (0-2)."""
_STATE_NUMBER = np.full(256, STATE_ORDER.index(CallState.MISSING), np.int64)
for _number, _state in enumerate(STATE_ORDER):
    _STATE_NUMBER[int(_state)] = _number
_DENSE_LIMIT = 1 << 22
"""Up to this many possible patterns a dense table is used; beyond it, np.unique."""


def pattern_of(cohort: Cohort) -> npt.NDArray[np.int64]:
    """Each sample's (state, copies) at every site packed into one base-:data:`PER_SITE` number."""
    packed = np.zeros(len(cohort.samples), np.int64)
    for i in range(len(cohort.sites)):
        packed += (_STATE_NUMBER[cohort.state[i]] * 3 + cohort.copies[i].clip(0, 2)) * PER_SITE**i
    return packed


def unpack(value: int, k: int) -> list[tuple[int, int]]:
    """(call state, copies) per site of one pattern."""
    out = []
    for i in range(k):
        code = (value // PER_SITE**i) % PER_SITE
        out.append((int(STATE_ORDER[code // 3]), code % 3))
    return out


def distinct(values: npt.NDArray[np.int64], limit: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct values present and each sample's index into them; linear when ``limit``
    (an upper bound of the values) is small."""
    if limit <= _DENSE_LIMIT:
        present = np.flatnonzero(np.bincount(values, minlength=1))
        index = np.zeros(max(int(present.max(initial=0)) + 1, 1), np.int64)
        index[present] = np.arange(len(present))
        return present, index[values]
    present, inverse = np.unique(values, return_inverse=True)
    return present, inverse.astype(np.int64)


def _classify(sites: tuple[Site, ...], calls: list[tuple[int, int]]) -> tuple[str | None, int]:
    """Genotype (None: not determined) and status code of one pattern (the rule of the module docstring)."""
    has_call = [s in _HAS_CALL for s, _ in calls]
    toward = [h or s == CallState.HALF_CALL for h, (s, _) in zip(has_call, calls, strict=True)]
    copies = [c if t else 0 for t, (_, c) in zip(toward, calls, strict=True)]
    known = sum(copies)
    resolved = all(h or s == NOT_COVERED for h, (s, _) in zip(has_call, calls, strict=True))
    states = {s for s, _ in calls}
    conflict = known > 2
    determined = (resolved or known == 2) and not conflict
    dosage = CallState.DOSAGE in states
    if determined:
        status = 1 if dosage else 0
    else:
        status = 2 if conflict else 3 if CallState.HALF_CALL in states else 4 if CallState.UNCERTAIN in states else 5
    if not determined:
        return None, status
    return _genotype_of(sites, np.array(copies, np.int8)).canonical, status


def assign_genotypes(cohort: Cohort) -> SampleCalls:
    """Canonical genotype, severity, status and call probability of every sample.

    Linear in samples: each sample's calls are packed into one pattern number and every
    pattern present is classified once."""
    k = len(cohort.sites)
    pattern = pattern_of(cohort)
    present, which = distinct(pattern, PER_SITE**k)
    names: list[str] = []
    severities: list[str] = []
    codes = np.full(len(present), -1, np.int32)
    statuses = np.zeros(len(present), np.int8)
    for j, value in enumerate(present.tolist()):
        canonical, statuses[j] = _classify(cohort.sites, unpack(value, k))
        if canonical is not None:
            if canonical not in names:
                names.append(canonical)
                severities.append(genotype_severity(Genotype.of(*_split(canonical))).value)
            codes[j] = names.index(canonical)
    probability = np.full(len(cohort.samples), np.nan)
    dosage = cohort.state == CallState.DOSAGE
    if dosage.any():
        dosage_prob = np.where(dosage, cohort.probability, np.nan)
        with np.errstate(all="ignore"):
            probability = np.where(np.isnan(dosage_prob).all(axis=0), np.nan,
                                   np.nanmin(np.where(np.isnan(dosage_prob), np.inf, dosage_prob), axis=0))
    return SampleCalls(codes[which], tuple(names), tuple(severities), statuses[which],
                       probability.astype(np.float32), pattern)


def _genotype_of(sites: tuple[Site, ...], combo: npt.NDArray[np.int8]) -> Genotype:
    alleles = [site.allele for site, k in zip(sites, combo, strict=True) for _ in range(int(k))]
    alleles += ["M"] * (2 - len(alleles))
    return Genotype.of(alleles[0], alleles[1])


def summarise(cohort: Cohort, calls: SampleCalls) -> dict[str, object]:
    """Genotype counts, allele frequencies with CIs, per-site HWE and expected vs observed counts."""
    determined = calls.genotype_code >= 0
    genotype_counts = _counts(calls.genotype_code[determined], calls.genotype_names)
    order = sorted(genotype_counts, key=lambda g: genotype_sort_key(Genotype.of(*_split(g))))
    undetermined = _counts(calls.status_code[~determined], STATUS)
    freqs: dict[str, float] = {}
    intervals: dict[str, object] = {}
    hwe: dict[str, object] = {}
    for i, site in enumerate(cohort.sites):
        with_call = call_table(cohort.state[i], cohort.copies[i])[[int(s) for s in _HAS_CALL]].sum(axis=0)
        if not with_call.any():
            continue
        hom_ref, het, hom_alt = (int(v) for v in with_call[:3])
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


def _counts(codes: npt.NDArray[np.integer], names: tuple[str, ...]) -> dict[str, int]:
    """``{name: count}`` of integer codes (only names that occur)."""
    counts = np.bincount(codes.astype(np.int64), minlength=len(names)) if codes.size else np.zeros(len(names), int)
    return {names[i]: int(c) for i, c in enumerate(counts.tolist()) if c}


def _split(canonical: str) -> tuple[str, str]:
    return (canonical.split("/", 1)[0], canonical.split("/", 1)[1]) if "/" in canonical else \
        (canonical[0], canonical[1:])


def _site_genotypes(site: Site) -> tuple[str, str, str]:
    return tuple(Genotype.of(a, b).canonical for a, b in (("M", "M"), ("M", site.allele), (site.allele, site.allele)))  # type: ignore[return-value]


def _expected_vs_observed(cohort: Cohort, calls: SampleCalls, freqs: dict[str, float]) -> dict[str, object]:
    """Observed genotype counts against Hardy-Weinberg expectations from the cohort's own
    allele frequencies, over samples with a call at every covered site."""
    if not freqs or sum(freqs.values()) >= 1:
        return {}
    in_freqs = [i for i, site in enumerate(cohort.sites) if site.allele in freqs]
    complete = _HAS_CALL_TABLE[cohort.state[in_freqs]].all(axis=0) & (calls.genotype_code >= 0)
    n = int(complete.sum())
    if n == 0:
        return {}
    alleles = {"M": 1.0 - sum(freqs.values()), **freqs}
    observed = _counts(calls.genotype_code[complete], calls.genotype_names)
    rows = {}
    for genotype, count in expected_counts(alleles, n).items():
        rows[genotype.canonical] = {"observed": observed.get(genotype.canonical, 0), "expected": round(count.count, 3)}
    return {"samples": n, "genotypes": rows}
