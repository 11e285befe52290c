"""Turning a reader's raw arrays into per-sample copies and call states.

Three sources of a call, in order of preference: a hard genotype (GT, PLINK, consumer
letters); an imputed dosage (DS) or genotype probabilities (GP) where the hard call is
missing; nothing. Dosages become hard calls by plink2's default rule (a dosage within
0.1 of a whole number is called), so aatd and ``plink2 --vcf ... dosage=DS`` agree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aatd.screening.model import CallState, SiteCalls

HARD_CALL_THRESHOLD = 0.1
"""plink2's default ``--hard-call-threshold``: a dosage d is called round(d) when |d - round(d)| <= 0.1."""


def quiet_nan(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """float32 values with BCF's missing/end-of-vector markers (signalling NaNs 0x7F800001/2)
    made ordinary NaNs, so later arithmetic raises no floating-point warning."""
    bits = np.ascontiguousarray(values, np.float32).view(np.uint32).copy()
    bits[((bits & 0x7F800000) == 0x7F800000) & ((bits & 0x007FFFFF) != 0)] = 0x7FC00000
    return bits.view(np.float32)


def fill_from_alleles(calls: SiteCalls, alleles: npt.NDArray[np.integer], index: int) -> None:
    """Fill ``calls`` from an (samples x ploidy) matrix of allele indices (:func:`calls_from_alleles`)."""
    found = calls_from_alleles(alleles, index)
    if found is not None:
        calls.copies, calls.state = found


def calls_from_alleles(alleles: npt.NDArray[np.integer],
                       index: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]] | None:
    """Copies of allele ``index`` and call states from an (samples x ploidy) matrix of allele
    indices; None when the matrix has no allele column.

    Codes follow htslib/cyvcf2 and VCF Zarr: ``>= 0`` an allele, ``-1`` missing, ``-2`` the
    end of a shorter (haploid) vector. ``index`` is the allele counted (the site's ALT).
    """
    if alleles.ndim != 2 or alleles.shape[1] == 0:
        return None
    first = alleles[:, 0]
    second = alleles[:, 1] if alleles.shape[1] > 1 else np.full_like(first, -2)
    has_first, has_second = first >= 0, second >= 0
    copies = (first == index).astype(np.int8) + (second == index).astype(np.int8)
    state = np.full(first.shape, CallState.MISSING, np.uint8)
    state[has_first & has_second] = CallState.CALLED
    state[(has_first & (second == -1)) | (has_second & (first == -1))] = CallState.HALF_CALL
    state[has_first & (second == -2)] = CallState.HAPLOID
    return np.where(state == CallState.MISSING, 0, copies).astype(np.int8), state


def fill_from_counts(calls: SiteCalls, counts: npt.NDArray[np.integer], *, counted_is_alt: bool,
                     missing: int = -9) -> None:
    """Fill ``calls`` from per-sample counts of one allele (PLINK: 0, 1, 2, ``missing``)."""
    called = counts != missing
    copies = counts if counted_is_alt else 2 - counts
    calls.copies = np.where(called, copies, 0).astype(np.int8)
    calls.state = np.where(called, CallState.CALLED, CallState.MISSING).astype(np.uint8)


def dosage_from_gp(gp: npt.NDArray[np.floating], counted_is_second: bool) -> npt.NDArray[np.float32]:
    """Expected copies of the counted allele from (samples x 3) GP = P(0), P(1), P(2) copies of ALT."""
    alt = gp[:, 1] + 2.0 * gp[:, 2]
    return (alt if counted_is_second else 2.0 - alt).astype(np.float32)


def apply_dosage(calls: SiteCalls, dosage: npt.NDArray[np.floating],
                 gp: npt.NDArray[np.floating] | None = None, *, counted_is_second: bool = True,
                 only_missing: bool = True) -> None:
    """Use imputed dosages where hard calls are missing (plink2's hard-call rule).

    ``dosage`` is the expected count of the counted allele; ``gp`` the three genotype
    probabilities in the file's allele order (for the probability of each call).
    """
    d = np.asarray(dosage, np.float64)
    finite = np.isfinite(d) & (d >= 0) & (d <= 2)
    rounded = np.rint(np.where(finite, d, 0.0))
    close = finite & (np.abs(d - rounded) <= HARD_CALL_THRESHOLD + 1e-9)
    target = calls.state == CallState.MISSING if only_missing else np.ones(d.shape, bool)
    calls.copies = np.where(target & close, rounded, calls.copies).astype(np.int8)
    calls.state = np.where(target & close, CallState.DOSAGE,
                           np.where(target & finite & ~close, CallState.UNCERTAIN, calls.state)).astype(np.uint8)
    calls.dosage = np.where(finite, d, np.nan).astype(np.float32)
    if gp is not None and gp.ndim == 2 and gp.shape[1] == 3:
        alt_copies = rounded.astype(np.int64) if counted_is_second else 2 - rounded.astype(np.int64)
        prob = np.take_along_axis(np.asarray(gp, np.float64), alt_copies[:, None].clip(0, 2), axis=1)[:, 0]
        calls.probability = np.where(finite & np.isfinite(prob), prob, np.nan).astype(np.float32)
