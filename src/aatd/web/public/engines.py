"""The engine work of the public pages, run in the engine processes (:class:`aatd.web.budget.EnginePool`).

Each function takes and returns plain data (it is pickled between processes) and translates
nothing: the pages word the answers in the request's language in the server process. The same
core functions answer the API and the CLI, so the pages say what they say.
"""

from __future__ import annotations

from typing import Any

from aatd.clinic.interpretation import describe_interpretation
from aatd.family.answers import family_answer
from aatd.family.drawing import pedigree_svg
from aatd.risk.answers import describe_risk


def interpretation(arguments: dict[str, Any]) -> dict[str, Any]:
    """What a result means (:func:`aatd.clinic.interpretation.describe_interpretation`)."""
    return dict(describe_interpretation(**arguments))


def lung_risk(arguments: dict[str, Any]) -> dict[str, Any]:
    """Lung function and outcomes over life (:func:`aatd.risk.answers.describe_risk`)."""
    return dict(describe_risk(**arguments))


def family_tree(document: dict[str, Any], title: str) -> tuple[dict[str, Any], str]:
    """Each relative's chances with the cascade plan (:func:`aatd.family.answers.family_answer`), and
    the family drawn as SVG under ``title``."""
    result, answer = family_answer(document, plan=True)
    return dict(answer), pedigree_svg(result.pedigree, result, title=title)
