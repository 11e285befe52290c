"""A compiled (numba) kernel of the lung, liver and survival model, a block of people at a time.

The same arithmetic, in the same order for each person, as :func:`aatd.risk.lung.simulate_reference` and the
vectorised engine, compiled with numba. It returns counts and per-batch 5 mL histograms (no per-person paths):
:func:`aatd.risk.lung.simulate` uses it with ``engine="compiled"``. numba is imported lazily and typed as
``Any`` (it ships no type stubs).

Why it is fast (a million lifetimes in about half a second of CPU on one core; `benchmarks/progression.py`):

* people are visited batch by batch (person ``p`` belongs to batch ``p % batches``), so each batch's
  parameters and its histogram block stay in cache, without sorting or copying the inputs;
* within a batch, :data:`BLOCK` people are simulated together, year by year: their states (FEV1 fraction,
  hazards, liver states, transplants) are rows of one (field, person) array of fixed shape, so each year
  is two loops over the people that LLVM compiles to SIMD instructions (8 people per instruction on
  AVX-512), and a third that adds their FEV1 to the year's histogram row; the rows are padded so that
  they do not map to the same cache sets (a 4 KiB row stride made it 2.5x slower);
* every branch of the model (FEV1 band, liver state, transplant, alive, the cause of a death) is a
  selection, not a jump, so the loops vectorise and do not mispredict;
* each person's coefficients are built inside the kernel from the batch tables (no million-long
  temporary arrays), and a year's loss of FEV1 fraction is the person's multiplier x one entry of
  :func:`aatd.risk.lung.loss_table` (group x batch x age), the table every engine uses;
* no division in the yearly loops: FEV1/FVC is compared with its thresholds by multiplication and the
  histogram bin is FEV1 x bins per litre;
* events that never reverse (death and its cause, the liver states, FEV1 below 50% predicted, which
  only falls) are counted once per person in the year they start, and turned into counts by a cumulative
  sum afterwards; only the outcomes that can come and go (COPD by LLN or fixed ratio, the GOLD grade) and
  the FEV1 histogram are counted every year;
* the dead are swapped to the end of the block, and the loop of deaths, liver and transplants runs over the
  living only (in the benchmark's profile 59% of person-years are after death); their FEV1 is still followed,
  as in the other engines (the FEV1 bands and COPD counts describe everyone simulated), and the FEV1 sum
  visits people in their original order, so it is the same sequence of additions.

The per-person arithmetic is unchanged, so the random streams and every count are identical to the
person-by-person kernel this replaced (and to the vectorised engine; tests/risk/test_kernel.py,
tests/risk/test_lung.py).
"""

from __future__ import annotations

import importlib
import math
from functools import cache
from typing import Any

import numpy as np

# Rows of the yearly counts (COPD and GOLD) and of the start-age table (the order of aatd.risk.lung.OUTCOMES
# is rebuilt from both by aatd.risk.lung.run_compiled).
COPD_LLN, FIXED, GOLD1, GOLD2, GOLD3, GOLD4 = 0, 1, 2, 3, 4, 5
BELOW50, DEATH, CAUSE0, CIRRHOSIS, LUNG_TX, LIVER_TX = 0, 1, 2, 7, 10, 11

BLOCK = 512  # people simulated together (fewer, longer loops; 128 to 512 measured within 10%)
ROW = BLOCK + 8  # row length: 4,160 bytes, not a power of two, so the rows do not share L1 cache sets
# Rows of the block state. Flags (alive, FEV1 below 50%, transplanted, liver states) are 0.0 or 1.0, so every
# row is float64 and a loop over people handles 8 of them per AVX-512 instruction.
(R1, RF, MULT, GROUP, LEVEL, FEV1, HEALTHY, ALIVE, BELOW, LUNG_NEW, LIVER_NEW, LIVER0, LIVER1, LIVER2, HAZARD,
 THRESHOLD, LIVER_H0, LIVER_H1, LIVER_H2, LIVER_T0, LIVER_T1, LIVER_T2, TX_H0, TX_H1, TX_T0, TX_T1,
 CAUSE_U) = range(27)
FIELDS = 27


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
    lms0 = scalars[21:27]  # GLI L, M, S of FEV1 and of FEV1/FVC at the start age
    lung_tx_h, liver_tx_h, post_lung_h, post_liver_h = scalars[27], scalars[28], scalars[29], scalars[30]
    onset_h1 = scalars[31]  # decompensation hazard added when cirrhosis begins (decompensated at diagnosis)
    measured = not math.isnan(fev1_l)
    n, batches, n_ages = level_z.shape[0], loss_table.shape[1], loss_table.shape[2]
    n_out = n_ages - first
    s = np.zeros((FIELDS, ROW))  # fixed shape: the compiled loops see constant row offsets and vectorise
    person, slot = np.empty(BLOCK, np.int64), np.empty(BLOCK, np.int64)  # who is in which column, and back
    for b in range(batches):  # a batch's parameters and histogram block stay in cache
        male_b, fvc_b = male[b], fvc_fraction[b]
        hist_b, fev1_sum_b = hist[b], batch_fev1[b]
        loss_b = loss_table[:, b, :]
        in_batch = (n - b + batches - 1) // batches  # people b, b + batches, b + 2 batches, ...
        for start in range(0, in_batch, BLOCK):
            m = min(BLOCK, in_batch - start)
            p0 = b + start * batches
            _enter(s, m, p0, batches, level_z, ratio_z, slope_z, group_u, death_threshold, cause_u,
                   liver_threshold, transplant_threshold, group_bounds[0], group_bounds[1], sigma, male_b, lms0,
                   fev1_pred[0], fvc_pred[0])
            for i in range(first):  # before the current age: lung function only (and silent cirrhosis)
                _levels(s, m, gamma)
                _before_entry(s, m, silent_liver, liver_h0, loss_b[0, i], loss_b[1, i], loss_b[2, i], floor, fvc_b)
            cirrhotic, decompensated = _anchor(s, m, measured, fev1_l, noise_sd, noise_z, p0, batches,
                                               fev1_pred[first], entry_fraction[0], entry_fraction[1],
                                               entry_fraction[2], floor, fvc_b, onset_h1)
            starts[CIRRHOSIS, 0] += cirrhotic
            starts[CIRRHOSIS + 1, 0] += decompensated
            for q in range(m):
                person[q] = slot[q] = q
            living = m  # the living are the first columns
            for i in range(first, n_ages):
                j = i - first
                later = j + 1 < n_out  # an event this year is counted from next year's age
                events = _year_of_life(s, living, resp_h[i], other_h[i], smoke_h[i], low_h[i], mid_h[i], band_low,
                                       band_up, post_lung_h, post_liver_h, dec_death, cancer_death, liver_h0,
                                       liver_h1, liver_h2, lung_tx_h, liver_tx_h, onset_h1)
                dying = events[0] + events[1] + events[2] + events[3] + events[4]
                if later:  # deaths by cause, liver states, transplants (in the order of the start-age table)
                    for e in range(10):
                        starts[CAUSE0 + e, j + 1] += events[e]
                    starts[DEATH, j + 1] += dying
                    batch_death_starts[b, j + 1] += dying
                if dying > 0:
                    living = _move_the_dead_last(s, living, person, slot)
                step = i + 1 < n_ages
                if step:
                    _levels(s, m, gamma)
                la, lb, lc = (loss_b[0, i], loss_b[1, i], loss_b[2, i]) if step else (0.0, 0.0, 0.0)
                lln, fixed, gold1, gold2, gold3, gold4, below50 = _lung(
                    s, m, fev1_pred[i], fvc_pred[i], ratio_lln[i], fixed_ratio, g1, g2, g3, step, la, lb, lc, floor,
                    fvc_b)
                yearly[COPD_LLN, j] += lln
                yearly[FIXED, j] += fixed
                yearly[GOLD1, j] += gold1
                yearly[GOLD2, j] += gold2
                yearly[GOLD3, j] += gold3
                yearly[GOLD4, j] += gold4
                starts[BELOW50, j] += below50
                fev1_sum_b[j] = _histogram(s, m, slot, hist_b[j], fev1_sum_b[j], bins_per_l)


def _enter(s: Any, m: int, p0: int, stride: int, level_z: Any, ratio_z: Any, slope_z: Any, group_u: Any,
           death_threshold: Any, cause_u: Any, liver_threshold: Any, transplant_threshold: Any, bound0: float,
           bound1: float, sigma: float, male_b: float, lms0: Any, fev1_pred0: float,
           fvc_pred0: float) -> None:  # pragma: no cover - compiled
    """The block's people at the start age: group, multiplier, GLI FEV1 and FEV1/FVC, their random thresholds."""
    fev1_l0, fev1_m0, fev1_s0, ratio_l0, ratio_m0, ratio_s0 = lms0[0], lms0[1], lms0[2], lms0[3], lms0[4], lms0[5]
    for q in range(m):
        p = np.uint64(p0 + q * stride)  # unsigned: numba adds no negative-index check to the loads
        u = group_u[p]
        s[GROUP, q] = (1.0 if u >= bound0 else 0.0) + (1.0 if u >= bound1 else 0.0)
        s[MULT, q] = math.exp(sigma * slope_z[p] - 0.5 * sigma * sigma) * male_b
        # FEV1 and FEV1/FVC at the start age from the GLI LMS spread (as aatd.risk.spirometry.centile_value)
        fev1_0 = fev1_m0 * max(1.0 + fev1_l0 * fev1_s0 * level_z[p], 1e-6) ** (1.0 / fev1_l0)
        ratio_0 = ratio_m0 * max(1.0 + ratio_l0 * ratio_s0 * ratio_z[p], 1e-6) ** (1.0 / ratio_l0)
        s[HEALTHY, q] = s[R1, q] = fev1_0 / fev1_pred0
        s[RF, q] = (fev1_0 / ratio_0) / fvc_pred0
        s[LEVEL, q] = 1.0
        s[THRESHOLD, q] = death_threshold[p]
        s[CAUSE_U, q] = cause_u[p]
        s[LIVER_T0, q] = liver_threshold[0, p]
        s[LIVER_T1, q] = liver_threshold[1, p]
        s[LIVER_T2, q] = liver_threshold[2, p]
        s[TX_T0, q] = transplant_threshold[0, p]
        s[TX_T1, q] = transplant_threshold[1, p]
        s[ALIVE, q] = 1.0
        for row in (HAZARD, BELOW, LUNG_NEW, LIVER_NEW, LIVER0, LIVER1, LIVER2, LIVER_H0, LIVER_H1,
                    LIVER_H2, TX_H0, TX_H1):
            s[row, q] = 0.0


def _levels(s: Any, m: int, gamma: float) -> None:  # pragma: no cover - compiled
    """FEV1 fraction ** exponent, the level dependence of the excess decline (stays 1.0 when the exponent is 0)."""
    if gamma != 0.0:
        for q in range(m):
            s[LEVEL, q] = s[R1, q] ** gamma


def _next_fev1(s: Any, q: int, x: float, y: float, la: float, lb: float, lc: float, floor: float,
               fvc_b: float) -> tuple[float, float]:  # pragma: no cover - compiled
    """Next year's FEV1 and FVC fractions of predicted: the person's multiplier x their group's loss x level."""
    g = s[GROUP, q]
    loss = la if g == 0.0 else (lb if g == 1.0 else lc)
    new_r1 = max(x - s[MULT, q] * loss * s[LEVEL, q], floor)
    return new_r1, max(0.05, y - fvc_b * (x - new_r1))


def _before_entry(s: Any, m: int, silent_liver: bool, liver_h0: float, la: float, lb: float, lc: float, floor: float,
                  fvc_b: float) -> None:  # pragma: no cover - compiled
    """A year before the current age: lung function, and cirrhosis that may begin unseen."""
    for q in range(m):
        h, threshold, cirrhotic = s[LIVER_H0, q] + liver_h0, s[LIVER_T0, q], s[LIVER0, q] != 0.0
        s[LIVER_H0, q] = h if silent_liver else s[LIVER_H0, q]
        s[LIVER0, q] = 1.0 if silent_liver & (cirrhotic | (h > threshold)) else s[LIVER0, q]
        s[R1, q], s[RF, q] = _next_fev1(s, q, s[R1, q], s[RF, q], la, lb, lc, floor, fvc_b)


def _anchor(s: Any, m: int, measured: bool, fev1_l: float, noise_sd: float, noise_z: Any, p0: int, stride: int,
            fev1_pred: float, entry0: float, entry1: float, entry2: float, floor: float, fvc_b: float,
            onset_h1: float) -> tuple[int, int]:  # pragma: no cover - compiled
    """FEV1 at the current age: a measured FEV1 (with noise), else at most the group's entry fraction.

    Cirrhosis that began silently is diagnosed now, with the decompensation hazard jump at diagnosis. Returns how
    many people enter with cirrhosis, and with decompensated cirrhosis.
    """
    cirrhotic = decompensated = 0
    for q in range(m):
        x, g = s[R1, q], s[GROUP, q]
        if measured:
            anchored = max(floor, (fev1_l + noise_sd * noise_z[p0 + q * stride]) / fev1_pred)
        else:
            entry = entry0 if g == 0.0 else (entry1 if g == 1.0 else entry2)
            anchored = max(floor, min(x, s[HEALTHY, q] * entry))
        s[RF, q] = max(0.05, s[RF, q] + fvc_b * (anchored - x))
        s[R1, q] = anchored
        entered = s[LIVER0, q] != 0.0
        h1 = s[LIVER_H1, q] + onset_h1 if entered else s[LIVER_H1, q]
        s[LIVER_H1, q] = h1
        entered_decompensated = entered & (h1 > s[LIVER_T1, q])
        s[LIVER1, q] = 1.0 if entered_decompensated else s[LIVER1, q]
        cirrhotic += entered
        decompensated += entered_decompensated
    return cirrhotic, decompensated


def _hazards(s: Any, q: int, resp_h: float, low_h: float, mid_h: float, band_low: float, band_up: float,
             post_lung_h: float, post_liver_h: float, dec_death: float,
             cancer_death: float) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """This year's death hazards of person ``q`` from respiratory disease, liver failure and liver cancer."""
    percent = 100.0 * s[R1, q]
    lung_tx, liver_tx = s[LUNG_NEW, q] != 0.0, s[LIVER_NEW, q] != 0.0
    low = low_h if percent < band_low else (mid_h if percent < band_up else 0.0)
    c0 = resp_h + (post_lung_h if lung_tx else low)
    c1 = post_liver_h if liver_tx else (dec_death if s[LIVER1, q] != 0.0 else 0.0)
    c2 = 0.0 if liver_tx else (cancer_death if s[LIVER2, q] != 0.0 else 0.0)
    return c0, c1, c2


def _year_of_life(s: Any, m: int, resp_h: float, other_h: float, smoke_h: float, low_h: float, mid_h: float,
                  band_low: float, band_up: float, post_lung_h: float, post_liver_h: float, dec_death: float,
                  cancer_death: float, liver_h0: float, liver_h1: float, liver_h2: float, lung_tx_h: float,
                  liver_tx_h: float,
                  onset_h1: float) -> tuple[int, int, int, int, int, int, int, int, int, int]:  # pragma: no cover
    """One year of the people alive at its start (the first ``m`` columns): deaths by cause, then liver
    transitions and transplants.

    Hazards come from the states at the start of the year. A death's cause is the first whose cumulative hazard
    exceeds the person's uniform draw x the total (as the other engines). A transplanted liver no longer
    progresses; transplants are waited for while FEV1 is below the lower band (lung) or the liver is
    decompensated or cancerous (liver). Returns the deaths by cause (the five of aatd.risk.mortality.CAUSES), the
    new cirrhosis, decompensation, liver cancer, lung and liver transplants.
    """
    died = past0 = past1 = past2 = past3 = new0 = new1 = new2 = new_lung = new_liver = 0
    for q in range(m):
        c0, c1, c2 = _hazards(s, q, resp_h, low_h, mid_h, band_low, band_up, post_lung_h, post_liver_h, dec_death,
                              cancer_death)
        total = c0 + c1 + c2 + smoke_h + other_h
        hazard = s[HAZARD, q] + total
        dies = hazard > s[THRESHOLD, q]
        s[HAZARD, q] = hazard
        s[ALIVE, q] = 0.0 if dies else 1.0
        v = s[CAUSE_U, q] * total  # the cause: the first cumulative hazard above v (hazards are >= 0)
        bound0 = c0
        bound1 = bound0 + c1
        bound2 = bound1 + c2
        bound3 = bound2 + smoke_h
        died += dies
        past0 += dies & (v >= bound0)
        past1 += dies & (v >= bound1)
        past2 += dies & (v >= bound2)
        past3 += dies & (v >= bound3)
        lung_tx, liver_tx = s[LUNG_NEW, q] != 0.0, s[LIVER_NEW, q] != 0.0
        l0, l1, l2 = s[LIVER0, q] != 0.0, s[LIVER1, q] != 0.0, s[LIVER2, q] != 0.0
        native = not liver_tx
        cirrhotic = native & l0
        h0 = s[LIVER_H0, q] + liver_h0 if native else s[LIVER_H0, q]
        h1 = s[LIVER_H1, q] + liver_h1 if cirrhotic else s[LIVER_H1, q]
        h2 = s[LIVER_H2, q] + liver_h2 if cirrhotic else s[LIVER_H2, q]
        start0 = (not l0) & (h0 > s[LIVER_T0, q])
        h1 = h1 + onset_h1 if start0 else h1  # some cirrhosis is decompensated when diagnosed
        s[LIVER_H0, q], s[LIVER_H1, q], s[LIVER_H2, q] = h0, h1, h2
        start1 = (not l1) & (h1 > s[LIVER_T1, q])
        start2 = (not l2) & (h2 > s[LIVER_T2, q])
        s[LIVER0, q] = 1.0 if (l0 | start0) else 0.0
        s[LIVER1, q] = 1.0 if (l1 | start1) else 0.0
        s[LIVER2, q] = 1.0 if (l2 | start2) else 0.0
        lung_waiting = (not lung_tx) & (100.0 * s[R1, q] < band_low)
        liver_waiting = (not liver_tx) & (l1 | l2)
        t0 = s[TX_H0, q] + lung_tx_h if lung_waiting else s[TX_H0, q]
        t1 = s[TX_H1, q] + liver_tx_h if liver_waiting else s[TX_H1, q]
        s[TX_H0, q], s[TX_H1, q] = t0, t1
        got_lung = (not lung_tx) & (t0 > s[TX_T0, q])
        got_liver = (not liver_tx) & (t1 > s[TX_T1, q])
        s[LUNG_NEW, q] = 1.0 if (lung_tx | got_lung) else 0.0
        s[LIVER_NEW, q] = 1.0 if (liver_tx | got_liver) else 0.0
        new0 += start0
        new1 += start1
        new2 += start2
        new_lung += got_lung
        new_liver += got_liver
    return died - past0, past0 - past1, past1 - past2, past2 - past3, past3, new0, new1, new2, new_lung, new_liver


def _lung(s: Any, m: int, fev1_pred: float, fvc_pred: float, ratio_lln: float, fixed_ratio: float, g1: float,
          g2: float, g3: float, step: bool, la: float, lb: float, lc: float, floor: float,
          fvc_b: float) -> tuple[int, int, int, int, int, int, int]:  # pragma: no cover - compiled
    """This year's COPD (LLN and fixed ratio), GOLD grades and new FEV1 < 50% counts; then next year's FEV1."""
    lln = fixed = gold1 = gold2 = gold3 = gold4 = below50 = 0
    for q in range(m):
        x, y = s[R1, q], s[RF, q]
        fev1, fvc, percent = x * fev1_pred, y * fvc_pred, 100.0 * x
        s[FEV1, q] = fev1
        lln += fev1 < ratio_lln * fvc  # FEV1/FVC below the LLN, without a division
        obstructed = fev1 < fixed_ratio * fvc
        fixed += obstructed
        gold1 += obstructed & (percent >= g1)
        gold2 += obstructed & (percent < g1) & (percent >= g2)
        gold3 += obstructed & (percent < g2) & (percent >= g3)
        gold4 += obstructed & (percent < g3)
        was_below, now_below = s[BELOW, q] != 0.0, percent < 50.0
        below50 += (not was_below) & now_below
        s[BELOW, q] = 1.0 if (was_below | now_below) else 0.0
        new_r1, new_rf = _next_fev1(s, q, x, y, la, lb, lc, floor, fvc_b)
        s[R1, q] = new_r1 if step else x
        s[RF, q] = new_rf if step else y
    return lln, fixed, gold1, gold2, gold3, gold4, below50


def _histogram(s: Any, m: int, slot: Any, row: Any, total: float,
               bins_per_l: float) -> float:  # pragma: no cover - compiled
    """Add the block's FEV1 (litres) to this year's 5 mL histogram row; returns ``total`` + their sum.

    People are visited in their order in the batch (not in their current columns), so the sum is the same
    sequence of additions as in a person-by-person loop.
    """
    top = np.uint64(row.shape[0] - 1)
    for r in range(m):
        fev1 = s[FEV1, np.uint64(slot[r])]  # unsigned indices: numba adds no negative-index check
        total += fev1
        k = np.uint64(fev1 * bins_per_l)  # FEV1 >= floor > 0
        row[k if k < top else top] += 1
    return total


def _move_the_dead_last(s: Any, living: int, person: Any, slot: Any) -> int:  # pragma: no cover - compiled
    """Swap this year's dead out of the first ``living`` columns (all rows), so the yearly loop over the living
    skips them; ``person`` and ``slot`` follow the swaps. Returns the number still living."""
    q = 0
    while q < living:
        if s[ALIVE, q] != 0.0:
            q += 1
            continue
        living -= 1  # column ``living`` (alive or not yet checked) takes the place of the dead in column q
        for row in range(FIELDS):
            s[row, q], s[row, living] = s[row, living], s[row, q]
        person[q], person[living] = person[living], person[q]
        slot[person[q]], slot[person[living]] = q, living
    return living


_HELPERS = ("_enter", "_levels", "_next_fev1", "_before_entry", "_anchor", "_hazards", "_year_of_life",
            "_lung", "_histogram", "_move_the_dead_last")


@cache
def compiled() -> Any:
    """The numba-compiled block loop (compiled once per process, cached on disk).

    The helpers are inlined into it (numba ``inline="always"``) so their loops see the block state's fixed shape.
    """
    numba: Any = importlib.import_module("numba")
    inline = numba.njit(inline="always", fastmath=False, error_model="numpy")
    helpers = globals()
    for name in _HELPERS:
        helpers[name] = inline(helpers[name])
    return numba.njit(cache=True, fastmath=False, error_model="numpy")(_person_loop)
