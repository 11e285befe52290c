"""Readable words for the engine's codes on clinician pages (``not_indicated`` -> "not indicated").

The codes stay the engine's (the API returns them); pages and documents show these labels.
"""

from __future__ import annotations

import re

METHOD_LABELS = {"nephelometry": "nephelometry", "immunoturbidimetry": "immunoturbidimetry",
                 "radial_immunodiffusion": "radial immunodiffusion (RID)", "unspecified": "method not stated"}

_LABELS: dict[str, str] = {
    **METHOD_LABELS,
    "not_indicated": "not indicated",
    "sequence_serpina1": "sequence the SERPINA1 gene",
    "umol/L": "µmol/L",
    "index": "own lung disease (index case)",
    "family": "testing of a relative",
    "screened": "screening",
    "unknown": "not known",
    "never": "never smoked",
    "former": "former smoker",
    "current": "current smoker",
}
_SLUG = re.compile(r"\b([a-z0-9]+(?:_[a-z0-9]+)+)\b")
_NO_AUTHORS = re.compile(r"\s*Author list not retrieved[.;,]?\s*", re.IGNORECASE)


def readable(code: object) -> str:
    """A code as words: a known label, else the code with underscores as spaces."""
    text = "" if code is None else str(code)
    if text in _LABELS:
        return _LABELS[text]
    return _SLUG.sub(lambda m: _LABELS.get(m.group(1), m.group(1).replace("_", " ")), text)


def citation(text: object) -> str:
    """A source citation without the placeholder the bibliography uses when authors are missing."""
    return _NO_AUTHORS.sub(" ", "" if text is None else str(text)).strip()


def method_choices() -> list[tuple[str, str]]:
    """(code, label) of the assay methods, for select boxes."""
    return list(METHOD_LABELS.items())
