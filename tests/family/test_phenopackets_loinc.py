"""The Phenopackets export writes LOINC 1825-9 for the AAT level; 6768-6 (alkaline phosphatase) is read only
from families older aatd wrote, in an AAT unit, with a warning."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest

from aatd.family.pedigree import (
    LEGACY_LOINC_AAT,
    LOINC_AAT,
    pedigree_from_json,
    pedigree_from_phenopackets,
    pedigree_to_phenopackets,
)
from aatd.genetics.units import Level
from aatd.interop.codes import fhir_codes

FAMILY = {"members": [
    {"id": "mother", "sex": "female", "genotype": "MZ", "level": {"value": 95, "unit": "mg/dL", "crp": 2}},
    {"id": "child", "sex": "male", "mother": "mother", "proband": True},
]}


def exported() -> dict[str, Any]:
    return pedigree_to_phenopackets(pedigree_from_json(FAMILY), family_id="fam")


def with_code(doc: dict[str, Any], code: str, *, unit: str = "mg/dL", created_by: str | None = "aatd"
              ) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for packet in [doc["proband"], *doc["relatives"]]:
        for m in packet.get("measurements", []):
            if m["assay"]["id"] == LOINC_AAT:
                m["assay"]["id"] = code
                m["value"]["quantity"]["unit"] = {"id": f"UCUM:{unit}", "label": unit}
    if created_by is None:
        doc["metaData"].pop("createdBy")
    else:
        doc["metaData"]["createdBy"] = created_by
    return doc


def level_of(doc: dict[str, Any], member: str) -> Level | None:
    m = next(x for x in pedigree_from_phenopackets(doc).members if x.id == member)
    return m.level.level if m.level else None


def test_constants_match_the_cited_code_table() -> None:
    codes = fhir_codes()
    assert LOINC_AAT == f"LOINC:{codes['aat_level'].code}" == "LOINC:1825-9"
    assert f"LOINC:{codes['alkaline_phosphatase'].code}" == LEGACY_LOINC_AAT


def test_export_writes_1825_9_and_never_alkaline_phosphatase() -> None:
    text = json.dumps(exported())
    assert "LOINC:1825-9" in text and "6768-6" not in text
    assert level_of(exported(), "mother") == Level.parse(95, "mg/dL")


def test_family_written_by_old_aatd_is_read_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="aatd.family.pedigree"):
        level = level_of(with_code(exported(), LEGACY_LOINC_AAT), "mother")
    assert level == Level.parse(95, "mg/dL")
    assert "6768-6" in caplog.text and "mother" in caplog.text


def test_alkaline_phosphatase_from_another_tool_is_not_an_aat_level() -> None:
    assert level_of(with_code(exported(), LEGACY_LOINC_AAT, created_by="other-tool"), "mother") is None
    assert level_of(with_code(exported(), LEGACY_LOINC_AAT, created_by=None), "mother") is None


def test_alkaline_phosphatase_in_u_per_l_is_never_an_aat_level() -> None:
    assert level_of(with_code(exported(), LEGACY_LOINC_AAT, unit="U/L"), "mother") is None
