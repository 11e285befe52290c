"""An accessible inline SVG of lung function over a lifetime, drawn from the risk engine's plot data.

Colours and line styles come from classes in ``public.css`` (no inline styles: the CSP forbids
them); every series differs by dash pattern too, so the plot does not rely on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Any:
    span = (hi - lo) or 1.0
    return lambda v: round(out_lo + (v - lo) / span * (out_hi - out_lo), 1)


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))


def _axes(sx: Any, sy: Any, ages: list[int], y_max: float, labels: Mapping[str, str]) -> list[str]:
    out = [f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}"/>',
           f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>']
    for age in range(ages[0] - ages[0] % 10 + 10, ages[-1] + 1, 10):
        x = sx(age)
        out.append(f'<line class="grid" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}"/>')
        out.append(f'<text class="tick" x="{x}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{age}</text>')
    step = 1.0 if y_max > 3 else 0.5
    value = 0.0
    while value <= y_max + 1e-9:
        y = sy(value)
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{LEFT - 8}" y="{y + 4}" text-anchor="end">{value:g}</text>')
        value += step
    out.append(f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" '
               f'text-anchor="middle">{escape(labels["x"])}</text>')
    out.append(f'<text class="axis-label" x="14" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + (HEIGHT - TOP - BOTTOM) / 2})">{escape(labels["y"])}</text>')
    return out


def trajectory_svg(data: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """The plot as SVG markup: reference line, then each series' 10-90% band and median.

    ``labels`` holds the translated ``title``, ``desc``, ``x`` and ``y`` texts.
    """
    reference = data["reference"]
    ages = [int(r["age"]) for r in reference]
    y_max = max([r["predicted"] for r in reference] + [p["p90"] for s in data["series"] for p in s["points"]])
    y_max = float(int(y_max) + 1)
    sx = _scale(ages[0], ages[-1], LEFT, WIDTH - RIGHT)
    sy = _scale(0.0, y_max, HEIGHT - BOTTOM, TOP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lung-plot" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="lp-title lp-desc" focusable="false">',
             f'<title id="lp-title">{escape(labels["title"])}</title>',
             f'<desc id="lp-desc">{escape(labels["desc"])}</desc>', *_axes(sx, sy, ages, y_max, labels)]
    for k, series in enumerate(data["series"]):
        pts = series["points"]
        upper = [(sx(p["age"]), sy(p["p90"])) for p in pts]
        lower = [(sx(p["age"]), sy(p["p10"])) for p in reversed(pts)]
        parts.append(f'<path class="band band-{k}" d="{_path(upper + lower)} Z"/>')
    parts.append(f'<path class="reference" d="{_path([(sx(r["age"]), sy(r["predicted"])) for r in reference])}"/>')
    for k, series in enumerate(data["series"]):
        line = [(sx(p["age"]), sy(p["p50"])) for p in series["points"]]
        parts.append(f'<path class="median median-{k}" d="{_path(line)}"/>')
    parts.append("</svg>")
    return "\n".join(parts)
