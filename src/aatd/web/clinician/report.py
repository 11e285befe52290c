"""The per-patient PDF report (reportlab)."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import escape
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

from aatd.provenance import provenance

DISCLAIMER = "aatd supports, and does not replace, clinical judgement."


NOTE_IN_TABLE = 200
"""Characters of a note shown inside the results table; a longer note is printed in full under
the table, where reportlab can split it across pages (a table cell cannot be split, so a
400-line note in a cell made the report impossible to lay out)."""

_LONG_WORD = re.compile(r"(\S{60})(?=\S)")


def _escape(text: object) -> str:
    """Plain text as reportlab paragraph markup: ``&``, ``<`` and ``>`` escaped (shown as characters)."""
    return escape(str(text), quote=False)


def _wrappable(text: str) -> str:
    """Break runs of 60 characters without a space (a pasted URL or a held-down key) so lines wrap."""
    return _LONG_WORD.sub("\\1 ", text)


def _cell(text: object, style: Any) -> Paragraph:
    """A table cell that wraps and shows ``<``, ``>`` and ``&`` as themselves."""
    return Paragraph(_escape(_wrappable(str(text))), style)


def _lines(text: str, style: Any) -> list[Paragraph]:
    """A note as one paragraph per line (kept line breaks; each paragraph can split across pages)."""
    return [Paragraph(_escape(_wrappable(line)) or "&nbsp;", style) for line in text.splitlines()]


def _table(rows: list[list[Any]]) -> Table:
    table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[70, 70, 170, 200])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def patient_report_pdf(view: dict[str, Any]) -> bytes:
    """A PDF of the patient's details, results, genotype summary and provenance."""
    styles = getSampleStyleSheet()
    patient = view["patient"]
    story: list[Any] = [
        Paragraph(f"aatd patient report: {_escape(_wrappable(patient.label))}", styles["Title"]),
        Paragraph(_escape(f"{view['organisation']} · family {view['family'].name} · "
                          f"printed {dt.date.today().isoformat()}"), styles["Normal"]),
        Paragraph(f"<b>{_escape(DISCLAIMER)}</b>", styles["Normal"]),
        Spacer(1, 12),
        Paragraph("Results", styles["Heading2"]),
    ]
    cell = styles["BodyText"]
    rows: list[list[Any]] = [["date", "kind", "result", "note"]]
    long_notes: list[tuple[int, str]] = []
    for number, r in enumerate(view["results"], start=1):
        note = str(r["note"] or "")
        if len(note) > NOTE_IN_TABLE or note.count("\n") > 3:
            long_notes.append((number, note))
            note = f"note {number}, printed below the table"
        rows.append([str(r["taken_on"]), str(r["kind"]), _cell(r["summary"], cell), _cell(note, cell)])
    story.append(_table(rows) if len(rows) > 1 else Paragraph("No results recorded.", styles["Normal"]))
    for number, note in long_notes:
        story += [Paragraph(f"Note {number}", styles["Heading4"]), *_lines(note, cell)]
    summary = view.get("genotype_summary")
    if summary:
        level = summary["expected_level"]
        story += [Paragraph("Genotype", styles["Heading2"]),
                  Paragraph(_escape(f"{summary['genotype']}: severity {summary['severity']}; expected serum "
                                    f"level {level['um']['low']:g}-{level['um']['high']:g} µmol/L "
                                    f"(median {level['um']['median']:g}; {level['basis']})"), styles["Normal"])]
    interpretation = view.get("interpretation")
    if interpretation and interpretation.get("answer"):
        answer = interpretation["answer"]
        story += [Paragraph("Interpretation", styles["Heading2"]),
                  Paragraph(_escape(f"Severity: {answer.get('severity')}"), styles["Normal"])]
        for line in answer.get("explanation", []):
            text = line.get("text", "") if isinstance(line, dict) else str(line)
            story.append(Paragraph("• " + _escape(text), styles["Normal"]))
        for step in answer.get("next_step_details", []):
            story.append(Paragraph("→ " + _escape(step.get("text", "")), styles["Normal"]))
    prov = provenance()
    story += [Spacer(1, 12), Paragraph(_escape(f"aatd {prov['aatd_version']}, data {prov['data_version']}"),
                                       styles["Italic"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"aatd report {patient.label}", author="aatd").build(story)
    return buffer.getvalue()
