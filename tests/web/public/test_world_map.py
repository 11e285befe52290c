"""World maps of how common ZZ (public page) and the Z and S genes (docs) are, from the vendored shapes."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from aatd.knowledge import knowledge
from aatd.knowledge.places import place_codes
from aatd.web.public.how_common_map import CEILING, NONE_FOUND, ZZ_BANDS, too_small_for_the_map, zz_map
from aatd.web.public.world_map import WIDTH, Band, equal_earth, map_codes, shapes, world_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def _cell_area(lon: float, lat: float, size: float = 0.01) -> float:
    corners = [equal_earth(lon, lat), equal_earth(lon + size, lat), equal_earth(lon + size, lat + size),
               equal_earth(lon, lat + size)]
    return 0.5 * abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1],
                                                                       strict=True)))


@given(st.floats(-179, 179), st.floats(-80, 80))
def test_equal_earth__is_equal_area(lon: float, lat: float) -> None:
    """The projection keeps areas: a small cell's projected area over its area on the unit sphere is 1."""
    size = math.radians(0.01)
    sphere = size * (math.sin(math.radians(lat + 0.01)) - math.sin(math.radians(lat)))
    assert math.isclose(_cell_area(lon, lat) / sphere, 1.0, rel_tol=1e-3)


def test_every_place__is_drawn_or_named_as_too_small() -> None:
    codes = place_codes()
    assert set(codes) == {c.country for c in knowledge().countries.values()}
    too_small = set(too_small_for_the_map())
    assert too_small == {"Cape Verde", "Hong Kong"}
    assert all(codes[name] in map_codes() for name in codes if name not in too_small)


def test_shapes__no_line_runs_across_the_map() -> None:
    """Countries crossing the 180th meridian (Russia, Fiji) are split, never joined by a line across the world."""
    for shape in shapes():
        for ring in shape.path.split("M")[1:]:
            relative = ring.split("l", 1)[1].rstrip("z")
            steps = re.findall(r"(-?\d+) ?(-?\d+)", relative)
            assert steps and all(abs(int(dx)) < WIDTH / 4 for dx, _ in steps), shape.name


def _fills(svg: str) -> dict[str, str]:
    root = ET.fromstring(svg)
    return {title.text.split(":")[0]: path.get("fill", "")
            for path in root.iter(f"{SVG}path") if (title := path.find(f"{SVG}title")) is not None and title.text}


def test_zz_map__colours_follow_the_page_numbers() -> None:
    fills = _fills(zz_map("en"))
    assert fills["Spain"] == ZZ_BANDS[0][1]  # about 1 in 2,600: fewer than 5,000
    assert fills["Kazakhstan"] == CEILING[0]
    assert fills["Japan"] == NONE_FOUND[0]
    assert fills["Nigeria"] == ZZ_BANDS[2][1]  # about 1 in 40,000
    assert len(fills) == len(knowledge().countries) - len(too_small_for_the_map())


def test_world_map__text_is_escaped() -> None:
    svg = world_map_svg({"724": ('#000"/><script>', "<script>alert(1)</script>")}, [Band("#fff", "a & b <c>")],
                        title="<t>", description="d", too_small=["<x>"], too_small_label="small:")
    root = ET.fromstring(svg)
    assert root.find(f"{SVG}script") is None and not list(root.iter(f"{SVG}script"))
    assert "<script>" not in svg and "a &amp; b &lt;c&gt;" in svg


def test_map_route__svg_in_the_page_language(client: TestClient) -> None:
    english = client.get("/public/ask/how-common/map.svg")
    assert english.status_code == 200 and english.headers["content-type"] == "image/svg+xml"
    assert "How many people for each person with ZZ, by country" in english.text
    spanish = client.get("/public/ask/how-common/map.svg", params={"lang": "es"})
    assert "Cuántas personas hay por cada persona con ZZ, por país" in spanish.text
    assert "España: ZZ alrededor de 1 de cada 2.600" in spanish.text
