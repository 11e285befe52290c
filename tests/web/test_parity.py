"""The API, the CLI and the Python library give the same answer on the shared fixtures (tests/data/parity)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.clinic.interpretation import describe_interpretation
from aatd.clinic.who_to_test import describe_should_test
from aatd.errors import InputError
from aatd.family.answers import pedigree_report
from aatd.genetics import answers as summaries
from aatd.risk.answers import describe_risk
from aatd.web.api.risk import RISK_SIMULATIONS
from web.conftest import World

POSTED_ENGINES = {"interpret", "should-test", "risk", "pedigree"}
FIXTURES = sorted((Path(__file__).parents[1] / "data" / "parity").glob("*.json"))


def _library(engine: str, given: dict[str, Any]) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "pedigree": lambda: pedigree_report(given),
        "interpret": lambda: describe_interpretation(**given),
        "should-test": lambda: describe_should_test(
            given["findings"], age=given.get("age"), pack_years=given.get("pack_years")),
        "risk": lambda: describe_risk(**given, n=RISK_SIMULATIONS, seed=0),
        "genotype": lambda: summaries.describe_genotype(given["genotype"]),
        "inherit": lambda: summaries.describe_inheritance(given["parent1"], given["parent2"]),
        "prevalence": lambda: summaries.describe_prevalence(country_name=given.get("country"), s=given.get("s"),
                                                            z=given.get("z"), population=given.get("population")),
    }
    return calls[engine]()


def _cli_args(engine: str, given: dict[str, Any], case: dict[str, Any], tmp: Path) -> list[str]:
    if "cli_file" in case:
        path = tmp / "input.json"
        path.write_text(json.dumps(given), encoding="utf-8")
        return [str(path) if arg == "{file}" else arg for arg in case["cli_file"]]
    if "cli" in case:
        return list(case["cli"])
    if engine == "genotype":
        return ["genotype", given["genotype"], "--json"]
    if engine == "inherit":
        return ["inherit", given["parent1"], given["parent2"], "--json"]
    options = [x for key in ("country", "s", "z", "population") if key in given
               for x in (f"--{key}", str(given[key]))]
    return ["prevalence", *options, "--json"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_parity__api_cli_and_library_agree(fixture: Path, sqlite_world: World, tmp_path: Path) -> None:
    case = json.loads(fixture.read_text(encoding="utf-8"))
    engine, given = case["engine"], case["input"]
    if engine in POSTED_ENGINES:
        api = sqlite_world.client.post(f"/api/v1/{engine}", json=given)
    else:
        api = sqlite_world.client.get(f"/api/v1/{engine}", params=given)
    cli = CliRunner().invoke(cli_app, _cli_args(engine, given, case, tmp_path))
    if "error_field" in case:
        with pytest.raises(InputError) as info:
            _library(engine, given)
        assert info.value.field == case["error_field"]
        assert api.status_code == 422 and api.json()["errors"][0] == info.value.as_dict()
        assert cli.exit_code != 0
        return
    library = json.loads(json.dumps(_library(engine, given)))
    assert cli.exit_code == 0, cli.output
    assert api.status_code == 200
    assert api.json() == library == json.loads(cli.stdout)
