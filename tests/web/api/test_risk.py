"""POST /api/v1/risk by country: the field reaches the core, the answer names the table, and a country without
a table is a 422 in the one error shape naming the field."""

from __future__ import annotations

from aatd.risk.answers import describe_risk
from aatd.web.api.risk import RISK_SIMULATIONS
from web.conftest import World

PERSON = {"genotype": "ZZ", "sex": "female", "age": 45, "height_cm": 165}


def test_risk_api__country_chooses_the_life_table_as_the_core_does(sqlite_world: World) -> None:
    response = sqlite_world.client.post("/api/v1/risk", json=PERSON | {"country": "sweden"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["life_table"]["country"] == "Sweden" and body["life_table"]["source"] == "lifetables_wpp2019"
    core = describe_risk(**PERSON, country="Sweden", n=RISK_SIMULATIONS, seed=0)
    assert body["outcomes"] == core["outcomes"]
    default = sqlite_world.client.post("/api/v1/risk", json=PERSON).json()
    assert default["life_table"]["country"] == "USA"


def test_risk_api__a_country_without_a_table_is_a_422_naming_the_field(sqlite_world: World) -> None:
    response = sqlite_world.client.post("/api/v1/risk", json=PERSON | {"country": "Atlantis"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "country" and error["value"] == "Atlantis" and "Sweden" in error["expected"]
