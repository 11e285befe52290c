"""Text folding shared by the question search and the crisis check: one notion of "the same words"."""

from __future__ import annotations

import re
import unicodedata

_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def normalise(text: str) -> str:
    """Lower case, accents removed, letters split from digits ("alpha1" -> "alpha 1")."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _LETTER_DIGIT.sub(" ", folded)
