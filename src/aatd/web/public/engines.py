"""The engine work of the public pages, run in the engine processes (:class:`aatd.web.budget.EnginePool`).

Each function takes and returns plain data (it is pickled between processes) and translates
nothing: the pages word the answers in the request's language in the server process. The same
core functions answer the API and the CLI, so the pages say what they say.
"""

from __future__ import annotations

from typing import Any

from aatd.clinic.interpretation import describe_interpretation
from aatd.family.answers import family_answer
from aatd.family.drawing import legend_keys, pedigree_drawings
from aatd.risk.answers import describe_risk


def interpretation(arguments: dict[str, Any]) -> dict[str, Any]:
    """What a result means (:func:`aatd.clinic.interpretation.describe_interpretation`)."""
    return dict(describe_interpretation(**arguments))


def lung_risk(arguments: dict[str, Any]) -> dict[str, Any]:
    """Lung function and outcomes over life (:func:`aatd.risk.answers.describe_risk`)."""
    return dict(describe_risk(**arguments))


def family_tree(document: dict[str, Any], title: str, words: dict[str, str]) -> tuple[dict[str, Any], str, list[str]]:
    """Each relative's chances with the cascade plan (:func:`aatd.family.answers.family_answer`), the family
    drawn as SVG under ``title`` without its legend and footnotes, as wide as the family, in the page's ``words``
    (:func:`aatd.family.drawing.pedigree_drawings`), and the keys of the legend entries it needs
    (:func:`aatd.family.drawing.legend_keys`), which the page lists as text under the drawing."""
    result, answer = family_answer(document, plan=True)
    page_svg = pedigree_drawings(result.pedigree, result, title=title, words=words, page_footnotes=False,
                                 page_min_width=0)[1]
    return dict(answer), page_svg, legend_keys(result.pedigree, result)
