"""Every place of the allele table has its UN M49 code, and the life tables were copied for that code."""

from __future__ import annotations

import csv
import re

from aatd.knowledge import data_directory, knowledge
from aatd.knowledge.places import place_codes


def test_places__one_unique_code_per_allele_table_place() -> None:
    codes = place_codes()
    assert set(codes) == {c.country for c in knowledge().countries.values()}
    assert len(set(codes.values())) == len(codes)
    assert codes["Spain"] == "724" and codes["USA"] == "840" and codes["Hong Kong"] == "344"


def test_places__the_un_life_table_of_each_place_is_the_one_for_its_code() -> None:
    """The age-0 row of each UN table names the UN location it was copied from."""
    with (data_directory() / "life_tables_abridged.csv").open(encoding="utf-8") as handle:
        copied = {row["country"]: re.match(r"UN location (\d+)", row["notes"])
                  for row in csv.DictReader(handle) if row["age"] == "0"}
    codes = place_codes()
    assert copied and all(match is not None for match in copied.values())
    assert {name: int(match.group(1)) for name, match in copied.items() if match} == {
        name: int(code) for name, code in codes.items() if name != "USA"}


def test_place_name__spanish_for_every_place_english_is_the_key() -> None:
    from aatd.knowledge.places import place_name

    for name in place_codes():
        assert place_name(name) == name
        assert place_name(name, "es")
    assert place_name("Spain", "es") == "España" and place_name("USA", "es") == "Estados Unidos"
    assert place_name("Narnia", "es") == "Narnia"
