"""Provenance attached to every result: software and knowledge-table versions, and the run's parameters."""

from __future__ import annotations

from typing import NotRequired, cast

from typing_extensions import TypedDict

from aatd._version import __version__
from aatd.knowledge import data_version


class Provenance(TypedDict):
    """Where a result came from: aatd and knowledge-table versions, plus the parameters of the run."""

    aatd_version: str
    data_version: str
    frequency_basis: NotRequired[str]
    seed: NotRequired[int]
    n: NotRequired[int]
    engine: NotRequired[str]
    model: NotRequired[str]
    parent1: NotRequired[str]
    parent2: NotRequired[str]


# Other run parameters (files read, readers...) pass through the API untouched.
Provenance.__pydantic_config__ = {"extra": "allow"}  # type: ignore[attr-defined]


def software_version() -> str:
    """The aatd release (read from the package, without the cost of importlib.metadata)."""
    return __version__


def provenance(*, frequency_basis: str | None = None, seed: int | None = None, n: int | None = None,
               engine: str | None = None, model: str | None = None, parent1: str | None = None,
               parent2: str | None = None, **other: object) -> Provenance:
    """The ``provenance`` of a result: versions, plus whichever run parameters are given.

    ``other`` carries further run parameters (JSON-ready values), kept as they are.
    """
    out = cast(Provenance, {"aatd_version": software_version(), "data_version": data_version(), **other})
    if frequency_basis is not None:
        out["frequency_basis"] = frequency_basis
    if seed is not None:
        out["seed"] = seed
    if n is not None:
        out["n"] = n
    if engine is not None:
        out["engine"] = engine
    if model is not None:
        out["model"] = model
    if parent1 is not None:
        out["parent1"] = parent1
    if parent2 is not None:
        out["parent2"] = parent2
    return out
