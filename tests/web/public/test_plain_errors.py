"""The public pages word the core's errors plainly, in the page's language; each pattern matches what the core
really says (so a change of wording in the core shows up here, not as English on a Spanish page)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from aatd.errors import InputError
from aatd.genetics.genotypes import parse_genotype
from aatd.genetics.prevalence import country
from aatd.genetics.units import Crp, Level
from aatd.knowledge.life_tables import life_table
from aatd.limits import check_text
from aatd.risk.answers import build_profile
from aatd.web.public.rendering import PLAIN_EXPECTED, plain_expected

PERSON = {"genotype": "ZZ", "sex": "male", "age": 50.0, "height_cm": 178.0}

CORE_ERRORS: list[tuple[str, Callable[[], object]]] = [
    ("a type such as MZ, SZ or ZZ (one letter from each parent)", lambda: parse_genotype("ZQ")),
    ("at most 100 characters (you entered 300)", lambda: check_text("genotype", "x" * 300, 100)),
    ("a number, or < and a number if the report says the level was too low to measure",
     lambda: Level.parse("abc")),
    ("how much you smoked: pack-years, or cigarettes a day",
     lambda: build_profile(**PERSON, smoking="current")),  # type: ignore[arg-type]
    ("pack-years that fit the years you smoked (150 pack-years from age 18 to 50 would be 94 cigarettes a day), "
     "or the age you started smoking",
     lambda: build_profile(**PERSON, smoking="current", pack_years=150)),  # type: ignore[arg-type]
    ("pack-years that fit the cigarettes a day you smoked",
     lambda: build_profile(**PERSON, smoking="current", pack_years=100, cigarettes_per_day=1)),  # type: ignore[arg-type]
    ("the age you stopped smoking", lambda: build_profile(**PERSON, smoking="former", pack_years=10)),  # type: ignore[arg-type]
    ("female or male", lambda: build_profile(genotype="ZZ", sex="x", age=50, height_cm=178)),
    ("never smoked, smoked before, or smoke now", lambda: build_profile(**PERSON, smoking="x")),  # type: ignore[arg-type]
    ("a country from the list", lambda: country("Narnia")),
    ("a country from the list", lambda: life_table("Narnia")),
    ("a CRP of zero or more, in mg/dL", lambda: Crp.parse("-1", "mg/dL")),
    ("a CRP of zero or more, in mg/L", lambda: Crp.parse("lots")),
    ("mg/L or mg/dL, the unit on your report", lambda: Crp.parse(1.2, "mmol/L")),
    ("a CRP number, or < and a number no higher than 0.5 mg/dL", lambda: Crp.parse("<1", "mg/dL")),
]


@pytest.mark.parametrize(("plain", "call"), CORE_ERRORS)
def test_each_pattern__matches_what_the_core_says(plain: str, call: Callable[[], object]) -> None:
    with pytest.raises(InputError) as caught:
        call()
    assert plain_expected(caught.value.expected) == plain


def test_every_pattern__is_exercised_by_a_core_error() -> None:
    exercised = set()
    for _, call in CORE_ERRORS:
        try:
            call()
        except InputError as exc:
            exercised |= {i for i, (p, _) in enumerate(PLAIN_EXPECTED) if p.fullmatch(exc.expected)}
    unused = [PLAIN_EXPECTED[i][1] for i in range(len(PLAIN_EXPECTED)) if i not in exercised]
    assert unused == []


def test_spanish_page__a_mistyped_type_is_explained_in_spanish(client: TestClient) -> None:
    page = client.post("/public/my-lungs?lang=es", data={
        "submitted": "1", "genotype": "ZQ", "sex": "male", "age": "40", "height_cm": "178", "smoking": "never",
        "country": "Spain"})
    assert page.status_code == 422
    assert "No pudimos usar &#39;ZQ&#39;. Escriba un tipo como MZ, SZ o ZZ (una letra de cada padre)." in page.text
    assert "known alleles" not in page.text


def test_english_page__plain_words_not_allele_names(client: TestClient) -> None:
    page = client.post("/public/our-family", data={"punnett": "1", "p1": "ZQ", "p2": "MZ"})
    assert page.status_code == 422
    assert "Please enter a type such as MZ, SZ or ZZ (one letter from each parent)." in page.text
