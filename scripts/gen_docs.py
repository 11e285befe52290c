"""Regenerate the tables in docs/ that are computed from the code and data.

    python scripts/gen_docs.py          # rewrite the generated blocks
    python scripts/gen_docs.py --check  # exit 1 if any block is stale (run by the tests)

A generated block sits between ``<!-- generated:NAME -->`` and ``<!-- /generated:NAME -->``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from aatd.clinic.guidelines import guideline_tables
from aatd.genetics.levels import (
    level_distribution,
    lower_limit_of_normal_umol_l,
    model_summary,
    pooled_model,
    protective_threshold_umol_l,
)
from aatd.knowledge import knowledge
from aatd.risk.tables import liver_table, progression_table, smoking_mortality_table

ROOT = Path(__file__).resolve().parents[1]
LEVEL_GENOTYPES = ["MM", "MS", "MZ", "SS", "SZ", "ZZ", "M/I", "Z/I", "Z/F", "Z/Mmalton", "M/Null", "S/Null",
                   "Z/Null", "Null/Null"]


def level_table() -> str:
    lines = ["| genotype | severity | µmol/L 5th / median / 95th | mg/dL (nephelometry) | basis |",
             "|---|---|---|---|---|"]
    for row in model_summary(LEVEL_GENOTYPES):
        um, mg = row["umol_l"], row["mg_dl"]
        assert isinstance(um, dict) and isinstance(mg, dict)
        lines.append(f"| {row['genotype']} | {row['severity']} | {um['low']:g} / {um['median']:g} / {um['high']:g} "
                     f"| {mg['low']:g} / {mg['median']:g} / {mg['high']:g} | {row['basis']} |")
    lines.append("")
    release = knowledge().version.split("+")[0]
    lines.append(f"Protective threshold {protective_threshold_umol_l():g} µmol/L; lower limit of normal (MM 5th "
                 f"percentile) {lower_limit_of_normal_umol_l():.2f} µmol/L. Knowledge tables {release}.")
    return "\n".join(lines)


def pool_table() -> str:
    """Every pooled study range beside the model's interval at the same percentiles, and the variances."""
    model = pooled_model()
    quantile = {"p5_p95": 0.95, "range": 0.95, "p2.5_p97.5": 0.975, "iqr": 0.75}
    lines = ["| genotype | study | statistic | published µmol/L | model at the same percentiles | study offset (log) |",
             "|---|---|---|---|---|---|"]
    for r in sorted(model.ranges, key=lambda r: (r.genotype, r.study)):
        dist, p = level_distribution(r.genotype), quantile[r.statistic]
        lines.append(f"| {r.genotype} | {r.study} | {r.statistic} | {r.low_umol_l:.1f}-{r.high_umol_l:.1f} "
                     f"| {dist.quantile(1 - p):.1f}-{dist.quantile(p):.1f} | {model.study_effect[r.study]:+.3f} |")
    lines.append("")
    between, residual = model.between_var ** 0.5, model.residual_var ** 0.5
    lines.append(f"Between-study (assay) SD {between:.3f}, residual SD {residual:.3f} (natural log); each "
                 "genotype's predictive log-SD adds its mean within-study variance.")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def eligibility_table() -> str:
    """Each guideline x indication x criterion with the sentence it encodes (augmentation_criteria.csv)."""
    tables = guideline_tables()
    symbols = {"lt": "<", "le": "<=", "ge": ">=", "gt": ">", "in": "in", "is": "is"}
    lines = ["| guideline | indication | criterion | rule | if unmet | source sentence | sources |",
             "|---|---|---|---|---|---|---|"]
    for c in tables.augmentation:
        g = tables.guidelines[c.guideline]
        lines.append(f"| {g.name} {g.year} | {c.indication} | {c.criterion} | {symbols[c.operator]} {c.value} "
                     f"| {c.if_unmet} | {_cell(c.sentence)} | {c.source.replace(';', ', ')} |")
    return "\n".join(lines)


BLOCKS: dict[str, tuple[str, Callable[[], str]]] = {
    "level-model": ("docs/models.md", level_table),
    "level-pool": ("docs/models.md", pool_table),
    "eligibility-table": ("docs/interpretation.md", eligibility_table),
    "progression-parameters": ("docs/progression.md", progression_table),
    "liver-parameters": ("docs/progression.md", liver_table),
    "smoking-mortality": ("docs/progression.md", smoking_mortality_table),
}


def render(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"block {name!r} not found")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main(check: bool) -> int:
    stale = []
    for name, (path, make) in BLOCKS.items():
        file = ROOT / path
        old = file.read_text(encoding="utf-8")
        new = render(old, name, make())
        if new != old:
            stale.append(path)
            if not check:
                file.write_text(new, encoding="utf-8")
    if check and stale:
        print("stale generated docs: " + ", ".join(stale) + " (run: python scripts/gen_docs.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
