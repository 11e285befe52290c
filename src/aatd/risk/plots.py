"""Plots of lifetime FEV1 trajectories with 10-90% bands and scenarios (matplotlib, Agg backend).

:func:`plot_data` returns the series behind the figure for the web app;
:func:`save_trajectory_plot` writes PNG or SVG (chosen by the file extension).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aatd.errors import InputError

_FORMATS = (".png", ".svg")


def plot_data(answer: Mapping[str, Any]) -> dict[str, Any]:
    """Series behind the trajectory figure: predicted/LLN, as-now band and each scenario's band."""
    series = [{"name": "as now", "points": answer["fev1_trajectory"]}]
    series += [{"name": name, "description": s["description"], "points": s["fev1_trajectory"]}
               for name, s in answer.get("scenarios", {}).items()]
    return {"x": "age (years)", "y": "FEV1 (L)", "reference": answer["fev1_predicted"], "series": series,
            "band": "10th-90th percentile of simulated people", "disclaimer": answer.get("disclaimer", "")}


def save_trajectory_plot(answer: Mapping[str, Any], path: str | Path) -> Path:
    """Draw the trajectories of a :func:`aatd.risk.answers.describe_risk` answer to ``path`` (.png/.svg)."""
    out = Path(path)
    if out.suffix.lower() not in _FORMATS:
        raise InputError("plot", str(path), "a file name ending in .png or .svg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = plot_data(answer)
    fig, ax = plt.subplots(figsize=(8, 5))
    ref = data["reference"]
    ages = [r["age"] for r in ref]
    ax.plot(ages, [r["predicted"] for r in ref], color="black", lw=1, label="GLI predicted")
    ax.plot(ages, [r["lln"] for r in ref], color="black", lw=1, ls=":", label="lower limit of normal")
    for k, s in enumerate(data["series"]):
        pts = s["points"]
        x = [p["age"] for p in pts]
        color = f"C{k}"
        ax.fill_between(x, [p["p10"] for p in pts], [p["p90"] for p in pts], color=color, alpha=0.15 if k else 0.25)
        ax.plot(x, [p["p50"] for p in pts], color=color, lw=2 if k == 0 else 1.5, ls="-" if k == 0 else "--",
                label=f"{s['name']} (median, 10-90% band)")
    ax.set_xlabel(data["x"])
    ax.set_ylabel(data["y"])
    genotype = answer.get("genotype", {}).get("canonical", "")
    ax.set_title(f"FEV1 over a lifetime: {genotype} (model estimate)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.text(0.01, 0.01, "Supports, does not replace, clinical judgement.", fontsize=7)
    fig.savefig(out, format=out.suffix.lower().lstrip("."))
    plt.close(fig)
    return out
