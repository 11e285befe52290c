"""The packaged life table: complete, monotone survival, cited."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aatd.errors import InputError
from aatd.knowledge import knowledge
from aatd.knowledge.life_tables import MAX_AGE, life_table


def test_life_table__complete_and_closed_at_the_last_age() -> None:
    table = life_table()
    for sex in (0, 1):
        qx = table.qx(sex)
        assert qx.shape == (MAX_AGE + 1,) and qx[-1] == 1.0
        assert np.all((qx >= 0) & (qx <= 1))


def test_life_table__survival_multiplies_and_falls_with_age() -> None:
    table = life_table()
    whole = table.survival(0, 20, 80)
    assert math.isclose(whole, table.survival(0, 20, 50) * table.survival(0, 50, 80))
    assert 0 < table.survival(1, 40, 90) < table.survival(1, 40, 70) < 1
    assert table.survival(0, 30, 30) == 1.0


def test_life_table__women_outlive_men_in_the_packaged_table() -> None:
    table = life_table()
    assert table.survival(0, 20, 80) > table.survival(1, 20, 80)


def test_life_table__ages_out_of_order_are_refused() -> None:
    with pytest.raises(InputError):
        life_table().survival(0, 60, 40)


def test_life_table__every_source_resolves() -> None:
    sources = knowledge().sources
    assert all(s in sources for s in life_table().source.split(";"))
