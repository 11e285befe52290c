"""Provenance attached to every result: software and knowledge-table versions."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from aatd.knowledge import data_version


def software_version() -> str:
    """The installed aatd version."""
    try:
        return version("aatd")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


def provenance(**parameters: object) -> dict[str, object]:
    """``{"aatd_version", "data_version", **parameters}`` for a result's ``provenance`` key."""
    return {"aatd_version": software_version(), "data_version": data_version(), **parameters}
