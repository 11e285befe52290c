"""No engine slug (``not_indicated``, ``sequence_serpina1``) or provenance placeholder ("Author list not
retrieved") reaches the text of a clinician page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from aatd.knowledge import knowledge
from aatd.web.clinician.labels import citation, readable, sourced
from web.conftest import World

ROOT = Path(__file__).resolve().parents[3]
SLUG = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_HIDDEN = re.compile(r"<(script|style|svg|title|code)\b.*?</\1>", re.S)
"""Left out: scripts, drawings, and ``<code>`` (the audit log's stored detail, shown as the data it is)."""


def visible_text(page: str) -> str:
    """The words a reader sees: tags, attributes, scripts and drawings left out."""
    return html.unescape(re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", page)))


def test_readable__codes_become_words() -> None:
    assert readable("not_indicated") == "not indicated"
    assert readable("sequence_serpina1") == "sequence the SERPINA1 gene"
    assert readable("refer_specialist") == "refer specialist"
    assert citation("Smith 2001. Author list not retrieved; PMID 1") == "Smith 2001. PMID 1"
    unnamed = knowledge().sources["pmc8367212"]
    assert citation(unnamed.short).startswith("Ther Adv Chronic Dis 2021")
    assert sourced("ats_ers2003 (range), brantly1991 (p5_p95)") == ("American Thoracic Society 2003 (range), "
                                                                    "Brantly 1991 (5th to 95th percentile)")


def test_clinician_pages__no_snake_case_slugs_in_the_text(sqlite_world: World) -> None:
    h = sqlite_world.token("doc@a.org")
    doc = json.loads((ROOT / "tests" / "data" / "pedigrees" / "consanguineous.json").read_text())
    family = sqlite_world.client.post("/api/v1/families/import", json=doc, headers=h).json()["id"]
    members = {m["label"]: m["id"] for m in
               sqlite_world.client.get(f"/api/v1/families/{family}/members", headers=h).json()}
    pid = members["p"]
    for result in ({"kind": "level", "taken_on": "2024-01-01", "value": 4, "unit": "umol/L",
                    "method": "radial_immunodiffusion"},
                   {"kind": "genotype", "taken_on": "2024-02-01", "text": "Z/Null", "panel": "sz"},
                   {"kind": "spirometry", "taken_on": "2024-03-01", "fev1_l": 1.1, "fvc_l": 2.9}):
        assert sqlite_world.client.post(f"/api/v1/patients/{pid}/results", json=result, headers=h).status_code == 201
    sqlite_world.client.patch(f"/api/v1/patients/{pid}", json={"birth_year": 1970}, headers=h)
    admin = sqlite_world.login("admin@a.org")
    pages = [f"/patients/{pid}", f"/patients/{members['q']}", "/patients", "/families", f"/families/{family}",
             f"/patients/{pid}/risk", f"/patients/{pid}/risk?age=54&height_cm=165&smoking=former&quit_age=40"
             "&scenario=augmentation&scenario=no-dust", f"/families/{family}/letters/{members['q']}",
             "/should-test", "/should-test?findings=copd%2C+bronchiectasis&age=50",
             "/should-test?findings=necrotising_panniculitis&age=16", "/account", "/admin/users",
             "/admin/deleted", "/admin/audit"]
    found = {}
    for url in pages:
        page = admin.get(url)
        assert page.status_code in (200, 422), url
        text = visible_text(page.text)
        slugs = sorted(set(SLUG.findall(text)))
        if slugs or "Author list not retrieved" in text:
            found[url] = [text[max(0, text.index(s) - 80):text.index(s) + 40].replace("\n", " ") for s in slugs]
    assert found == {}
