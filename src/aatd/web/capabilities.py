"""Which optional engines this build has: a capability's routes and pages appear only when present.

Engines are developed separately (pedigree, interpretation, testing, progression). Each
capability names the modules and functions it needs; :func:`available` imports them once.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

log = logging.getLogger("aatd.web")


@dataclass(frozen=True, slots=True)
class Capability:
    """An optional engine: its name in URLs, a title, and the ``module:function`` names it needs."""

    name: str
    title: str
    needs: tuple[str, ...]


CAPABILITIES = (
    Capability("pedigree", "Family probabilities and cascade plan",
               ("aatd.cascade:pedigree_report", "aatd.cascade:report_from_text", "aatd.pedigree_svg:pedigree_svg")),
    Capability("pedigree-drawing", "Pedigree drawing", ("aatd.pedigree:pedigree_from_json",
                                                        "aatd.pedigree_svg:pedigree_svg")),
    Capability("interpret", "Result interpretation", ("aatd.interpretation:describe_interpretation",
                                                      "aatd.guideline_tables:guideline_tables")),
    Capability("should-test", "Who to test", ("aatd.testing:describe_should_test",)),
    Capability("risk", "Lung and liver risk", ("aatd.progression:describe_risk", "aatd.risk_plots")),
)


def _present(need: str) -> bool:
    module_name, _, attribute = need.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        log.info("capability module %s not available: %s", module_name, exc)
        return False
    return not attribute or callable(getattr(module, attribute, None))


@cache
def available() -> frozenset[str]:
    """Names of the capabilities whose engines import cleanly."""
    return frozenset(c.name for c in CAPABILITIES if all(_present(n) for n in c.needs))


def has(name: str) -> bool:
    """Whether capability ``name`` is available."""
    return name in available()


def engine_function(need: str) -> Callable[..., dict[str, Any]]:
    """The engine function ``module:function`` of an available capability."""
    module_name, _, attribute = need.partition(":")
    function: Callable[..., dict[str, Any]] = getattr(importlib.import_module(module_name), attribute)
    return function


def engine_callable(need: str) -> Callable[..., Any]:
    """Any callable ``module:function`` of an available capability (answer type left to the caller)."""
    module_name, _, attribute = need.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return function
