"""The spoken-language cells of the find-care and crisis-line tables read in the page's language."""

from __future__ import annotations

import pytest

from aatd.patients.crisis import crisis_lines
from aatd.patients.find_care import SPOKEN, default_places, spoken_languages
from aatd.patients.i18n import gettext

CELLS = sorted({p.languages for p in default_places() if p.languages}
               | {line.languages for line in crisis_lines().values() if line.languages})


@pytest.mark.parametrize("cell", CELLS)
def test_spoken_languages__every_part_of_the_shipped_tables_is_translated(cell: str) -> None:
    for part in (p.strip() for p in cell.split(";")):
        assert part in SPOKEN, f"{part!r} of {cell!r}: add it to find_care.SPOKEN and the catalogs"
        assert gettext(part, "es") != part, part


def test_spoken_languages__reads_part_by_part_in_spanish_and_as_written_in_english() -> None:
    assert spoken_languages("English; Spanish (press 2)", "es") == "inglés; español (marque 2)"
    assert spoken_languages("English; Spanish (press 2)", "en") == "English; Spanish (press 2)"
    assert spoken_languages("Klingon;  ", "es") == "Klingon"  # unknown parts are shown as written
