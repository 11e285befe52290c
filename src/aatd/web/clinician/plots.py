"""SVG of a predicted FEV1 trajectory with the patient's measured FEV1 points (no scripts, no styles).

The series come from :func:`aatd.risk.plots.plot_data`; this module only draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

W, H, LEFT, RIGHT, TOP, BOTTOM = 720, 400, 60, 170, 20, 50
COLOURS = ("#0b5394", "#b45f06", "#38761d", "#741b47", "#444444", "#990000")


def _scale(values: Sequence[float], low_px: float, high_px: float) -> tuple[float, float, Any]:
    lo, hi = min(values), max(values)
    hi = hi if hi > lo else lo + 1

    def to_px(v: float) -> float:
        return low_px + (v - lo) / (hi - lo) * (high_px - low_px)

    return lo, hi, to_px


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def trajectory_svg(data: dict[str, Any], measured: Sequence[tuple[float, float]], title: str) -> str:
    """The plot as an SVG document: bands and medians per scenario, reference and LLN, measured points."""
    series = data["series"]
    ages = [p["age"] for s in series for p in s["points"]] + [a for a, _ in measured]
    litres = [v for s in series for p in s["points"] for v in (p["p10"], p["p90"])]
    litres += [r["predicted"] for r in data["reference"]] + [v for _, v in measured] + [0.0]
    x_lo, x_hi, px = _scale(ages, LEFT, W - RIGHT)
    _y_lo, y_hi, py = _scale(litres, H - BOTTOM, TOP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>']
    for tick in range(int(x_lo) // 10 * 10, int(x_hi) + 1, 10):
        if tick >= x_lo:
            x = px(tick)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#e0e0e0"/>'
                         f'<text x="{x:.1f}" y="{H - BOTTOM + 18}" font-size="12" text-anchor="middle">{tick}</text>')
    for tick in range(0, int(y_hi) + 1):
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(tick):.1f}" y2="{py(tick):.1f}" stroke="#e0e0e0"/>'
                     f'<text x="{LEFT - 8}" y="{py(tick) + 4:.1f}" font-size="12" text-anchor="end">{tick}</text>')
    parts.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 10}" font-size="13" text-anchor="middle">'
                 f'{escape(data["x"])}</text><text x="14" y="{(TOP + H - BOTTOM) / 2}" font-size="13" '
                 f'text-anchor="middle" transform="rotate(-90 14 {(TOP + H - BOTTOM) / 2})">{escape(data["y"])}</text>')
    reference = data["reference"]
    parts.append(f'<polyline fill="none" stroke="#000000" stroke-dasharray="6 4" stroke-width="1.5" '
                 f'points="{_path([(px(r["age"]), py(r["predicted"])) for r in reference])}"/>')
    parts.append(f'<polyline fill="none" stroke="#000000" stroke-dasharray="2 3" stroke-width="1.5" '
                 f'points="{_path([(px(r["age"]), py(r["lln"])) for r in reference])}"/>')
    legend = [("predicted (healthy)", "#000000", "6 4"), ("lower limit of normal", "#000000", "2 3")]
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        upper = [(px(p["age"]), py(p["p90"])) for p in s["points"]]
        lower = [(px(p["age"]), py(p["p10"])) for p in reversed(s["points"])]
        parts.append(f'<polygon fill="{colour}" fill-opacity="0.15" stroke="none" points="{_path(upper + lower)}"/>')
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'points="{_path([(px(p["age"]), py(p["p50"])) for p in s["points"]])}"/>')
        legend.append((str(s["name"]), colour, ""))
    for age, value in measured:
        parts.append(f'<circle cx="{px(age):.1f}" cy="{py(value):.1f}" r="5" fill="#cc0000" stroke="#ffffff"/>')
    if measured:
        legend.append(("measured FEV1", "#cc0000", "dot"))
    for i, (name, colour, dash) in enumerate(legend):
        y = TOP + 10 + i * 20
        x = W - RIGHT + 12
        mark = (f'<circle cx="{x + 10}" cy="{y}" r="5" fill="{colour}"/>' if dash == "dot" else
                f'<line x1="{x}" x2="{x + 20}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2.5"'
                + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        parts.append(mark + f'<text x="{x + 26}" y="{y + 4}" font-size="12">{escape(name[:22])}</text>')
    parts.append(f'<text x="{LEFT}" y="{TOP - 6}" font-size="11">{escape(data["band"])}</text></svg>')
    return "".join(parts)
