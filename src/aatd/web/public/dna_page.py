"""The "Check my DNA file" page: a consumer raw-data download, read in memory, stored nowhere.

The upload is read from the request body in memory (never spooled to disk), parsed with the
standard library's MIME parser, screened by :func:`aatd.screening.upload.screen_upload` (the
same rule as the CLI and the REST API) and forgotten when the page is sent. Every sentence on
the page depends on what the file covered: a site the file lacks is named as not checked.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from aatd.errors import InputError
from aatd.screening.result import ScreenResult
from aatd.screening.upload import UPLOAD_LIMIT_BYTES, screen_upload
from aatd.web.public.rendering import choose_language, decimal, describe_error, gettext, render

router = APIRouter()

LIMIT_MB = UPLOAD_LIMIT_BYTES / 1_000_000
NAMES = {"Z": "Z", "S": "S", "I": "I"}


async def _body(request: Request) -> bytes:
    """The raw request body, in memory (the app caps its size)."""
    return await request.body() if request.method == "POST" else b""


def upload_from_body(body: bytes, content_type: str) -> tuple[str, bytes]:
    """The file name and bytes of the ``dna_file`` part of a multipart form, parsed in memory."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise InputError("dna_file", content_type or "no form", "a file sent from the form on this page")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "dna_file":
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if not data:
                break
            return str(part.get_filename() or "my-dna-file.txt"), data
    raise InputError("dna_file", "", "a raw DNA file chosen with the button")


@dataclass(slots=True)
class DnaView:
    """What the page says about one file."""

    headline: str
    severity: str
    sentences: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def explain(result: ScreenResult) -> DnaView:
    """Plain sentences about the one person in ``result``, true of what the file covered."""
    genotype = str(result.calls.genotype[0])
    covered = result.covered()
    missing = [s.allele for s in result.cohort.sites if s.allele not in covered]
    not_checked = [gettext("Your file does not include the %(name)s change, so this page could not check it.",
                           name=NAMES.get(a, a)) for a in missing]
    if not covered:
        return DnaView(gettext("Your file does not include the alpha-1 changes this page looks for."), "unknown",
                       [gettext("This does not mean you have or do not have alpha-1. A blood test can tell.")],
                       not_checked)
    if not genotype:
        return DnaView(gettext("Your file has no clear reading for alpha-1."), "unknown",
                       [gettext("The company could not read this part of your DNA. A blood test can tell.")],
                       not_checked)
    severity = str(result.calls.severity[0])
    seen = ", ".join(NAMES.get(a, a) for a in covered)
    sentences = [gettext("We looked for these changes: %(seen)s.", seen=seen)]
    if genotype == "MM":
        headline = gettext("Your file does not show the alpha-1 changes we looked for.")
        sentences.append(gettext("Most people with this result have a usual alpha-1 level."))
        sentences.append(gettext("But a DNA file can miss rare changes. If you have lung or liver trouble, ask for "
                                 "a blood test."))
    else:
        headline = gettext("Your file suggests type %(genotype)s.", genotype=genotype)
        sentences.append(_severity_sentence(severity))
        sentences.append(gettext("Please ask your doctor for a blood test to check this. Your family may want to "
                                 "be tested too."))
    return DnaView(headline, severity, sentences, not_checked,
                   [w for w in result.warnings if "minus strand" in w or "no call" in w])


def _severity_sentence(severity: str) -> str:
    if severity in ("severe", "absent"):
        return gettext("People with this type often have a very low alpha-1 level. Their lungs and liver need more "
                       "care.")
    if severity == "intermediate":
        return gettext("People with this type often have a slightly low alpha-1 level. Not smoking matters a lot "
                       "for them.")
    return gettext("People with this type usually have a normal alpha-1 level.")


def _page(request: Request, view: DnaView | None, errors: dict[str, str], status: int) -> HTMLResponse:
    context: dict[str, Any] = {"view": view, "errors": errors, "limit_mb": decimal(LIMIT_MB, "g")}
    return render(request, "check_my_dna.html", status_code=status, **context)


@router.api_route("/public/check-my-dna", methods=["GET", "POST"], response_class=HTMLResponse)
def check_my_dna(request: Request, body: Annotated[bytes, Depends(_body)]) -> HTMLResponse:
    """The upload form; after an upload, what the file shows and cannot show. Sync: screening
    runs in the thread pool, never on the event loop.

    The language is chosen first: the answer and its errors are worded before the page is rendered (they were
    English on a Spanish page, tenth wave)."""
    choose_language(request)
    if request.method != "POST":
        return _page(request, None, {}, 200)
    try:
        name, data = upload_from_body(body, request.headers.get("content-type", ""))
        result = screen_upload(data, name, allow_vcf=False)
    except InputError as exc:
        return _page(request, None, {"dna_file": describe_error(exc)}, 422)
    return _page(request, explain(result), {}, 200)
