"""The public "Our family" drawing: no English inside it on a Spanish page, its legend as text in the
page's language (only the symbols it shows), and the CLI's drawing keeping its own legend."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from aatd.family.drawing import WORDS
from aatd.web.public.family_tree import DRAWING_WORDS

from .test_pages import FAMILY_OF_FOUR

SVG = "{http://www.w3.org/2000/svg}"
PEDIGREES = Path(__file__).parents[2] / "data" / "pedigrees"
LEGEND = {
    "en": ["Male", "Female", "Filled: a severe type, such as ZZ",
           "Dot: carries one changed gene, such as MZ or MS (from a test or from the family)",
           "Empty: no changed gene found, or not known", "Star: has a test result"],
    "es": ["Hombre", "Mujer", "Relleno: un tipo grave, como ZZ",
           "Punto: lleva un gen cambiado, como MZ o MS (por una prueba o por la familia)",
           "Vacío: no se encontró un gen cambiado, o no se sabe", "Asterisco: tiene un resultado de prueba"],
}


def drawing_of(html: str) -> ET.Element:
    """The family drawing of the page (the ``<img>`` of ``figure.tree-drawing``), parsed."""
    figure = html[html.index('<figure class="diagram tree-drawing">'):]
    src = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', figure)
    assert src is not None
    return ET.fromstring(base64.b64decode(src.group(1)))


def words_in(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter() if e.tag in (f"{SVG}text", f"{SVG}title")]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_our_family__the_drawing_has_no_legend_and_its_words_are_in_the_page_s_language(client: TestClient,
                                                                                          lang: str) -> None:
    r = client.post(f"/public/our-family?lang={lang}", data=FAMILY_OF_FOUR)
    assert r.status_code == 200
    root = drawing_of(r.text)
    shown = "\n".join(words_in(root))
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    for key, english in WORDS.items():  # the clinicians' English words: none in the public drawing
        if lang == "es" or english != DRAWING_WORDS.get(key):
            assert english not in shown, key
    title = {"en": "Our family tree", "es": "Nuestro árbol familiar"}[lang]
    carrier = {"en": "carries one changed gene", "es": "lleva un gen cambiado"}[lang]
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}title").text == title  # type: ignore[union-attr]
    assert f"I-1 Dad: {carrier}, MZ" in shown
    if lang == "es":
        for key, english in DRAWING_WORDS.items():  # nor the page's own English words
            assert english not in shown, key
    # the image is shown at its own size: the page says how big it is
    img = re.search(r'<img src="data:[^"]+" width="(\d+)" height="(\d+)"', r.text)
    assert img is not None and (img.group(1), img.group(2)) == (root.get("width"), root.get("height"))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_our_family__the_legend_is_text_under_the_drawing_for_the_symbols_it_shows(client: TestClient,
                                                                                   lang: str) -> None:
    html = client.post(f"/public/our-family?lang={lang}", data=FAMILY_OF_FOUR).text
    legend = html[html.index('<ul class="tree-legend"'):]
    legend = legend[:legend.index("</ul>")]
    assert [unescape(w) for w in re.findall(r"<span>([^<]*)</span>", legend)] == LEGEND[lang]
    assert legend.count("<svg ") == len(LEGEND[lang])  # each entry's marker, drawn as in the drawing
    note = {"en": "Under each shape: its place in the tree (such as II-1)",
            "es": "Debajo de cada forma: su lugar en el árbol (como II-1)"}[lang]
    assert note in unescape(html)


def test_our_family__a_child_with_one_parent_entered_is_explained_in_spanish(client: TestClient) -> None:
    data = {"tree": "1", "country": "USA", "m0_name": "Ana", "m0_sex": "female", "m0_result": "MZ",
            "m1_name": "Luis", "m1_sex": "unknown", "m1_mother": "Ana"}
    html = client.post("/public/our-family?lang=es", data=data).text
    assert "otro padre o madre sin escribir" in words_in(drawing_of(html))
    assert "Forma pequeña con ?: el otro padre o madre, sin escribir" in unescape(html)
    assert "Sexo no indicado" in unescape(html)


def test_cli_pedigree_svg__keeps_its_legend_and_footnotes_in_english(tmp_path: Path) -> None:
    out = tmp_path / "family.svg"
    run = subprocess.run([sys.executable, "-m", "aatd", "pedigree", str(PEDIGREES / "consanguineous.json"),
                          "--svg", str(out)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert "consanguineous couple" in words_in(legend) and "male" in words_in(legend)
    assert WORDS["footnote_support"] in words_in(root)
    assert WORDS["affected"] in "\n".join(words_in(root))  # in the proband's title
