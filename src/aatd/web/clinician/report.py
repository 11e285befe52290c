"""The PDF documents (reportlab): the patient report, the family report and the letter to a relative.

The pedigree drawing is the same SVG as on the pages (:func:`aatd.family.drawing.pedigree_svg`),
converted to reportlab graphics with svglib.
"""

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
from aatd.web.clinician.labels import citation, readable, sourced
from aatd.web.clinician.letters import Letter

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
        summary = (f"RETRACTED ({r['retraction_reason']}): {r['summary']}" if r.get("retracted")
                   else r["summary"] + (" (corrected)" if r.get("corrected") else ""))
        rows.append([str(r["taken_on"]), _cell(r.get("kind_label", r["kind"]), cell), _cell(summary, cell),
                     _cell(note, cell)])
    story.append(_table(rows) if len(rows) > 1 else Paragraph(
        "No results recorded yet" + (": see the family's probabilities and testing plan below."
                                     if view.get("family_answer") else "."), styles["Normal"]))
    for number, note in long_notes:
        story += [Paragraph(f"Note {number}", styles["Heading4"]), *_lines(note, cell)]
    summary = view.get("genotype_summary")
    if summary:
        level = summary["expected_level"]
        story += [Paragraph("Genotype", styles["Heading2"]),
                  Paragraph(_escape(f"{summary['genotype']}: severity {readable(summary['severity'])}; expected serum "
                                    f"level {level['um']['low']:g}-{level['um']['high']:g} µmol/L "
                                    f"(median {level['um']['median']:g}; {sourced(level['basis'])})"),
                            styles["Normal"])]
    interpretation = view.get("interpretation")
    if interpretation and interpretation.get("answer"):
        answer = interpretation["answer"]
        story += [Paragraph("Interpretation", styles["Heading2"]),
                  Paragraph(_escape(f"Severity: {readable(answer.get('severity'))}"), styles["Normal"])]
        for line in answer.get("explanation", []):
            text = line.get("text", "") if isinstance(line, dict) else str(line)
            story.append(Paragraph("- " + _escape(sourced(text)), styles["Normal"]))
        for step in answer.get("next_step_details", []):
            story.append(Paragraph("→ " + _escape(step.get("text", "")), styles["Normal"]))
    story += _eligibility(view, styles)
    story += _family_section(view, styles)
    story += _risk_section(view, styles)
    return _build(story, f"aatd report {patient.label}", styles)


def _build(story: list[Any], title: str, styles: Any) -> bytes:
    prov = provenance()
    story += [Spacer(1, 12), Paragraph(_escape(f"aatd {prov['aatd_version']}, data {prov['data_version']}"),
                                       styles["Italic"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, author="aatd").build(story)
    return buffer.getvalue()


def _top(genotypes: dict[str, float], n: int = 3) -> str:
    """The ``n`` most probable genotypes, most probable first."""
    ranked = sorted(genotypes.items(), key=lambda item: -item[1])[:n]
    return ", ".join(f"{g} {_percent(p)}" for g, p in ranked if p >= 0.0005)


def _percent(p: float) -> str:
    return f"{100 * p:.1f}%" if p < 0.995 else f"{100 * p:.2f}%"


def drawing(svg: str | None, max_width: float = 480, max_height: float = 420) -> Any:
    """The pedigree SVG as a reportlab drawing scaled to fit (``None`` without a drawing)."""
    if not svg:
        return None
    from svglib.svglib import svg2rlg

    found = svg2rlg(io.StringIO(svg))
    if found is None:
        return None
    scale = min(1.0, max_width / found.width, max_height / found.height)
    found.scale(scale, scale)
    found.width, found.height = found.width * scale, found.height * scale
    found.hAlign = "LEFT"
    return found


def _eligibility(view: dict[str, Any], styles: Any) -> list[Any]:
    interpretation = view.get("interpretation") or {}
    answer = interpretation.get("answer") or {}
    verdicts = answer.get("eligibility") or []
    if not verdicts:
        return []
    cell = styles["BodyText"]
    rows: list[list[Any]] = [["guideline", "decision", "still needed"]]
    rows += [[_cell(v["name"], cell), _cell(readable(v["decision"]), cell), _cell(_still_needed(v), cell)]
             for v in verdicts]
    table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[150, 110, 250])
    table.setStyle(_GRID)
    fev1 = view.get("fev1")
    basis = (f"FEV1 {fev1['percent']}% of predicted on {fev1['date']} (GLI Global 2022); {fev1['obstruction']}"
             if fev1 else "no FEV1 % predicted on record")
    return [Paragraph("Augmentation eligibility", styles["Heading2"]),
            Paragraph(_escape(f"{basis}; smoking: {readable(view['patient'].smoking or 'not recorded')}."),
                      styles["Normal"]), table]


def _still_needed(verdict: dict[str, Any]) -> str:
    """What a guideline still needs, with its note (e.g. the spirometry is not marked post-bronchodilator)."""
    needed = "; ".join(verdict["missing"]) or "nothing"
    return f"{needed} (note: {verdict['note']})" if verdict["note"] else needed


def _family_section(view: dict[str, Any], styles: Any) -> list[Any]:
    family = view.get("family_answer")
    if not family:
        return []
    story: list[Any] = [Paragraph("Family", styles["Heading2"])]
    member, rank = family.get("member"), family.get("rank")
    if member:
        top = _top(member["genotypes"])
        story.append(Paragraph(_escape(
            f"From the family's results: P(severe genotype) {_percent(member['p_severe'])}, P(carrier) "
            f"{_percent(member['p_carrier'])}; most likely {top}."
            + (f" Rank {rank} in the family's cascade-testing plan." if rank else "")), styles["Normal"]))
    elif family.get("error"):
        story.append(Paragraph(_escape(f"Family probabilities could not be computed: {family['error']}"),
                               styles["Normal"]))
    picture = drawing(family.get("svg"))
    if picture is not None:
        story.append(picture)
    return story


def _risk_section(view: dict[str, Any], styles: Any) -> list[Any]:
    risk = view.get("risk")
    if not risk:
        return []
    story: list[Any] = [Paragraph("Lung and liver risk: scenarios", styles["Heading2"])]
    if risk.get("needs"):
        story.append(Paragraph(_escape("No estimate: the record needs " + "; ".join(risk["needs"]) + "."),
                               styles["Normal"]))
        return story
    if risk.get("error"):
        story.append(Paragraph(_escape(f"No estimate: {risk['error']}"), styles["Normal"]))
        return story
    ages = risk["ages"]
    header = ["scenario"] + [f"{what} by {a}" for a in ages for what in ("COPD", "died")]
    rows: list[list[Any]] = [header]
    cell = styles["BodyText"]
    for row in risk["rows"]:
        values = []
        for a in ages:
            o = row["by_age"].get(a)
            values += [f"{100 * o['copd_lln']:.0f}%", f"{100 * o['death']:.0f}%"] if o else ["-", "-"]
        rows.append([_cell(f"{row['name']}: {row['description']}", cell), *values])
    table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[170] + [57] * (len(header) - 1))
    table.setStyle(_GRID)
    story += [Paragraph(_escape(f"Inputs from the record: {risk['inputs']}. Model estimates for people like "
                                "this patient (aatd risk model; scenarios use the same simulated people)."),
                        styles["Normal"]), table]
    return story


_GRID = TableStyle([("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP")])


def family_report_pdf(context: dict[str, Any]) -> bytes:
    """The family PDF: drawing, every member's genotype probabilities, the cascade plan, children's chances,
    the allele-frequency basis and the sources."""
    styles = getSampleStyleSheet()
    family = context["family"]
    cell = styles["BodyText"]
    story: list[Any] = [
        Paragraph(f"aatd family report: {_escape(_wrappable(family.name))}", styles["Title"]),
        Paragraph(_escape(f"{context.get('organisation', '')} · printed {dt.date.today().isoformat()}"),
                  styles["Normal"]),
        Paragraph(f"<b>{_escape(DISCLAIMER)}</b>", styles["Normal"]), Spacer(1, 8)]
    picture = drawing(context.get("drawing"))
    if picture is not None:
        story += [Paragraph("Pedigree", styles["Heading2"]), picture]
    pedigree = context.get("pedigree") or {}
    report = pedigree.get("report")
    if not report:
        error = pedigree.get("error") or "the family has no members"
        story.append(Paragraph(_escape(f"Genotype probabilities could not be computed: {error}"), styles["Normal"]))
        return _build(story, f"aatd family {family.name}", styles)
    story += [Paragraph("Genotype probabilities", styles["Heading2"]),
              Paragraph(_escape(f"Founders' allele frequencies: {report['frequency_basis']}."), styles["Normal"])]
    rows: list[list[Any]] = [["member", "relationship", "most likely genotypes", "P(severe)", "P(carrier)"]]
    for name, answer in report["members"].items():
        top = _top(answer["genotypes"])
        rows.append([_cell(name, cell), _cell(readable(answer.get("relationship") or "-"), cell), _cell(top, cell),
                     _percent(answer["p_severe"]), _percent(answer["p_carrier"])])
    table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[100, 100, 170, 65, 65])
    table.setStyle(_GRID)
    story.append(table)
    plan = report.get("plan") or []
    if plan:
        rows = [["rank", "member", "why"]]
        rows += [[str(p["rank"]), _cell(p["id"], cell), _cell(p["reason"], cell)] for p in plan]
        table = Table(rows, hAlign="LEFT", repeatRows=1, colWidths=[35, 110, 355])
        table.setStyle(_GRID)
        story += [Paragraph("Cascade-testing plan (whom to test first)", styles["Heading2"]), table]
    children = report.get("prospective_children") or []
    if children:
        story.append(Paragraph("Chances for a child of each couple", styles["Heading2"]))
        for c in children:
            chances = ", ".join(f"{g} {_percent(p)}" for g, p in c["genotypes"].items())
            story.append(Paragraph(_escape(f"{c['father']} and {c['mother']}: {chances}"), styles["Normal"]))
    story += [Paragraph("Sources", styles["Heading2"])]
    story += [Paragraph("- " + _escape(citation(source)), styles["Normal"]) for source in report.get("sources", [])]
    story.append(Paragraph(_escape(str(report.get("note", ""))), styles["Italic"]))
    return _build(story, f"aatd family {family.name}", styles)


def letter_pdf(letter: Letter) -> bytes:
    """The plain-language letter to a relative as a PDF (urgent help first)."""
    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph(_escape(letter.title), styles["Title"]),
                        Paragraph(f"<b>Get help now:</b> {_escape(letter.urgent)}", styles["Normal"]), Spacer(1, 8),
                        Paragraph(_escape(f"Dear {letter.to},"), styles["Normal"])]
    for heading, paragraphs in letter.sections:
        story.append(Paragraph(_escape(heading), styles["Heading2"]))
        story += [Paragraph(_escape(text), styles["Normal"]) for text in paragraphs]
    story += [Spacer(1, 12), Paragraph(_escape(letter.footer), styles["Italic"]),
              Paragraph(_escape(f"printed {dt.date.today().isoformat()}"), styles["Italic"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=letter.title, author="aatd").build(story)
    return buffer.getvalue()
