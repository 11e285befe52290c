"""The junction-tree kernel against brute-force enumeration: every elimination heuristic, and conditioning."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.family._junction_tree import (
    HEURISTICS,
    ImpossibleEvidence,
    best_plan,
    calibrate,
    compile_tree,
    duration_text,
    greedy_order,
    infer_marginals,
    plan_inference,
)


def brute_force(cards: list[int], scopes: list[tuple[int, ...]],
                tables: list[np.ndarray]) -> tuple[list[np.ndarray], float]:
    """Marginals and log Z from the full joint table (product of every factor over every assignment)."""
    n = len(cards)
    joint = np.ones(cards)
    for scope, table in zip(scopes, tables, strict=True):
        shape = [1] * n
        for u, c in zip(scope, table.shape, strict=True):
            shape[u] = c
        perm = sorted(range(len(scope)), key=scope.__getitem__)
        joint = joint * table.transpose(perm).reshape(shape)
    z = float(joint.sum())
    return [joint.sum(axis=tuple(i for i in range(n) if i != u)) / z for u in range(n)], math.log(z)


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, ...]], list[np.ndarray]]:
    """Pedigree-shaped networks: each variable has its own factor, alone or with two earlier variables."""
    n = draw(st.integers(2, 8))
    cards = [draw(st.integers(1, 4)) for _ in range(n)]
    scopes: list[tuple[int, ...]] = []
    for v in range(n):
        if v >= 2 and draw(st.booleans()):
            a, b = draw(st.lists(st.integers(0, v - 1), min_size=2, max_size=2, unique=True))
            scopes.append((v, a, b))
        else:
            scopes.append((v,))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    tables = [rng.random([cards[u] for u in s]) + 0.01 for s in scopes]
    return cards, scopes, tables


@settings(max_examples=60, deadline=None)
@given(networks())
def test_every_heuristic_gives_a_valid_junction_tree(net: tuple[list[int], list[tuple[int, ...]],
                                                               list[np.ndarray]]) -> None:
    cards, scopes, tables = net
    expected, log_z = brute_force(cards, scopes, tables)
    for heuristic in HEURISTICS:
        plan = best_plan(len(cards), scopes, cards, heuristics=(heuristic,))
        got, got_log_z = calibrate(compile_tree(cards, scopes, plan), [t[None, ...] for t in tables])
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        assert got_log_z == pytest.approx(log_z, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(networks(), st.sampled_from([8, 40, 200]))
def test_conditioning_matches_brute_force_at_any_budget(net: tuple[list[int], list[tuple[int, ...]],
                                                                   list[np.ndarray]], budget: int) -> None:
    cards, scopes, tables = net
    expected, log_z = brute_force(cards, scopes, tables)
    # no time limit: the refusal projects wall-clock time, which a loaded machine can stretch past any bound
    got, got_log_z, cond = infer_marginals(cards, scopes, tables, budget_bytes=budget, time_limit=math.inf)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert got_log_z == pytest.approx(log_z, abs=1e-9)
    assert cond.tree.plan.peak_bytes <= budget or len(cond.kept) == 0


def test_the_cheapest_plan_is_kept() -> None:
    # a 4-cycle with one variable of many states: min-weight avoids putting it in the big clique
    cards = [2, 2, 2, 50]
    scopes = [(0, 1), (1, 2), (2, 3), (3, 0)]
    totals = {}
    for heuristic in HEURISTICS:
        _order, cliques = greedy_order(4, scopes, cards, heuristic)
        totals[heuristic] = sum(math.prod(cards[u] for u in c) for c in cliques)
    assert best_plan(4, scopes, cards).total_entries == min(totals.values())


def test_a_cutset_brings_one_pass_within_budget() -> None:
    # a ring of 12 variables with 6 states: one pass needs 6^3 per clique; a tiny budget forces conditioning
    cards = [6] * 12
    scopes = [(i, (i + 1) % 12) for i in range(12)]
    cond = plan_inference(cards, scopes, budget_bytes=8 * 6 * 6 * 4)
    assert cond.cutset and cond.tree.plan.peak_bytes <= 8 * 6 * 6 * 4


def test_impossible_evidence_is_reported() -> None:
    with pytest.raises(ImpossibleEvidence):
        infer_marginals([2, 2], [(0,), (1, 0)], [np.array([1.0, 0.0]), np.array([[0.0, 1.0], [0.0, 1.0]])],
                        budget_bytes=1 << 20, time_limit=10)


@pytest.mark.parametrize(("seconds", "text"), [(0.01, "0.1 seconds"), (3.2, "3.2 seconds"), (45, "45 seconds"),
                                               (600, "10 minutes"), (320, "5.3 minutes"),
                                               (3 * 86400, "3.0 days"),
                                               (5e9, "158 years")])
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
