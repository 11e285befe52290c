"""The error page of the public pages: in the visitor's language, with the site's menu and contact block.

A wrong address, too many answers in a short time or a busy server under ``/public`` must not drop a
patient onto the clinicians' English error page. :func:`aatd.web.errors` calls :func:`public_error_page`
(installed on ``app.state``) for every HTML error under ``/public``; the JSON error shape is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse

from aatd.patients.i18n import gettext_noop
from aatd.web.public.rendering import choose_language, render
from aatd.web.public.rendering import gettext as _

_WORDS = {
    404: (gettext_noop("Page not found"), gettext_noop("There is no page at this address.")),
    413: (gettext_noop("Too large"), gettext_noop("What you sent is too large for this page.")),
    429: (gettext_noop("Please wait a moment"),
          gettext_noop("Many answers were asked for from your connection in a short time. "
                       "Please wait a minute, then try again.")),
    503: (gettext_noop("The site is busy"), gettext_noop("Please wait a moment, then try again.")),
}
_OTHER = (gettext_noop("Something went wrong"),
          gettext_noop("We could not answer this. Please go back and try again."))


def public_error_page(request: Request, status: int, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """The plain error page for ``status`` in the request's language, keeping headers such as Retry-After."""
    choose_language(request)  # the handler may run before any route chose it
    title, message = _WORDS.get(status, _OTHER)
    response = render(request, "error.html", status_code=status, title=_(title), message=_(message))
    response.headers.update(headers or {})
    return response
