"""One-page PDFs to take to the doctor, for the result, family and lungs pages (reportlab, in memory).

Every PDF has the same parts: what the person entered, the answer, what it means, a plain
"what to ask" list, the sources, and the note that aatd supports and does not replace the
doctor. The content shrinks to fit one A4 page. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    KeepInFrame,
    ListFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from aatd.web.public.rendering import gettext as _

_MARGIN = 16 * mm


@dataclass(frozen=True, slots=True)
class DoctorSheet:
    """The parts of a one-page sheet; lists of plain sentences."""

    title: str
    entered: list[tuple[str, str]]
    answer: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    footnote: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=16, leading=20, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=6, spaceAfter=2),
        "body": body,
        "answer": ParagraphStyle("answer", parent=body, fontSize=12, leading=15, fontName="Helvetica-Bold"),
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5),
    }


def _bullets(items: list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable([Paragraph(escape(i), style) for i in items], bulletType="bullet", leftIndent=12)


def _story(sheet: DoctorSheet) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [
        Paragraph(escape(sheet.title), s["title"]),
        Paragraph(escape(_("Made on %(date)s with aatd. Nothing was stored.", date=dt.date.today().isoformat())),
                  s["small"]),
        Paragraph(escape(_("What I entered")), s["h2"]),
        _bullets([f"{label}: {value}" for label, value in sheet.entered], s["body"]),
        Paragraph(escape(_("The answer")), s["h2"]),
        Paragraph(escape(sheet.answer), s["answer"]),
    ]
    for heading, lines in sheet.sections:
        if lines:
            story += [Paragraph(escape(heading), s["h2"]), _bullets(lines, s["body"])]
    if sheet.questions:
        story += [Paragraph(escape(_("What to ask my doctor")), s["h2"]), _bullets(sheet.questions, s["body"])]
    if sheet.sources:
        story += [Paragraph(escape(_("Sources")), s["h2"]),
                  Paragraph(escape("; ".join(sheet.sources)), s["small"])]
    story += [Spacer(1, 3 * mm), Paragraph(escape(sheet.footnote or _(
        "aatd supports, and does not replace, the judgement of your doctor.")), s["small"])]
    return story


def sheet_pdf(sheet: DoctorSheet) -> bytes:
    """The sheet as PDF bytes: always one A4 page (the content shrinks to fit if it must)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
                            bottomMargin=_MARGIN, title=sheet.title, author="aatd")
    doc.build([KeepInFrame(doc.width, doc.height - 2, _story(sheet), mode="shrink")])
    return buffer.getvalue()


def pdf_response_headers(name: str) -> dict[str, str]:
    """Headers that make the browser download ``name``.pdf."""
    return {"content-disposition": f'attachment; filename="{name}.pdf"'}
