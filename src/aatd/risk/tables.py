"""Markdown renderings of the risk model's data tables, for ``docs/progression.md``.

``scripts/gen_docs.py`` writes them between ``<!-- generated:... -->`` markers and its ``--check``
(run by the tests) fails when the docs and the tables disagree, so the documentation cannot drift
from the parameters the model uses.
"""

from __future__ import annotations

from aatd.knowledge import knowledge, split_sources
from aatd.risk.liver import liver_parameters
from aatd.risk.mortality import curves
from aatd.risk.parameters import CALIBRATED_EVIDENCE, parameters


def _cite(field: str) -> str:
    sources = knowledge().sources
    return "; ".join(sources[s].short for s in split_sources(field))


def _spread(sd: float, low: float | None, high: float | None) -> str:
    parts = [f"SD {sd:g}"] if sd else []
    if low is not None and high is not None:
        parts.append(f"({low:g}-{high:g})")
    return " ".join(parts)


def _evidence(text: str) -> str:
    return "calibrated" if text.startswith(CALIBRATED_EVIDENCE) else text


def progression_table() -> str:
    """Every row of ``progression_parameters.csv``: value, uncertainty, unit, evidence and source."""
    lines = ["| parameter | genotype | value | SD / CI | unit | evidence | source |", "|---|---|---|---|---|---|---|"]
    for p in parameters().values():
        lines.append(f"| {p.name} | {p.genotype} | {p.value:g} | {_spread(p.sd, p.ci_low, p.ci_high)} | {p.unit} | "
                     f"{_evidence(p.evidence)} | {_cite(p.source)} |")
    return "\n".join(lines)


def liver_table() -> str:
    """Every row of ``liver_parameters.csv``."""
    lines = ["| parameter | key | value | 95% CI | unit | evidence | source |", "|---|---|---|---|---|---|---|"]
    for p in liver_parameters().values():
        lines.append(f"| {p.name} | {p.key} | {p.value:g} | {_spread(0.0, p.ci_low, p.ci_high)} | {p.unit} | "
                     f"{p.evidence} | {_cite(p.source)} |")
    return "\n".join(lines)


def smoking_mortality_table() -> str:
    """The smoking rate-ratio and quit-residual curves of ``smoking_mortality.csv``."""
    labels = {"rate_ratio": ("cigarettes/day", "all-cause rate ratio"),
              "quit_residual": ("age at quitting", "fraction of the excess kept")}
    lines = ["| curve | x | value | sources |", "|---|---|---|---|"]
    for kind, curve in curves().items():
        x_label, y_label = labels[kind]
        for x, y in zip(curve.x, curve.y, strict=True):
            lines.append(f"| {y_label} by {x_label} | {x:g} | {y:g} | {_cite(';'.join(curve.sources))} |")
    return "\n".join(lines)
