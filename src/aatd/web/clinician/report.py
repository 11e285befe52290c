"""The per-patient PDF report (reportlab)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle  # type: ignore[import-untyped]

from aatd.provenance import provenance

DISCLAIMER = "aatd supports, and does not replace, clinical judgement."


def _escape(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: list[list[str]]) -> Table:
    table = Table(rows, hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def patient_report_pdf(view: dict[str, Any]) -> bytes:
    """A PDF of the patient's details, results, genotype summary and provenance."""
    styles = getSampleStyleSheet()
    patient = view["patient"]
    story: list[Any] = [
        Paragraph(f"aatd patient report: {_escape(patient.label)}", styles["Title"]),
        Paragraph(_escape(f"{view['organisation']} · family {view['family'].name} · "
                          f"printed {dt.date.today().isoformat()}"), styles["Normal"]),
        Paragraph(f"<b>{_escape(DISCLAIMER)}</b>", styles["Normal"]),
        Spacer(1, 12),
        Paragraph("Results", styles["Heading2"]),
    ]
    rows = [["date", "kind", "result", "note"]]
    rows += [[r["taken_on"], r["kind"], _escape(r["summary"]), _escape(r["note"])] for r in view["results"]]
    story.append(_table(rows) if len(rows) > 1 else Paragraph("No results recorded.", styles["Normal"]))
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
