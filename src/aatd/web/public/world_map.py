"""World maps of how common the Z and S genes are, drawn as SVG from the vendored Natural Earth shapes.

The shapes are world-atlas 2.0.2's ``countries-110m.json`` (Natural Earth 1:110m countries, public
domain; see ``maps/README.md``), in the Equal Earth projection (Šavrič, Patterson and Jenny 2018),
Antarctica left out. A place is found by its UN M49 code (``places.csv``); places too small for a
1:110m map (Cape Verde, Hong Kong) are named under the map instead. The values and their wording
come from :mod:`aatd.patients.how_common` (the public map) or the country table (the docs maps):
this module only draws.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

WIDTH = 960.0
SOUTH_LIMIT = -60.0
"""Degrees of latitude: the map stops here (Antarctica has no survey and would take a fifth of it)."""
NO_DATA = "#d4d4d4"
"""Fill of a place without a survey."""
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


@dataclass(frozen=True, slots=True)
class Shape:
    """One country of the map: its M49 code, its Natural Earth name and its SVG path (map units)."""

    code: str
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class Band:
    """One legend entry: its fill colour and its words."""

    colour: str
    label: str


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Equal Earth projection of a point in degrees, in units of the Earth's radius (y up)."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / (3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    y = theta * (_A4 * t6 * t2 + _A3 * t6 + _A2 * t2 + _A1)
    return x, y


_X_EDGE = equal_earth(180.0, 0.0)[0]
_Y_TOP = equal_earth(0.0, 90.0)[1]
_Y_BOTTOM = equal_earth(0.0, SOUTH_LIMIT)[1]
_SCALE = WIDTH / (2 * _X_EDGE)
HEIGHT = round((_Y_TOP - _Y_BOTTOM) * _SCALE, 1)


def _to_map(longitude: float, latitude: float) -> tuple[float, float]:
    x, y = equal_earth(longitude, max(latitude, SOUTH_LIMIT))
    return (x + _X_EDGE) * _SCALE, (_Y_TOP - y) * _SCALE


def _decoded_arcs(topology: Mapping[str, object]) -> list[list[tuple[float, float]]]:
    """The topology's arcs as (longitude, latitude) points (delta-decoded and de-quantised)."""
    transform = topology["transform"]
    assert isinstance(transform, dict)
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs = topology["arcs"]
    assert isinstance(arcs, list)
    out = []
    for arc in arcs:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(indices: Sequence[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _unwrapped(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses the 180th meridian made continuous (longitudes past +-180), plus its copy
    shifted by 360 degrees; the outline clip keeps each copy's part on its own side of the map."""
    points = [ring[0]]
    for lon, lat in ring[1:]:
        previous = points[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        points.append((lon, lat))
    low, high = min(p[0] for p in points), max(p[0] for p in points)
    if low >= -180 and high <= 180:
        return [points]
    shift = 360.0 if low < -180 else -360.0
    return [points, [(lon + shift, lat) for lon, lat in points]]


def _path(rings: Iterator[list[tuple[float, float]]]) -> str:
    """SVG path data for rings of (longitude, latitude) in whole map units (relative moves, repeated
    points dropped): about 60 KB for the world, sharp enough at any screen width."""
    parts = []
    for ring in (part for whole in rings for part in _unwrapped(whole)):
        points = [(round(x), round(y)) for x, y in (_to_map(lon, lat) for lon, lat in ring)]
        kept = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
        if len(kept) < 3:
            continue
        steps = [f"{b[0] - a[0]} {b[1] - a[1]}" for a, b in itertools.pairwise(kept)]
        parts.append(f"M{kept[0][0]} {kept[0][1]}l" + " ".join(steps) + "z")
    return "".join(parts).replace(" -", "-")


@cache
def outline() -> str:
    """SVG path data of the map's edge (the 180th meridian on both sides, from 60 degrees south to the pole)."""
    east = [_to_map(180.0, lat) for lat in range(int(SOUTH_LIMIT), 91)]
    west = [_to_map(-180.0, lat) for lat in range(90, int(SOUTH_LIMIT) - 1, -1)]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in east + west) + "Z"


@cache
def shapes() -> tuple[Shape, ...]:
    """Every country of the vendored map but Antarctica, projected (computed once per process)."""
    text = resources.files("aatd.web.public").joinpath("maps/countries-110m.json").read_text(encoding="utf-8")
    topology = json.loads(text)
    arcs = _decoded_arcs(topology)
    out = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code, kind = geometry.get("id"), geometry.get("type")
        if code is None or code == "010" or kind not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if kind == "MultiPolygon" else [geometry["arcs"]]
        rings = (_ring(ring, arcs) for polygon in polygons for ring in polygon)
        out.append(Shape(code=code, name=geometry["properties"]["name"], path=_path(rings)))
    return tuple(out)


def map_codes() -> frozenset[str]:
    """The M49 codes the map can colour."""
    return frozenset(s.code for s in shapes())


def world_map_svg(fills: Mapping[str, tuple[str, str]], bands: Sequence[Band], *, title: str, description: str,
                  too_small: Sequence[str] = (), too_small_label: str = "") -> str:
    """A standalone SVG: each country in ``fills`` (M49 code -> (colour, tooltip)) coloured, the rest grey,
    and a legend of ``bands`` below (none when empty: the page shows it); ``too_small`` places are named under
    the legend. All text is escaped."""
    legend_top = HEIGHT + 14
    rows = len(bands) + (1 if too_small else 0)
    height = legend_top + 22 * rows + 8 if rows else HEIGHT
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {height:.1f}" role="img" '
           'aria-labelledby="map-title map-desc" font-family="sans-serif" font-size="14">',
           f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
           f'<rect width="{WIDTH:g}" height="{height:.1f}" fill="#ffffff"/>',
           f'<clipPath id="map-edge"><path d="{outline()}"/></clipPath>',
           f'<path d="{outline()}" fill="#f4f8fb" stroke="#bbbbbb" stroke-width="0.5"/><g clip-path="url(#map-edge)">']
    for shape in shapes():
        colour, tip = fills.get(shape.code, (NO_DATA, ""))
        tooltip = f"<title>{escape(tip)}</title>" if tip else ""
        out.append(f'<path d="{shape.path}" fill="{escape(colour)}" stroke="#ffffff" stroke-width="0.5">'
                   f"{tooltip}</path>")
    out.append("</g>")
    for i, band in enumerate(bands):
        y = legend_top + 22 * i
        out.append(f'<rect x="10" y="{y:.1f}" width="18" height="14" fill="{escape(band.colour)}" stroke="#777777" '
                   f'stroke-width="0.5"/><text x="36" y="{y + 12:.1f}">{escape(band.label)}</text>')
    if too_small:
        y = legend_top + 22 * len(bands)
        out.append(f'<text x="10" y="{y + 12:.1f}">{escape(too_small_label)} {escape(", ".join(too_small))}</text>')
    out.append("</svg>")
    return "".join(out)
