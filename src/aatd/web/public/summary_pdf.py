"""The one-page "Should I be tested?" summary as a PDF (reportlab), built in memory."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Flowable, KeepInFrame, ListFlowable, Paragraph, SimpleDocTemplate, Spacer  # type: ignore[import-untyped]

from aatd.web.public.questionnaire import Answers, reasons
from aatd.web.public.rendering import decimal
from aatd.web.public.rendering import gettext as _

_MARGIN = 16 * mm


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=10, leading=13)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=17, leading=21, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, leading=15, spaceBefore=6, spaceAfter=2),
        "body": body,
        "answer": ParagraphStyle("answer", parent=body, fontSize=12, leading=15, fontName="Helvetica-Bold"),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
    }


def _bullets(items: list[str], style: ParagraphStyle) -> ListFlowable:
    return ListFlowable([Paragraph(escape(i), style) for i in items], bulletType="bullet", leftIndent=12)


def _answers(answers: Answers, statements: Mapping[str, str]) -> list[str]:
    lines = [statements[f] for f in answers.findings] or [_("No statement was ticked.")]
    if answers.age is not None:
        lines.append(_("Age: %(age)s", age=decimal(answers.age, "g")))
    if answers.pack_years is not None:
        lines.append(_("Pack-years of smoking: %(n)s", n=decimal(answers.pack_years, "g")))
    return lines


def _why(result: Mapping[str, Any], styles: dict[str, ParagraphStyle],
         statements: Mapping[str, str]) -> list[Flowable]:
    out: list[Flowable] = []
    for g in result["positive"]:
        criteria = "; ".join(reasons(g["triggered_by"], statements))
        sources = sorted({s for r in g["triggered_by"] for s in r["sources"]} | set(g["guideline_source"]))
        out.append(Paragraph(f"<b>{escape(g['name'])}</b>: {escape(g['plain'])}. "
                             f"{escape(_('Because of:'))} {escape(criteria)}.", styles["body"]))
        out.append(Paragraph(escape(_("Sources: %(s)s", s="; ".join(sources))), styles["small"]))
    others = ", ".join(g["name"] for g in result["others"])
    if others:
        out.append(Paragraph(escape(_("Guidelines that do not call for a test from these answers:")) + " "
                             + escape(others), styles["small"]))
    return out


def _story(answers: Answers, result: Mapping[str, Any], statements: Mapping[str, str]) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [
        Paragraph(escape(_("Should I be tested for AATD? A summary for my doctor")), s["title"]),
        Paragraph(escape(_("Made on %(date)s with aatd. Nothing was stored.", date=dt.date.today().isoformat())),
                  s["small"]),
        Paragraph(escape(_("The answer")), s["h2"]),
        Paragraph(escape(result["headline"]), s["answer"]),
        Paragraph(escape(_("What I told the questionnaire")), s["h2"]),
        _bullets(_answers(answers, statements), s["body"]),
    ]
    if result["positive"]:
        story += [Paragraph(escape(_("Why")), s["h2"]), *_why(result, s, statements)]
    story += [
        Paragraph(escape(_("Questions for my doctor")), s["h2"]),
        _bullets([_("Should I have a blood test for my alpha-1 antitrypsin level and type?"),
                  _("If I have AATD, should my family be tested too?"),
                  _("What can I do to protect my lungs and liver?")], s["body"]),
        Spacer(1, 4 * mm),
        Paragraph(escape(str(result.get("disclaimer", ""))), s["small"]),
    ]
    return story


def testing_summary_pdf(answers: Answers, result: Mapping[str, Any], statements: Mapping[str, str]) -> bytes:
    """The summary as PDF bytes: always one A4 page (the content shrinks to fit if it must)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN, topMargin=_MARGIN,
                            bottomMargin=_MARGIN, title=_("Should I be tested for AATD?"), author="aatd")
    frame = KeepInFrame(doc.width, doc.height - 2, _story(answers, result, statements), mode="shrink")
    doc.build([frame])
    return buffer.getvalue()
