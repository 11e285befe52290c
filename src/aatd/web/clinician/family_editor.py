"""The family page as a pedigree editor: the drawing, the selected member's actions, and the engines' answers.

A click (or Enter) on a person in the drawing selects them; the page then offers the editor's
changes for that person (:mod:`aatd.web.workspace.relatives`). Every change is a form post,
so the page works without JavaScript; with htmx only the workspace part of the page is swapped
and the page does not scroll away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape, unescape
from typing import Any

from aatd.family.drawing import WORDS, legend_entries
from aatd.genetics.prevalence import countries_with_full_distribution
from aatd.web.clinician import answers
from aatd.web.db import before_slow_work
from aatd.web.models import ADOPTION, Family, Patient
from aatd.web.workspace.family_json import export_family, member_evidence
from aatd.web.workspace.relatives import EDITOR_ADDS, RELATIONS, last_edits, orphaned_by
from aatd.web.workspace.repository import Workspace

_LINKS = (("mz_twin", "mz_twin_id"), ("dz_twin", "dz_twin_id"), ("partner", "partner_id"))
_SYMBOL = re.compile(r'<g class="member" [^>]*?data-key="(\d+)"[^>]*?data-status="(\w+)" data-number="([^"]*)"')
_MEMBER_TAG = re.compile(r'<g class="member" ([^>]*?)data-member="([^"]*)"')
STATUS_WORDS = {"affected": "severe genotype (affected)", "carrier": "carrier of a deficiency allele",
                "unaffected": "no deficiency allele found", "unknown": "not known (not tested)"}


def editor_document(ws: Workspace, family: Family) -> dict[str, Any]:
    """The family export with the editor's links (twins, partners, adoption) between living members."""
    doc = export_family(ws, family)
    by_id = {m.id: m for m in ws.members(family)}
    for row in doc["members"]:
        patient = by_id.get(int(row["id"]))
        if patient is None:
            continue
        for key, field in _LINKS:
            target = getattr(patient, field)
            if target in by_id:
                row.setdefault(key, str(target))
        if patient.adopted in ADOPTION:
            row.setdefault("adopted", patient.adopted)
    return doc


def selectable(svg: str, keys: Mapping[str, str]) -> str:
    """The drawing with each person focusable (``tabindex``, ``role="button"``) and their record key in ``data-key``.

    ``keys`` maps the drawing's member ids (display names) to patient ids; the drawing's text is
    already escaped, and the keys are escaped again here."""
    def add(match: re.Match[str]) -> str:
        key = keys.get(unescape(match.group(2)))
        extra = f'tabindex="0" role="button" data-key="{escape(key)}" ' if key is not None else ""
        return f'<g class="member" {extra}{match.group(1)}data-member="{match.group(2)}"'

    return _MEMBER_TAG.sub(add, svg)


def family_editor_view(ws: Workspace, family: Family, selected_id: int | None = None,
                       mode: str = "actions") -> dict[str, Any]:
    """Members with relations and latest evidence, the drawing, the selected member's actions, the answers."""
    members = ws.members(family)
    by_id = {m.id: m for m in members}
    doc = editor_document(ws, family)
    evidence = {int(row["id"]): row for row in doc["members"]}
    rows = [{"patient": m, "father": by_id.get(m.father_id or 0), "mother": by_id.get(m.mother_id or 0),
             "partner": by_id.get(m.partner_id or 0), "evidence": member_evidence(evidence[m.id])} for m in members]
    selected: Patient | None = by_id.get(selected_id or 0) or next((m for m in members if m.proband), None)
    if selected is None and members:
        selected = members[0]
    edits = last_edits(ws, family.id, 1)
    context: dict[str, Any] = {
        "family": family, "members": rows, "relations": RELATIONS, "pedigree": None, "drawing": None,
        "drawing_error": None, "selected": selected, "mode": mode, "adds": EDITOR_ADDS, "adoption": ADOPTION,
        "last_edit": edits[0] if edits else None, "symbols": {}, "status_words": STATUS_WORDS,
        "orphans": orphaned_by(ws, selected.id) if selected is not None and mode == "delete" else [],
        "genotype": evidence[selected.id].get("genotype") if selected is not None else None,
    }
    if members:
        before_slow_work(ws.db)
        found = answers.family_answers(doc, family.name)
        names = answers.member_names(doc)
        svg = selectable(found.page_svg, {name: key for key, name in names.items()}) if found.page_svg else None
        context["drawing"] = svg
        context["legend"] = legend_entries()
        context["drawing_note"] = WORDS["footnote_labels"]  # as text, which wraps: in the drawing a phone cut it off
        context["drawing_error"] = None if found.svg else found.error
        context["symbols"] = {int(key): {"status": status, "number": number}
                              for key, status, number in _SYMBOL.findall(svg or "")}
        context["pedigree"] = {"report": found.report, "error": found.error, "country": found.country,
                               "names": {int(k): v for k, v in names.items()}}
        context["countries"] = countries_with_full_distribution()  # family priors need S and Z
    return context
