"""The pedigree editor through the real app and SQLite: one-click additions, links, edits, delete, undo, audit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy import select

from aatd.web.db import transaction
from aatd.web.models import AuditEvent, Patient
from web.conftest import World

SVG = "{http://www.w3.org/2000/svg}"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _start(browser: TestClient, label: str = "Ann", sex: str = "female") -> tuple[int, int, str]:
    token = _csrf(browser.get("/patients").text)
    page = browser.post("/patients", data={"label": label, "sex": sex, "csrf_token": token})
    family = int(str(page.url).rsplit("/", 1)[1])
    proband = int(re.search(r'id="editor-panel"[^>]*data-member="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    return family, proband, token


def _change(browser: TestClient, family: int, token: str, member: int, action: str, **fields: str) -> str:
    response = browser.post(f"/families/{family}/editor", headers={"HX-Request": "true"},
                            data={"csrf_token": token, "member_id": str(member), "action": action, **fields})
    assert response.status_code == 200, response.text[:2000]
    return response.text


def _drawing(html: str) -> dict[str, dict[str, str]]:
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    return {str(g.get("data-member")): dict(g.attrib) for g in ET.fromstring(svg).iter(f"{SVG}g")
            if g.get("class") == "member"}


def _selected(html: str) -> int:
    return int(re.search(r'id="editor-panel"[^>]*data-member="(\d+)"', html).group(1))  # type: ignore[union-attr]


def test_editor__builds_links_and_names_by_kinship(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, ann, token = _start(browser)
    page = _change(browser, family, token, ann, "parents")
    father = _selected(page)
    page = _change(browser, family, token, father, "mz_twin")
    uncle = _selected(page)
    page = _change(browser, family, token, uncle, "partner")
    page = _change(browser, family, token, _selected(page), "daughter")
    cousin = _selected(page)
    page = _change(browser, family, token, cousin, "link", partner_id=str(ann))
    drawn = _drawing(page)
    assert set(drawn) == {"Ann", "Father of Ann", "Mother of Ann", "Grandfather of Ann", "Grandmother of Ann",
                          "Uncle of Ann", "Partner of Uncle of Ann", "First cousin of Ann"}
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert len(root.findall(f".//{SVG}line[@class='mz-twins']")) == 1
    assert len(root.findall(f".//{SVG}line[@class='consanguinity']")) == 1  # Ann and her cousin
    assert all(g.get("tabindex") == "0" and g.get("data-key") for g in drawn.values())
    page = _change(browser, family, token, ann, "genotype", genotype="ZZ")
    assert _drawing(page)["Ann"]["data-status"] == "affected"
    assert _drawing(page)["Father of Ann"]["data-status"] == "carrier"  # obligate carrier


def test_editor__edit_delete_with_confirmation_and_undo(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, ann, token = _start(browser)
    page = _change(browser, family, token, ann, "parents")
    father = _selected(page)
    page = _change(browser, family, token, ann, "save", label="Ann B", sex="female", birth_year="1980",
                   deceased="on", adopted="in")
    assert "Ann B" in _drawing(page) and "adopted in" in page
    confirm = browser.get(f"/families/{family}?member={father}&mode=delete").text
    assert "These relatives would lose a recorded link to them" in confirm and "Ann B" in confirm
    refused = browser.post(f"/families/{family}/editor", data={"csrf_token": token, "member_id": str(father),
                                                               "action": "delete"})
    assert refused.status_code == 422 and "confirm" in refused.text
    page = _change(browser, family, token, father, "delete", confirm="yes")
    assert set(_drawing(page)) == {"Mother of Ann", "Ann B"}
    page = browser.post(f"/families/{family}/undo", data={"csrf_token": token}, headers={"HX-Request": "true"}).text
    assert set(_drawing(page)) == {"Father of Ann", "Mother of Ann", "Ann B"}
    page = browser.post(f"/families/{family}/undo", data={"csrf_token": token}, headers={"HX-Request": "true"}).text
    assert set(_drawing(page)) == {"Father of Ann", "Mother of Ann", "Ann"}  # the edit undone too
    with transaction(sqlite_world.app.state.sessions) as db:
        ann_row = db.get(Patient, ann)
        assert ann_row is not None and ann_row.father_id == father and ann_row.adopted is None
        actions = {(e.action, e.entity) for e in db.scalars(select(AuditEvent))}
    assert {("undo", "family"), ("delete", "patient"), ("restore", "patient")} <= actions


def test_editor__impossible_changes_refused_naming_the_field(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, ann, token = _start(browser)
    page = _change(browser, family, token, ann, "parents")
    father = _selected(page)
    # the father cannot become female while he is Ann's father
    response = browser.post(f"/families/{family}/editor", data={"csrf_token": token, "member_id": str(father),
                                                                "action": "save", "label": "Dad", "sex": "female"})
    assert response.status_code == 422 and "Please correct this" in response.text and "sex" in response.text
    # Ann cannot be her own father's mother (a cycle)
    response = browser.post(f"/families/{family}/editor", data={"csrf_token": token, "member_id": str(father),
                                                                "action": "set_parents", "mother_id": str(ann)})
    assert response.status_code == 422, re.findall(r'class="error".*', response.text)
    # without the CSRF token nothing changes
    response = browser.post(f"/families/{family}/editor", data={"member_id": str(ann), "action": "son"})
    assert response.status_code == 403


def test_editor__other_organisation_gets_404(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, ann, _ = _start(browser)
    other = sqlite_world.login("doc@b.org")
    token = _csrf(other.get("/patients").text)
    response = other.post(f"/families/{family}/editor", data={"csrf_token": token, "member_id": str(ann),
                                                              "action": "son"})
    assert response.status_code == 404
    assert other.post(f"/families/{family}/undo", data={"csrf_token": token}).status_code == 404


def test_editor__hostile_names_stay_text_in_the_selectable_drawing(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    hostile = '"><script>alert(1)</script>&amp;'
    family, ann, token = _start(browser, hostile)
    page = _change(browser, family, token, ann, "parents")
    drawn = _drawing(page)
    assert hostile in drawn and drawn[hostile]["data-key"] == str(ann) and drawn[hostile]["role"] == "button"
    assert "<script>alert(1)" not in page


def test_editor__second_partner_gives_half_siblings_and_single_parent_gets_an_unknown_partner(
        sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, dan, token = _start(browser, "Dan", "male")
    first = _selected(_change(browser, family, token, dan, "partner"))
    _change(browser, family, token, first, "son")
    second = _selected(_change(browser, family, token, dan, "partner", new_label="Eve"))
    page = _change(browser, family, token, second, "daughter", new_label="Fay")
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    assert len(svg.findall(f".//{SVG}line[@class='couple']")) == 2  # Dan with each partner
    with transaction(sqlite_world.app.state.sessions) as db:
        rows = {p.label: p for p in db.scalars(select(Patient).where(Patient.family_id == family))}
    assert rows["Fay"].father_id == dan and rows["Fay"].mother_id == second
    son = next(p for label, p in rows.items() if label.startswith("Son") or label.startswith("Half"))
    assert son.father_id == dan and son.mother_id == first
    # a child recorded with one parent hangs from a couple with a "?" partner
    page = _change(browser, family, token, second, "save", label="Eve", sex="female", birth_year="")
    page = _change(browser, family, token, rows["Fay"].id, "son", new_label="Gus")
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    assert len(svg.findall(f".//{SVG}g[@class='unknown-partner']")) == 1


def test_editor__make_proband_moves_the_arrow(sqlite_world: World) -> None:
    browser = sqlite_world.login("doc@a.org")
    family, ann, token = _start(browser)
    father = _selected(_change(browser, family, token, ann, "parents"))
    page = _change(browser, family, token, father, "proband")
    svg = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
    with_arrow = [g.get("data-member") for g in svg.iter(f"{SVG}g")
                  if g.get("class") == "member" and g.find(f"{SVG}line[@class='proband']") is not None]
    assert with_arrow == ["Father of Ann"]
