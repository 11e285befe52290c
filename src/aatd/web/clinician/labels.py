"""Readable words for the engine's codes on clinician pages (``not_indicated`` -> "not indicated").

The codes stay the engine's (the API returns them); pages and documents show these labels.
"""

from __future__ import annotations

import re
from functools import cache

METHOD_LABELS = {"nephelometry": "nephelometry", "immunoturbidimetry": "immunoturbidimetry",
                 "radial_immunodiffusion": "radial immunodiffusion (RID)", "unspecified": "method not stated"}

_LABELS: dict[str, str] = {
    **METHOD_LABELS,
    "not_indicated": "not indicated",
    "not_covered": "not covered at this age",
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
_STATISTICS = {"p5_p95": "5th to 95th percentile", "p2_5_p97_5": "2.5th to 97.5th percentile", "iqr": "IQR",
               "mean_sd": "mean and SD", "range": "range", "median": "median"}
_SLUG = re.compile(r"\b([a-z0-9]+(?:_[a-z0-9]+)+)\b")
_NO_AUTHORS = re.compile(r"\s*Author list not retrieved[.;,]?\s*", re.IGNORECASE)


def readable(code: object) -> str:
    """A code as words: a known label, else the code with underscores as spaces."""
    text = "" if code is None else str(code)
    if text in _LABELS:
        return _LABELS[text]
    return _SLUG.sub(lambda m: _LABELS.get(m.group(1), m.group(1).replace("_", " ")), text)


_NOT_RETRIEVED = "Author list not retrieved"


@cache
def _unnamed() -> dict[str, str]:
    """Short citations of sources whose authors were not retrieved -> the journal and year instead."""
    from aatd.knowledge import knowledge

    return {f"{s.short.split(',')[0]}": f"{s.journal or s.source_id} {s.year}"
            for s in knowledge().sources.values() if s.authors.startswith(_NOT_RETRIEVED)}


def _author_year(source_id: str) -> str | None:
    from aatd.knowledge import knowledge

    source = knowledge().sources.get(source_id)
    if source is None:
        return None
    first = source.short.split(",")[0]
    return _unnamed().get(first, first)


def sourced(text: object) -> str:
    """A core sentence naming source ids (``ats_ers2003 (range)``) with the sources as "Author Year" and
    statistic codes as words (``5th to 95th percentile``)."""
    def word(match: re.Match[str]) -> str:
        code = match.group(0)
        return _author_year(code) or _STATISTICS.get(code) or readable(code)

    return citation(re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\d{4}[a-z0-9_]*\b|\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
                           word, "" if text is None else str(text)))


def citation(text: object) -> str:
    """A citation with the journal and year where the bibliography has no author list (never the
    placeholder "Author list not retrieved")."""
    out = "" if text is None else str(text)
    if _NOT_RETRIEVED.lower() not in out.lower():
        return out
    for placeholder, named in _unnamed().items():
        out = out.replace(placeholder, named)
    return _NO_AUTHORS.sub(" ", out).strip()


def method_choices() -> list[tuple[str, str]]:
    """(code, label) of the assay methods, for select boxes."""
    return list(METHOD_LABELS.items())
