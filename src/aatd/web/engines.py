"""Calls into the optional engines (present only when their capability is available)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aatd.errors import InputError
from aatd.web.capabilities import engine_function
from aatd.web.models import Result


def pedigree_for(doc: dict[str, Any]) -> dict[str, Any]:
    """The pedigree engine's report on a family document, or the input error it raised."""
    pedigree_report = engine_function("aatd.pedigree:pedigree_report")
    engine_doc = {"members": [{k: v for k, v in m.items() if k in ("id", "sex", "father", "mother", "genotype",
                                                                    "phenotype", "level")}
                              for m in doc["members"]]}
    try:
        return {"report": pedigree_report(engine_doc), "error": None}
    except InputError as exc:
        return {"report": None, "error": str(exc)}


def interpretation_for(results: Sequence[Result]) -> dict[str, Any] | None:
    """The interpretation engine's reading of the latest genotype/phenotype, level and CRP."""
    describe_interpretation = engine_function("aatd.interpretation:describe_interpretation")
    inputs: dict[str, Any] = {}
    for r in results:
        if r.kind in ("genotype", "phenotype") and r.text:
            inputs[r.kind] = r.text
        elif r.kind == "level" and r.value is not None:
            inputs["level"] = f"<{r.value:g}" if r.below else r.value
            inputs["unit"] = r.unit
            inputs["method"] = r.method
        elif r.kind == "crp" and r.value is not None:
            inputs["crp"] = r.value
    if not inputs:
        return None
    try:
        return {"answer": describe_interpretation(**inputs), "error": None}
    except (InputError, TypeError) as exc:
        return {"answer": None, "error": str(exc)}
