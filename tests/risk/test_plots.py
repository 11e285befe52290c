"""Trajectory plots: the series behind the figure match the answer; files are real PNG/SVG; bad names refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from aatd.errors import InputError
from aatd.risk.answers import describe_risk
from aatd.risk.plots import plot_data, save_trajectory_plot


@pytest.fixture(scope="module")
def answer() -> dict[str, object]:
    return describe_risk(genotype="ZZ", sex="female", age=45, height_cm=165, smoking="current", pack_years=20,
                         scenarios=["quit@50"], n=300, seed=1)


def test_plot_data__one_series_per_scenario_plus_as_now(answer: dict[str, object]) -> None:
    data = plot_data(answer)
    assert [s["name"] for s in data["series"]] == ["as now", "quit@50"]
    assert data["series"][0]["points"] == answer["fev1_trajectory"]


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml")])
def test_save_trajectory_plot__writes_the_format_of_the_name(answer: dict[str, object], tmp_path: Path,
                                                             suffix: str, magic: bytes) -> None:
    out = save_trajectory_plot(answer, tmp_path / f"fev1{suffix}")
    assert out.read_bytes().startswith(magic)


def test_save_trajectory_plot__other_extensions_refused(answer: dict[str, object], tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        save_trajectory_plot(answer, tmp_path / "fev1.gif")
    assert info.value.field == "plot"
