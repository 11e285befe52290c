"""A compiled (numba) kernel of the lung, liver and survival model, one person at a time.

The same arithmetic, in the same order, as :func:`aatd.risk.lung.simulate_reference` and the vectorised
engine, compiled with numba so that a million lifetimes take about a second on one core. It returns
counts and per-batch 5 mL histograms (no per-person paths): :func:`aatd.risk.lung.simulate` uses it
with ``engine="compiled"``. numba is imported lazily and typed as ``Any`` (it ships no type stubs).
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Indices of the outcome counts (the order of aatd.risk.lung.OUTCOMES).
COPD_LLN, FIXED, GOLD1, GOLD2, GOLD3, GOLD4, BELOW50, DEATH, CAUSE0, CIRRHOSIS = 0, 1, 2, 3, 4, 5, 6, 7, 8, 13


def _person_loop(r1_0: Any, rf_0: Any, never: Any, smoking: Any, former_fraction: Any, exposures: Any,
                 ascertainment: Any, multiplier: Any, fvc_fraction: Any, augmentation: Any, entry_fraction: Any,
                 noise_z: Any, death_threshold: Any, cause_u: Any, liver_threshold: Any, batch: Any,
                 packs: Any, former: Any, exposure_on: Any, augmented: Any, fev1_pred: Any, fvc_pred: Any,
                 ratio_lln: Any, resp_h: Any, other_h: Any, smoke_h: Any, scalars: Any, counts: Any, hist: Any,
                 batch_fev1: Any, batch_death: Any, fev1_sum: Any) -> None:  # pragma: no cover - compiled
    first, gamma, floor, fev1_l, noise_sd = int(scalars[0]), scalars[1], scalars[2], scalars[3], scalars[4]
    band_low, band_up, h_low, h_mid = scalars[5], scalars[6], scalars[7], scalars[8]
    liver_h = (scalars[9], scalars[10], scalars[11])
    dec_death, cancer_death = scalars[12], scalars[13]
    fixed_ratio, g1, g2, g3, step = scalars[14], scalars[15], scalars[16], scalars[17], scalars[18]
    silent_liver = scalars[19] != 0.0
    n_ages = packs.shape[0]
    n_bins = hist.shape[2]
    for p in range(r1_0.shape[0]):  # people arrive grouped by batch: each batch's histogram stays in cache
        r1, rf = r1_0[p], rf_0[p]
        hazard, cause = 0.0, 0
        lh0, lh1, lh2 = 0.0, 0.0, 0.0
        l0, l1, l2 = False, False, False
        b = batch[p]
        for i in range(n_ages):
            if i < first and silent_liver:
                lh0 += liver_h[0]
                l0 = l0 or lh0 > liver_threshold[p, 0]
            if i == first:
                if np.isnan(fev1_l):
                    anchored = max(floor, min(r1, r1_0[p] * entry_fraction[p]))
                else:
                    anchored = max(floor, (fev1_l + noise_sd * noise_z[p]) / fev1_pred[i])
                rf = max(0.05, rf + fvc_fraction[p] * (anchored - r1))
                r1 = anchored
            if i >= first:
                j = i - first
                fev1 = r1 * fev1_pred[i]
                ratio = fev1 / (rf * fvc_pred[i])
                percent = 100.0 * r1
                fixed = ratio < fixed_ratio
                if ratio < ratio_lln[i]:
                    counts[COPD_LLN, j] += 1
                if fixed:
                    counts[FIXED, j] += 1
                    if percent >= g1:
                        counts[GOLD1, j] += 1
                    elif percent >= g2:
                        counts[GOLD2, j] += 1
                    elif percent >= g3:
                        counts[GOLD3, j] += 1
                    else:
                        counts[GOLD4, j] += 1
                if percent < 50.0:
                    counts[BELOW50, j] += 1
                if cause != 0:
                    counts[DEATH, j] += 1
                    counts[CAUSE0 + cause - 1, j] += 1
                    batch_death[b, j] += 1
                if l0:
                    counts[CIRRHOSIS, j] += 1
                if l1:
                    counts[CIRRHOSIS + 1, j] += 1
                if l2:
                    counts[CIRRHOSIS + 2, j] += 1
                fev1_sum[j] += fev1
                batch_fev1[b, j] += fev1
                k = int(fev1 / step)
                hist[b, j, min(max(k, 0), n_bins - 1)] += 1
                low = 0.0
                if percent < band_low:
                    low = h_low
                elif percent < band_up:
                    low = h_mid
                c0 = resp_h[i] + low
                c1 = dec_death if l1 else 0.0
                c2 = cancer_death if l2 else 0.0
                c3 = smoke_h[i]
                total = c0 + c1 + c2 + c3 + other_h[i]
                alive = cause == 0
                if alive and hazard + total > death_threshold[p]:
                    u = cause_u[p] * total
                    cause = 5
                    bound = c0
                    if u < bound:
                        cause = 1
                    else:
                        bound += c1
                        if u < bound:
                            cause = 2
                        else:
                            bound += c2
                            if u < bound:
                                cause = 3
                            else:
                                bound += c3
                                if u < bound:
                                    cause = 4
                hazard += total
                if alive:
                    cirrhotic = l0
                    lh0 += liver_h[0]
                    if cirrhotic:
                        lh1 += liver_h[1]
                        lh2 += liver_h[2]
                l0 = l0 or lh0 > liver_threshold[p, 0]
                l1 = l1 or lh1 > liver_threshold[p, 1]
                l2 = l2 or lh2 > liver_threshold[p, 2]
            if i + 1 < n_ages:
                excess = never[p] + smoking[p] * (packs[i] + former_fraction[p] * former[i]) + ascertainment[p]
                for e in range(exposure_on.shape[0]):
                    if exposure_on[e, i] != 0.0:
                        excess = excess + exposure_on[e, i] * exposures[p, e]
                excess = excess * multiplier[p]
                if augmented[i] != 0.0:
                    excess = excess * (1.0 - augmentation[p])
                level = r1 ** gamma if gamma != 0.0 else 1.0
                loss = excess * level / (1000.0 * fev1_pred[i + 1])
                new_r1 = max(r1 - loss, floor)
                rf = max(0.05, rf - fvc_fraction[p] * (r1 - new_r1))
                r1 = new_r1


@cache
def compiled() -> Any:
    """The numba-compiled person loop (compiled once per process, cached on disk)."""
    numba: Any = importlib.import_module("numba")
    return numba.njit(cache=True, fastmath=False)(_person_loop)
