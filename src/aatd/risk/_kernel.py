"""A compiled (numba) kernel of the lung, liver and survival model, one person at a time.

The same arithmetic, in the same order, as :func:`aatd.risk.lung.simulate_reference` and the vectorised
engine, compiled with numba. It returns counts and per-batch 5 mL histograms (no per-person paths):
:func:`aatd.risk.lung.simulate` uses it with ``engine="compiled"``. numba is imported lazily and typed as
``Any`` (it ships no type stubs).

Why it is fast (a million lifetimes in about a second of CPU on one core, 0.97 s best of 5;
`benchmarks/progression.py`):

* people are visited batch by batch (person ``p`` belongs to batch ``p % batches``), so each batch's
  parameters and its histogram block stay in cache, without sorting or copying the inputs;
* each person's coefficients are built inside the kernel from the batch tables (no million-long
  temporary arrays), and a year's loss of FEV1 fraction is the person's multiplier x one entry of
  :func:`aatd.risk.lung.loss_table` (group x batch x age), the table every engine uses;
* no division in the yearly loop: FEV1/FVC is compared with its thresholds by multiplication and the
  histogram bin is FEV1 x bins per litre;
* events that never reverse (death and its cause, the liver states, FEV1 below 50% predicted, which
  only falls) are written once per person as the age they start, and turned into counts by a
  cumulative sum afterwards; only the outcomes that can come and go (COPD by LLN or fixed ratio, the
  GOLD grade) and the FEV1 histogram are counted every year;
* once a person has died, the death and liver work stops (their FEV1 is still followed, as in the
  other engines: the FEV1 bands and COPD counts describe everyone simulated).
"""

from __future__ import annotations

import importlib
import math
from functools import cache
from typing import Any

# Rows of the yearly counts (COPD and GOLD) and of the start-age table (the order of aatd.risk.lung.OUTCOMES
# is rebuilt from both by aatd.risk.lung.run_compiled).
COPD_LLN, FIXED, GOLD1, GOLD2, GOLD3, GOLD4 = 0, 1, 2, 3, 4, 5
BELOW50, DEATH, CAUSE0, CIRRHOSIS, LUNG_TX, LIVER_TX = 0, 1, 2, 7, 10, 11


def _person_loop(level_z: Any, ratio_z: Any, slope_z: Any, group_u: Any, noise_z: Any, death_threshold: Any,
                 liver_threshold: Any, cause_u: Any, transplant_threshold: Any, loss_table: Any, male: Any,
                 fvc_fraction: Any, entry_fraction: Any, group_bounds: Any, fev1_pred: Any, fvc_pred: Any,
                 ratio_lln: Any, resp_h: Any, other_h: Any, smoke_h: Any, low_h: Any, mid_h: Any, scalars: Any,
                 yearly: Any, starts: Any,
                 hist: Any, batch_fev1: Any,
                 batch_death_starts: Any) -> None:  # pragma: no cover - compiled
    first, gamma, floor, fev1_l, noise_sd = int(scalars[0]), scalars[1], scalars[2], scalars[3], scalars[4]
    band_low, band_up = scalars[5], scalars[6]  # scalars[7:9] unused (the band hazards are by age: low_h, mid_h)
    liver_h0, liver_h1, liver_h2 = scalars[9], scalars[10], scalars[11]
    dec_death, cancer_death = scalars[12], scalars[13]
    fixed_ratio, g1, g2, g3, bins_per_l = scalars[14], scalars[15], scalars[16], scalars[17], scalars[18]
    silent_liver = scalars[19] != 0.0
    sigma = scalars[20]
    fev1_l0, fev1_m0, fev1_s0, ratio_l0, ratio_m0, ratio_s0 = (scalars[21], scalars[22], scalars[23], scalars[24],
                                                                scalars[25], scalars[26])
    lung_tx_h, liver_tx_h, post_lung_h, post_liver_h = scalars[27], scalars[28], scalars[29], scalars[30]
    onset_h1 = scalars[31]  # decompensation hazard added when cirrhosis begins (decompensated at diagnosis)
    measured = not math.isnan(fev1_l)
    n, batches, n_ages = level_z.shape[0], loss_table.shape[1], loss_table.shape[2]
    n_out, n_bins = n_ages - first, hist.shape[2]
    bound0, bound1 = group_bounds[0], group_bounds[1]
    for b in range(batches):  # a batch's parameters and histogram block stay in cache
        male_b, fvc_b = male[b], fvc_fraction[b]
        hist_b, fev1_sum_b, loss_b = hist[b], batch_fev1[b], loss_table[:, b, :]
        for p in range(b, n, batches):
            u = group_u[p]
            g = (1 if u >= bound0 else 0) + (1 if u >= bound1 else 0)
            multiplier = math.exp(sigma * slope_z[p] - 0.5 * sigma * sigma) * male_b
            # FEV1 and FEV1/FVC at the start age from the GLI LMS spread (as aatd.risk.spirometry.centile_value)
            fev1_0 = fev1_m0 * max(1.0 + fev1_l0 * fev1_s0 * level_z[p], 1e-6) ** (1.0 / fev1_l0)
            ratio_0 = ratio_m0 * max(1.0 + ratio_l0 * ratio_s0 * ratio_z[p], 1e-6) ** (1.0 / ratio_l0)
            healthy = fev1_0 / fev1_pred[0]
            r1, rf = healthy, (fev1_0 / ratio_0) / fvc_pred[0]
            hazard, cause, threshold = 0.0, 0, death_threshold[p]
            lh0, lh1, lh2 = 0.0, 0.0, 0.0
            l0, l1, l2 = False, False, False
            t0, t1, t2 = liver_threshold[0, p], liver_threshold[1, p], liver_threshold[2, p]
            below50 = False
            lung_tx, liver_tx, tx0, tx1 = False, False, 0.0, 0.0
            u0, u1 = transplant_threshold[0, p], transplant_threshold[1, p]
            for i in range(first):  # before the current age: lung function only (and silent cirrhosis)
                if silent_liver:
                    lh0 += liver_h0
                    l0 = l0 or lh0 > t0
                level = r1 ** gamma if gamma != 0.0 else 1.0
                new_r1 = max(r1 - multiplier * loss_b[g, i] * level, floor)
                rf = max(0.05, rf - fvc_b * (r1 - new_r1))
                r1 = new_r1
            if measured:  # the current age: a measured FEV1, else at most the group's entry fraction
                anchored = max(floor, (fev1_l + noise_sd * noise_z[p]) / fev1_pred[first])
            else:
                anchored = max(floor, min(r1, healthy * entry_fraction[g]))
            rf = max(0.05, rf + fvc_b * (anchored - r1))
            r1 = anchored
            if l0:
                starts[CIRRHOSIS, 0] += 1
                lh1 += onset_h1  # silent cirrhosis diagnosed at the current age: decompensated at diagnosis?
                if lh1 > t1:
                    l1 = True
                    starts[CIRRHOSIS + 1, 0] += 1
            for i in range(first, n_ages):
                j = i - first
                fev1 = r1 * fev1_pred[i]
                fvc = rf * fvc_pred[i]
                percent = 100.0 * r1
                if fev1 < ratio_lln[i] * fvc:  # FEV1/FVC below the LLN, without a division
                    yearly[COPD_LLN, j] += 1
                if fev1 < fixed_ratio * fvc:
                    yearly[FIXED, j] += 1
                    if percent >= g1:
                        yearly[GOLD1, j] += 1
                    elif percent >= g2:
                        yearly[GOLD2, j] += 1
                    elif percent >= g3:
                        yearly[GOLD3, j] += 1
                    else:
                        yearly[GOLD4, j] += 1
                if not below50 and percent < 50.0:
                    below50 = True
                    starts[BELOW50, j] += 1
                fev1_sum_b[j] += fev1
                k = int(fev1 * bins_per_l)
                hist_b[j, k if k < n_bins else n_bins - 1] += 1  # FEV1 >= floor > 0: k >= 0
                if cause == 0:  # deaths and liver transitions of the living
                    low = 0.0
                    if percent < band_low:
                        low = low_h[i]
                    elif percent < band_up:
                        low = mid_h[i]
                    c0 = resp_h[i] + (post_lung_h if lung_tx else low)
                    c1 = post_liver_h if liver_tx else (dec_death if l1 else 0.0)
                    c2 = 0.0 if liver_tx else (cancer_death if l2 else 0.0)
                    c3 = smoke_h[i]
                    total = c0 + c1 + c2 + c3 + other_h[i]
                    if hazard + total > threshold:
                        v = cause_u[p] * total
                        bound = c0
                        cause = 5
                        if v < bound:
                            cause = 1
                        else:
                            bound += c1
                            if v < bound:
                                cause = 2
                            else:
                                bound += c2
                                if v < bound:
                                    cause = 3
                                else:
                                    bound += c3
                                    if v < bound:
                                        cause = 4
                        if j + 1 < n_out:
                            starts[DEATH, j + 1] += 1
                            starts[CAUSE0 + cause - 1, j + 1] += 1
                            batch_death_starts[b, j + 1] += 1
                    hazard += total
                    lung_waiting = not lung_tx and percent < band_low
                    liver_waiting = not liver_tx and (l1 or l2)
                    if not liver_tx:  # a transplanted liver no longer progresses
                        if l0:
                            lh1 += liver_h1
                            lh2 += liver_h2
                        lh0 += liver_h0
                        if not l0 and lh0 > t0:
                            l0 = True
                            lh1 += onset_h1
                            if j + 1 < n_out:
                                starts[CIRRHOSIS, j + 1] += 1
                        if not l1 and lh1 > t1:
                            l1 = True
                            if j + 1 < n_out:
                                starts[CIRRHOSIS + 1, j + 1] += 1
                        if not l2 and lh2 > t2:
                            l2 = True
                            if j + 1 < n_out:
                                starts[CIRRHOSIS + 2, j + 1] += 1
                    if lung_waiting:
                        tx0 += lung_tx_h
                        if tx0 > u0:
                            lung_tx = True
                            if j + 1 < n_out:
                                starts[LUNG_TX, j + 1] += 1
                    if liver_waiting:
                        tx1 += liver_tx_h
                        if tx1 > u1:
                            liver_tx = True
                            if j + 1 < n_out:
                                starts[LIVER_TX, j + 1] += 1
                if i + 1 < n_ages:
                    level = r1 ** gamma if gamma != 0.0 else 1.0
                    new_r1 = max(r1 - multiplier * loss_b[g, i] * level, floor)
                    rf = max(0.05, rf - fvc_b * (r1 - new_r1))
                    r1 = new_r1


@cache
def compiled() -> Any:
    """The numba-compiled person loop (compiled once per process, cached on disk)."""
    numba: Any = importlib.import_module("numba")
    return numba.njit(cache=True, fastmath=False, error_model="numpy")(_person_loop)
