"""The junction-tree kernel against brute-force enumeration: every elimination heuristic, and conditioning."""

from __future__ import annotations

import heapq
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


def _reference_greedy_order(n_vars: int, scopes: list[tuple[int, ...]], cards: list[int],
                            heuristic: str) -> tuple[list[int], list[tuple[int, ...]]]:
    """greedy_order as it was before the ninth wave (fill edges counted pair by pair): the reference."""
    adj: list[set[int]] = [set() for _ in range(n_vars)]
    for scope in scopes:
        for a in scope:
            adj[a].update(b for b in scope if b != a)
    log_card = [math.log(max(c, 1)) for c in cards]

    def fill_edges(v: int) -> tuple[int, float]:
        nb = list(adj[v])
        missing, weighted = 0, 0.0
        for i, a in enumerate(nb):
            for b in nb[i + 1:]:
                if b not in adj[a]:
                    missing += 1
                    weighted += cards[a] * cards[b]
        return missing, weighted

    def score(v: int) -> tuple[float, float]:
        if heuristic == "min-degree":
            return float(len(adj[v])), float(fill_edges(v)[0])
        if heuristic == "min-weight":
            return log_card[v] + sum(log_card[a] for a in adj[v]), float(len(adj[v]))
        fill, weighted = fill_edges(v)
        return (weighted, float(len(adj[v]))) if heuristic == "weighted-min-fill" else (float(fill), float(len(adj[v])))

    scores = [score(v) for v in range(n_vars)]
    heap = [(s[0], s[1], v) for v, s in enumerate(scores)]
    heapq.heapify(heap)
    done = [False] * n_vars
    order: list[int] = []
    clique_of: list[tuple[int, ...]] = [()] * n_vars
    while heap:
        first, second, v = heapq.heappop(heap)
        if done[v] or (first, second) != scores[v]:
            continue
        neighbours = list(adj[v])
        clique_of[v] = tuple(sorted((v, *neighbours)))
        done[v] = True
        order.append(v)
        for a in neighbours:
            adj[a].discard(v)
        added = False
        for i, a in enumerate(neighbours):
            for b in neighbours[i + 1:]:
                if b not in adj[a]:
                    adj[a].add(b)
                    adj[b].add(a)
                    added = True
        affected = set(neighbours)
        if added:
            for a in neighbours:
                affected |= adj[a]
        for w in affected:
            if not done[w]:
                new = score(w)
                if new != scores[w]:
                    scores[w] = new
                    heapq.heappush(heap, (new[0], new[1], w))
    return order, clique_of


@st.composite
def pedigree_like_graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, ...]], list[int]]:
    """Factor scopes shaped like a pedigree's (founders, and child-father-mother triples), loops included."""
    n = draw(st.integers(2, 40))
    scopes: list[tuple[int, ...]] = []
    for v in range(n):
        if v < 2 or (draw(st.booleans()) and v < 4):
            scopes.append((v,))
        else:
            father = draw(st.integers(0, v - 1))
            mother = draw(st.integers(0, v - 2))
            mother += mother >= father
            scopes.append((v, father, mother))
    cards = draw(st.lists(st.integers(1, 10), min_size=n, max_size=n))
    return n, scopes, cards


@settings(max_examples=150, deadline=None)
@given(pedigree_like_graphs(), st.sampled_from(HEURISTICS))
def test_greedy_order__is_the_pair_by_pair_reference_order(graph: tuple[int, list[tuple[int, ...]], list[int]],
                                                          heuristic: str) -> None:
    """Counting fill edges by set intersections gives exactly the same scores, order and cliques."""
    n, scopes, cards = graph
    assert greedy_order(n, scopes, cards, heuristic) == _reference_greedy_order(n, scopes, cards, heuristic)


def test_greedy_order__of_a_wide_sibship_is_the_reference_order() -> None:
    """Two parents with 120 children (the degree that made fill counting quadratic), every heuristic."""
    scopes = [(0,), (1,)] + [(v, 0, 1) for v in range(2, 122)]
    cards = [3, 6] + [(v % 5) + 1 for v in range(2, 122)]
    for heuristic in HEURISTICS:
        assert greedy_order(122, scopes, cards, heuristic) == _reference_greedy_order(122, scopes, cards, heuristic)
