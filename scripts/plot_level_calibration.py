"""Calibration plots of the pooled serum-AAT model: one SVG per genotype (docs/img/level-calibration-*.svg).

    python scripts/plot_level_calibration.py           # write the plots
    python scripts/plot_level_calibration.py --check   # exit 1 if a plot is missing or stale

Each plot draws every published range that the model pools (in purified-standard µmol/L, as its study
states it: 5th-95th percentiles, central 95% or interquartile range) beside the model's own interval at
the same percentiles, plus the model's 5th-95th band, the 11 µmol/L protective threshold and the
lower limit of normal. The file is deterministic (no dates, fixed hash salt) so --check can compare.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from aatd.genetics.levels import (
    level_distribution,
    lower_limit_of_normal_umol_l,
    pooled_model,
    protective_threshold_umol_l,
)

ROOT = Path(__file__).resolve().parents[1]
GENOTYPES = ("MM", "MS", "MZ", "SS", "SZ", "ZZ")
_P = {"p5_p95": 0.95, "range": 0.95, "p2.5_p97.5": 0.975, "iqr": 0.75}


def plot(genotype: str) -> str:
    """The SVG text of one genotype's calibration plot."""
    model = pooled_model()
    dist = level_distribution(genotype)
    ranges = sorted((r for r in model.ranges if r.genotype == genotype), key=lambda r: r.study)
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(ranges) + 1.6))
    for i, r in enumerate(ranges):
        p = _P[r.statistic]
        y = len(ranges) - i
        ax.plot([r.low_umol_l, r.high_umol_l], [y + 0.12, y + 0.12], color="#1f4e79", lw=4)
        lo, hi = dist.quantile(1 - p), dist.quantile(p)
        ax.plot([lo, hi], [y - 0.12, y - 0.12], color="#c55a11", lw=4)
        ax.text(max(r.high_umol_l, hi) + 0.5, y, f"{r.study} ({r.statistic})", va="center", fontsize=8)
    ax.axvspan(dist.quantile(0.05), dist.quantile(0.95), color="#c55a11", alpha=0.12, lw=0)
    ax.axvline(protective_threshold_umol_l(), color="black", ls="--", lw=1)
    ax.axvline(lower_limit_of_normal_umol_l(), color="grey", ls=":", lw=1)
    ax.set_yticks([])
    ax.set_xlabel("serum AAT, µmol/L (purified standard)")
    ax.set_title(f"{genotype}: published ranges (blue) and the pooled model at the same percentiles (orange); "
                 f"shaded: model 5th-95th ({dist.quantile(0.05):.1f}-{dist.quantile(0.95):.1f})", fontsize=8)
    ax.set_xlim(0, max(max(r.high_umol_l for r in ranges), dist.quantile(0.95)) * 1.6)
    ax.set_ylim(0.3, len(ranges) + 0.7)
    fig.tight_layout()
    buffer = io.StringIO()
    plt.rcParams["svg.hashsalt"] = "aatd"
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()


def main(check: bool) -> int:
    stale = []
    for genotype in GENOTYPES:
        path = ROOT / "docs" / "img" / f"level-calibration-{genotype}.svg"
        svg = plot(genotype)
        if not path.exists() or path.read_text(encoding="utf-8") != svg:
            stale.append(path.name)
            if not check:
                path.write_text(svg, encoding="utf-8")
    if check and stale:
        print("stale calibration plots: " + ", ".join(stale) + " (run: python scripts/plot_level_calibration.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
