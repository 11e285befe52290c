"""Which engines this build has: a public page (or part of one) appears only when its engine imports.

Engines are built separately; each is named by ``module:function``. :func:`engine` imports it
once and returns the function, or ``None`` when the module is missing or broken.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from functools import cache
from typing import Any

log = logging.getLogger("aatd.web.public")

ENGINES: dict[str, tuple[str, ...]] = {
    "learn": ("aatd.learn:list_pages",),
    "testing": ("aatd.testing:describe_should_test",),
    "interpretation": ("aatd.interpretation:describe_interpretation",),
    "punnett": ("aatd.punnett:describe_family_chances",),
    "pedigree": ("aatd.pedigree:pedigree_report", "aatd.cascade:pedigree_report"),
    "progression": ("aatd.progression:describe_risk",),
    "questions": ("aatd.questions:search_questions",),
}
"""Engine name -> the ``module:function`` places it may live, first found wins."""


def _load(place: str) -> Callable[..., Any] | None:
    module_name, _, attribute = place.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an engine still in progress must not take the public pages down
        log.info("public engine %s not available: %s", module_name, exc)
        return None
    function = getattr(module, attribute, None)
    return function if callable(function) else None


@cache
def engine(name: str) -> Callable[..., Any] | None:
    """The function of engine ``name``, or ``None`` when it is not available in this build."""
    return next((f for f in map(_load, ENGINES[name]) if f is not None), None)


def has(name: str) -> bool:
    """Whether engine ``name`` is available."""
    return engine(name) is not None


def available() -> frozenset[str]:
    """Names of the available engines."""
    return frozenset(name for name in ENGINES if has(name))
