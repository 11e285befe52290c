"""An accessible inline SVG of lung function over a lifetime, drawn from the risk engine's plot data.

Colours and line styles come from classes in ``public.css`` (no inline styles: the CSP forbids
them); every series differs by dash pattern too, so the plot does not rely on colour alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from aatd.web.public.rendering import decimal


@dataclass(frozen=True)
class Frame:
    """The drawing's size and margins in SVG user units (the CSS gives text 13 units)."""

    name: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int


WIDE = Frame("wide", 640, 380, 56, 16, 16, 48)
"""Desktops and tablets: the drawing is scaled to the column (up to 640 px)."""
NARROW = Frame("narrow", 320, 300, 44, 10, 12, 44)
"""Phones: drawn for the about 320 px a phone's answer card leaves it, so its text keeps about 13 px and
nothing scrolls sideways (the wide drawing shrunk to a phone had 7-9 px text, hence a sideways scroll)."""


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> Any:
    span = (hi - lo) or 1.0
    return lambda v: round(out_lo + (v - lo) / span * (out_hi - out_lo), 1)


def _path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))


def _axes(f: Frame, sx: Any, sy: Any, ages: list[int], y_max: float, labels: Mapping[str, str]) -> list[str]:
    base, right = f.height - f.bottom, f.width - f.right
    out = [f'<line class="axis" x1="{f.left}" y1="{base}" x2="{right}" y2="{base}"/>',
           f'<line class="axis" x1="{f.left}" y1="{f.top}" x2="{f.left}" y2="{base}"/>']
    for age in range(ages[0] - ages[0] % 10 + 10, ages[-1] + 1, 10):
        x = sx(age)
        out.append(f'<line class="grid" x1="{x}" y1="{f.top}" x2="{x}" y2="{base}"/>')
        out.append(f'<text class="tick" x="{x}" y="{base + 18}" text-anchor="middle">{age}</text>')
    step = 1.0 if y_max > 3 else 0.5
    value = 0.0
    while value <= y_max + 1e-9:
        y = sy(value)
        out.append(f'<line class="grid" x1="{f.left}" y1="{y}" x2="{right}" y2="{y}"/>')
        out.append(f'<text class="tick" x="{f.left - 8}" y="{y + 4}" text-anchor="end">{decimal(value, "g")}</text>')
        value += step
    middle = f.top + (base - f.top) / 2
    out.append(f'<text class="axis-label" x="{(f.left + right) / 2}" y="{f.height - 8}" '
               f'text-anchor="middle">{escape(labels["x"])}</text>')
    out.append(f'<text class="axis-label" x="14" y="{middle}" text-anchor="middle" '
               f'transform="rotate(-90 14 {middle})">{escape(labels["y"])}</text>')
    return out


def trajectory_svg(data: Mapping[str, Any], labels: Mapping[str, str], frame: Frame = WIDE) -> str:
    """The plot as SVG markup: reference line, then each series' 10-90% band and median.

    ``labels`` holds the translated ``title``, ``desc``, ``x`` and ``y`` texts; ids are prefixed with the
    frame's name so that both drawings can sit on one page (``both_sizes``).
    """
    reference = data["reference"]
    ages = [int(r["age"]) for r in reference]
    y_max = max([r["predicted"] for r in reference] + [p["p90"] for s in data["series"] for p in s["points"]])
    y_max = float(int(y_max) + 1)
    sx = _scale(ages[0], ages[-1], frame.left, frame.width - frame.right)
    sy = _scale(0.0, y_max, frame.height - frame.bottom, frame.top)
    ids = f"lp-{frame.name}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lung-plot lung-plot-{frame.name}" '
             f'viewBox="0 0 {frame.width} {frame.height}" '
             f'role="img" aria-labelledby="{ids}-title {ids}-desc" focusable="false">',
             f'<title id="{ids}-title">{escape(labels["title"])}</title>',
             f'<desc id="{ids}-desc">{escape(labels["desc"])}</desc>', *_axes(frame, sx, sy, ages, y_max, labels)]
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


def both_sizes(data: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """The drawing for phones and the one for wider screens; the style sheet shows one of them.

    A hidden one (``display: none``) is also left out of what a screen reader reads.
    """
    return trajectory_svg(data, labels, NARROW) + "\n" + trajectory_svg(data, labels, WIDE)
