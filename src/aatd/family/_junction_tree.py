"""Exact marginals of a discrete Bayesian network by a calibrated clique tree, within a memory budget.

Generic over the model: variable ``u`` takes ``cards[u]`` states (after genotype elimination
each person keeps only the genotypes their family allows, so cardinalities differ); each
factor is a table over a tuple of variables. The pedigree model (:mod:`aatd.family.inference`)
has one factor per genotype variable: the founder prior or the Mendelian transmission
table, times that person's evidence likelihood.

Algorithm (Koller & Friedman 2009, ch. 9-10; Lauritzen & Spiegelhalter 1988):

1. *Elimination order*: several greedy heuristics on the moral graph (min-fill, min-degree,
   min-weight, weighted min-fill; Kjaerulff 1990) and the one whose cliques hold the fewest
   table entries in total is kept. Eliminating ``v`` creates the clique ``C_v = {v} ∪ N(v)``;
   its separator ``S_v = C_v \\ {v}`` links it to the clique of the first variable of
   ``S_v`` eliminated after ``v``. This elimination tree is a junction tree.
2. *Collect* (upward, in elimination order): ``ψ_v`` = product of the factors assigned
   to ``C_v`` and the messages of its children; the message to the parent is ``ψ_v``
   summed over ``v``, divided by its total ``s_v``. ``log P(evidence) = Σ log s_v``, so
   nothing underflows however large the pedigree; ``s_v = 0`` means the evidence is
   impossible.
3. *Distribute* (downward, reverse order, Hugin form): ``β_v = ψ_v × δ_v`` with ``δ_v``
   the parent's belief summed onto ``S_v`` divided by ``v``'s upward message (0/0 = 0,
   which is exact because the child's table is zero wherever its message is).
4. *Conditioning* (Pearl 1988, loop cutset; Darwiche 2001): when the cheapest tree needs more
   memory than the budget, variables are fixed one at a time (the one in the most table
   entries first) until the rest fits; the tree of the remaining variables is run once per
   joint state of the fixed ones and the results are summed, weighted by
   ``P(evidence, cutset state)``. Time replaces memory. The joint states are processed in
   batches: every table carries a leading batch axis, so one pass of numpy operations
   serves many states at once.

Tables are numpy arrays whose axes follow each clique's variables in increasing id, after
the batch axis; products are broadcasts of reshaped views.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from aatd.limits import check_time_budget

Array = NDArray[np.float64]
Progress = Callable[[int, int], None]
"""Called with (joint cutset states done, total) after each batch of a conditioned run."""

BYTES_PER_ENTRY = 8
HEURISTICS = ("min-fill", "min-degree", "min-weight", "weighted-min-fill")
NOMINAL_ENTRIES_PER_SECOND = 5e7
"""Rough numpy throughput used only to say how long a refused run would take before any probe."""
MAX_CUTSET = 40
MAX_JOINT_STATES = 2**62
"""Joint cutset states beyond which a run is refused outright (they cannot even be counted in numpy)."""


class TooComplex(ValueError):
    """Exact inference does not fit the memory budget, and conditioning would take longer than allowed."""

    def __init__(self, variables: tuple[int, ...], entries: int, budget_bytes: int,
                 cutset: tuple[int, ...], assignments: int, seconds: float) -> None:
        self.variables = variables
        self.entries = entries
        self.budget_bytes = budget_bytes
        self.cutset = cutset
        self.assignments = assignments
        self.seconds = seconds
        super().__init__(
            f"a clique of {len(variables)} variables needs {entries:,} entries "
            f"({_bytes_text(entries * BYTES_PER_ENTRY)}), over the memory budget of {_bytes_text(budget_bytes)}; "
            f"conditioning on {len(cutset)} of them ({assignments:,} joint states) would take about "
            f"{duration_text(seconds)}")


class ImpossibleEvidence(ArithmeticError):
    """The evidence has probability zero under the model (raised by the collect pass)."""

    def __init__(self, variable: int) -> None:
        self.variable = variable
        super().__init__(f"evidence impossible (message from variable {variable} is zero)")


def _bytes_text(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def duration_text(seconds: float) -> str:
    """A duration in words a person reads at a glance (seconds up to years)."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            value = seconds / size
            return f"{value:,.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{max(seconds, 0.1):,.1f} seconds" if seconds < 10 else f"{seconds:,.0f} seconds"


# --- elimination orders -------------------------------------------------------------------------------------------


def _moral_graph(n_vars: int, scopes: Sequence[Sequence[int]]) -> list[set[int]]:
    adj: list[set[int]] = [set() for _ in range(n_vars)]
    for scope in scopes:
        for a in scope:
            adj[a].update(b for b in scope if b != a)
    return adj


def greedy_order(n_vars: int, scopes: Sequence[Sequence[int]], cards: Sequence[int],
                 heuristic: str = "min-fill") -> tuple[list[int], list[tuple[int, ...]]]:
    """Greedy elimination of the moral graph by ``heuristic``; returns the order and each variable's clique."""
    if heuristic not in HEURISTICS:
        raise ValueError(f"unknown heuristic {heuristic!r}")
    adj = _moral_graph(n_vars, scopes)
    log_card = [math.log(max(c, 1)) for c in cards]

    # Per variable: missing edges among its neighbours, their summed weight (product of the two
    # cardinalities) and the summed cardinality of the neighbours. Integers, so the scores (and hence
    # the order) are exactly those of counting pair by pair (tests/family/test_junction_tree.py keeps
    # that count as the reference). They are counted afresh with set intersections (linear in the
    # edges, not quadratic in the degree) and, when an elimination adds no fill edge (a child of a
    # sibship, say), updated for the eliminated variable's neighbours only: a parent of a large
    # sibship is not recounted once per child.
    counts = heuristic != "min-weight"
    missing, weight, total = [0] * n_vars, [0] * n_vars, [0] * n_vars

    def count(v: int) -> None:
        nb = adj[v]
        present, present_weight, summed, squares = 0, 0, 0, 0
        for a in nb:
            card = cards[a]
            summed += card
            squares += card * card
            common = adj[a] & nb
            if common:
                present += len(common)
                present_weight += card * sum(map(cards.__getitem__, common))
        missing[v] = len(nb) * (len(nb) - 1) // 2 - present // 2
        weight[v] = (summed * summed - squares) // 2 - present_weight // 2
        total[v] = summed

    def without(a: int, v: int, clique: set[int]) -> None:
        """Update ``a``'s counts for the removal of its neighbour ``v``, whose neighbours form a clique."""
        common = adj[a] & clique  # a's other neighbours that were adjacent to v (adj[a] no longer holds v)
        lost = len(adj[a]) - len(common)  # the missing pairs (v, b) that go with v
        missing[a] -= lost
        weight[a] -= cards[v] * (total[a] - cards[v] - sum(map(cards.__getitem__, common)))
        total[a] -= cards[v]

    def score(v: int) -> tuple[float, float]:
        if heuristic == "min-degree":
            return float(len(adj[v])), float(missing[v])
        if heuristic == "min-weight":
            return log_card[v] + sum(log_card[a] for a in adj[v]), float(len(adj[v]))
        if heuristic == "weighted-min-fill":
            return float(weight[v]), float(len(adj[v]))
        return float(missing[v]), float(len(adj[v]))

    if counts:
        for v in range(n_vars):
            count(v)
    scores = [score(v) for v in range(n_vars)]
    heap = [(s[0], s[1], v) for v, s in enumerate(scores)]
    heapq.heapify(heap)
    done = [False] * n_vars
    order: list[int] = []
    clique_of: list[tuple[int, ...]] = [()] * n_vars
    while heap:
        check_time_budget("pedigree inference (elimination order)")
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
        if counts:
            for w in affected:
                if not done[w]:
                    if added:
                        count(w)
                    else:
                        without(w, v, affected)
        for w in affected:
            if not done[w]:
                new = score(w)
                if new != scores[w]:
                    scores[w] = new
                    heapq.heappush(heap, (new[0], new[1], w))
    return order, clique_of


def clique_entries(clique: Sequence[int], cards: Sequence[int]) -> int:
    return math.prod(cards[u] for u in clique)


@dataclass(frozen=True, slots=True)
class Plan:
    """An elimination order, the heuristic that found it and its table sizes."""

    heuristic: str
    order: tuple[int, ...]
    cliques: tuple[tuple[int, ...], ...]
    total_entries: int
    widest: tuple[int, ...]
    widest_entries: int

    @property
    def peak_bytes(self) -> int:
        """Memory of one pass: every clique potential is kept for the distribute pass, plus working copies."""
        return BYTES_PER_ENTRY * (self.total_entries + 2 * self.widest_entries)


def best_plan(n_vars: int, scopes: Sequence[Sequence[int]], cards: Sequence[int],
              heuristics: Sequence[str] = HEURISTICS) -> Plan:
    """The cheapest (fewest total table entries) of the orders found by ``heuristics``."""
    best: Plan | None = None
    for name in heuristics:
        order, cliques = greedy_order(n_vars, scopes, cards, name)
        sizes = [clique_entries(c, cards) for c in cliques]
        total = sum(sizes)
        if best is None or total < best.total_entries:
            k = max(range(n_vars), key=sizes.__getitem__) if n_vars else 0
            best = Plan(name, tuple(order), tuple(cliques), total,
                        cliques[k] if n_vars else (), sizes[k] if n_vars else 0)
    assert best is not None
    return best


# --- the compiled tree --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clique:
    """The clique created by eliminating ``var``, with everything needed to pass messages (axes exclude the batch)."""

    var: int
    scope: tuple[int, ...]
    var_axis: int
    parent: int
    children: tuple[int, ...]
    factors: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    """(factor index, transpose into increasing-id order, broadcast shape in this clique)."""
    in_parent_shape: tuple[int, ...]
    parent_sum_axes: tuple[int, ...]
    down_shape: tuple[int, ...]
    other_axes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CliqueTree:
    """A compiled junction tree over variables ``0..n-1`` with ``cards[u]`` states each."""

    cards: tuple[int, ...]
    plan: Plan
    cliques: tuple[Clique, ...]

    @property
    def order(self) -> tuple[int, ...]:
        return self.plan.order

    @property
    def width(self) -> int:
        """The largest clique size in variables (treewidth of the order + 1)."""
        return max((len(c.scope) for c in self.cliques), default=0)


def compile_tree(cards: Sequence[int], scopes: Sequence[Sequence[int]], plan: Plan | None = None) -> CliqueTree:
    """Build the junction tree for factors over ``scopes`` (every variable must be in some scope)."""
    n_vars = len(cards)
    plan = plan or best_plan(n_vars, scopes, cards)
    order, clique_of = plan.order, plan.cliques
    position = [0] * n_vars
    for k, v in enumerate(order):
        position[v] = k
    parent = [-1] * n_vars
    children: list[list[int]] = [[] for _ in range(n_vars)]
    for v in order:
        separator = [u for u in clique_of[v] if u != v]
        if separator:
            parent[v] = min(separator, key=position.__getitem__)
            children[parent[v]].append(v)
    assigned: list[list[int]] = [[] for _ in range(n_vars)]
    for f, scope in enumerate(scopes):
        if scope:
            assigned[min(scope, key=position.__getitem__)].append(f)
    cliques = []
    for v in range(n_vars):
        scope = clique_of[v]
        axis = scope.index(v)
        layouts = []
        for f in assigned[v]:
            fscope = tuple(scopes[f])
            perm = tuple(sorted(range(len(fscope)), key=fscope.__getitem__))
            layouts.append((f, perm, tuple(cards[u] if u in fscope else 1 for u in scope)))
        p = parent[v]
        if p >= 0:
            pscope = clique_of[p]
            own = set(scope)
            in_parent = tuple(cards[u] if u in own and u != v else 1 for u in pscope)
            sum_axes = tuple(i for i, u in enumerate(pscope) if u not in own)
        else:
            in_parent, sum_axes = (), ()
        cliques.append(Clique(
            var=v, scope=scope, var_axis=axis, parent=p, children=tuple(children[v]), factors=tuple(layouts),
            in_parent_shape=in_parent, parent_sum_axes=sum_axes,
            down_shape=tuple(1 if i == axis else cards[u] for i, u in enumerate(scope)),
            other_axes=tuple(i for i in range(len(scope)) if i != axis),
        ))
    return CliqueTree(cards=tuple(cards), plan=plan, cliques=tuple(cliques))


def _shift(axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(a + 1 for a in axes)


def _collect(tree: CliqueTree, tables: Sequence[Array]) -> tuple[list[Array], list[Array], Array]:
    """Upward pass over a batch: clique potentials, normalised upward messages, log P(evidence) per batch row.

    ``tables[f]`` has shape ``(B or 1, *factor shape)``; rows whose evidence is impossible get
    ``-inf`` (their messages are all zero).
    """
    batch = max((t.shape[0] for t in tables), default=1)
    n = len(tree.cliques)
    psi: list[Array] = [np.empty(0)] * n
    up: list[Array] = [np.empty(0)] * n
    log_z = np.zeros(batch)
    for v in tree.order:
        check_time_budget("pedigree inference")
        clique = tree.cliques[v]
        terms = [tables[f].transpose((0, *_shift(perm))).reshape((tables[f].shape[0], *shape))
                 for f, perm, shape in clique.factors]
        terms += [up[child].reshape((up[child].shape[0], *tree.cliques[child].in_parent_shape))
                  for child in clique.children]
        assert terms
        # one owned table per clique, multiplied in place: no temporaries the size of the clique
        product = np.empty((batch, *(tree.cards[u] for u in clique.scope)))
        np.copyto(product, terms[0])
        for term in terms[1:]:
            np.multiply(product, term, out=product)
        message = product.sum(axis=clique.var_axis + 1)
        total = message.reshape(batch, -1).sum(axis=1)
        dead = ~(total > 0.0) | ~np.isfinite(total)
        safe = np.where(dead, 1.0, total)
        message = message / safe.reshape((batch,) + (1,) * (message.ndim - 1))
        if dead.any():
            message[dead] = 0.0
            log_z[dead] = -np.inf
        log_z = log_z + np.log(safe)
        psi[v] = product
        up[v] = message
    return psi, up, log_z


def log_likelihood(tree: CliqueTree, tables: Sequence[Array]) -> float:
    """log P(evidence) by the collect pass alone (batch of one; raises :class:`ImpossibleEvidence`)."""
    log_z = _collect(tree, tables)[2]
    if not np.isfinite(log_z[0]):
        raise ImpossibleEvidence(-1)
    return float(log_z[0])


def calibrate_batch(tree: CliqueTree, tables: Sequence[Array]) -> tuple[list[Array], Array]:
    """Posterior marginals of every variable for each batch row (``(B, cards[v])`` each) and log P(evidence)."""
    psi, up, log_z = _collect(tree, tables)
    batch = log_z.shape[0]
    n = len(tree.cliques)
    marginals: list[Array] = [np.empty(0)] * n
    down: list[Array | None] = [None] * n
    for v in reversed(tree.order):
        clique = tree.cliques[v]
        belief = psi[v]  # owned by this pass (see _collect): updated in place
        incoming = down[v]
        if incoming is not None:
            np.multiply(belief, incoming.reshape((batch, *clique.down_shape)), out=belief)
        psi[v] = np.empty(0)
        total = belief.reshape(batch, -1).sum(axis=1)
        np.divide(belief, np.where(total > 0, total, 1.0).reshape((batch,) + (1,) * (belief.ndim - 1)), out=belief)
        marginals[v] = belief.sum(axis=_shift(clique.other_axes)) if clique.other_axes else belief
        for child in clique.children:
            axes = tree.cliques[child].parent_sum_axes
            onto = belief.sum(axis=_shift(axes)) if axes else belief
            message = up[child]
            down[child] = np.divide(onto, message, out=np.zeros_like(onto), where=message > 0)
    return marginals, log_z


def calibrate(tree: CliqueTree, tables: Sequence[Array]) -> tuple[list[Array], float]:
    """Posterior marginal of every variable (each sums to 1) and log P(evidence), batch of one."""
    marginals, log_z = calibrate_batch(tree, tables)
    if not np.isfinite(log_z[0]):
        raise ImpossibleEvidence(-1)
    return [m[0] / m[0].sum() for m in marginals], float(log_z[0])


# --- conditioning -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditioned:
    """A network split into a cutset and the junction tree of the remaining variables."""

    cards: tuple[int, ...]
    cutset: tuple[int, ...]
    kept: tuple[int, ...]
    """Original ids of the tree's variables (tree variable ``i`` is ``kept[i]``)."""
    tree: CliqueTree
    full_plan: Plan
    """The cheapest plan without conditioning (for messages)."""
    tree_scopes: tuple[tuple[int, ...], ...]
    """Each factor's scope in tree ids (empty when every variable of the factor is in the cutset)."""

    @property
    def assignments(self) -> int:
        return math.prod(self.cards[c] for c in self.cutset)

    @property
    def bytes_per_assignment(self) -> int:
        return self.tree.plan.peak_bytes


def plan_inference(cards: Sequence[int], scopes: Sequence[Sequence[int]], budget_bytes: int) -> Conditioned:
    """The cheapest tree, with a greedy cutset that brings one pass within ``budget_bytes``.

    Two greedy rules pick the cutset one variable at a time and the one leaving less work
    (joint states x table entries per pass) is kept: fix the variable that sits in the most
    table entries, or, among the :data:`CUTSET_CANDIDATES` heaviest, the one that buys the
    most memory per state it multiplies the run by (log states / log(peak before / after)).
    """
    n = len(cards)
    full = best_plan(n, scopes, cards)
    best: tuple[float, list[int], Plan] | None = None
    for rule in ("heaviest", "cheapest-gain"):
        cutset, plan = _greedy_cutset(cards, scopes, full, budget_bytes, rule)
        work = math.prod(cards[c] for c in cutset) * float(plan.total_entries)
        if best is None or work < best[0]:
            best = (work, cutset, plan)
        if not cutset:
            break
    assert best is not None
    _, cutset, plan = best
    kept = [u for u in range(n) if u not in set(cutset)]
    index = {u: i for i, u in enumerate(kept)}
    tree_scopes = tuple(tuple(index[u] for u in s if u in index) for s in scopes)
    tree = compile_tree([cards[u] for u in kept], tree_scopes, plan)
    return Conditioned(tuple(cards), tuple(cutset), tuple(kept), tree, full, tree_scopes)


def _greedy_cutset(cards: Sequence[int], scopes: Sequence[Sequence[int]], full: Plan, budget_bytes: int,
                   rule: str) -> tuple[list[int], Plan]:
    cutset: list[int] = []
    plan = full
    kept = list(range(len(cards)))
    while plan.peak_bytes > budget_bytes and len(cutset) < MAX_CUTSET and kept:
        weight: dict[int, float] = {}
        for clique in plan.cliques:
            size = float(clique_entries([kept[u] for u in clique], cards))
            for u in clique:
                weight[kept[u]] = weight.get(kept[u], 0.0) + size
        ranked = sorted(weight, key=lambda u: (-weight[u], cards[u], u))
        pick = ranked[0]
        if rule == "cheapest-gain":
            scored = []
            for u in ranked[:CUTSET_CANDIDATES]:
                trial = _reduced(cards, scopes, [*cutset, u])
                gain = math.log(plan.peak_bytes / max(trial.peak_bytes, 1))
                scored.append((math.log(max(cards[u], 1)) / gain if gain > 0 else math.inf, trial.peak_bytes, u))
            pick = min(scored)[2]
        cutset.append(pick)
        plan = _reduced(cards, scopes, cutset, HEURISTICS)
        kept = [u for u in range(len(cards)) if u not in set(cutset)]
    return cutset, plan


CUTSET_CANDIDATES = 6
FAST_HEURISTICS = ("min-weight",)


def _reduced(cards: Sequence[int], scopes: Sequence[Sequence[int]], cutset: Sequence[int],
             heuristics: Sequence[str] = FAST_HEURISTICS) -> Plan:
    """The plan of the network with ``cutset`` removed (its variables fixed)."""
    fixed = set(cutset)
    kept = [u for u in range(len(cards)) if u not in fixed]
    index = {u: i for i, u in enumerate(kept)}
    reduced = [t for t in (tuple(index[u] for u in s if u in index) for s in scopes) if t]
    return best_plan(len(kept), reduced, [cards[u] for u in kept], heuristics)


def _sliced_tables(cond: Conditioned, scopes: Sequence[Sequence[int]], tables: Sequence[Array],
                   states: NDArray[np.intp]) -> tuple[list[Array], Array]:
    """Factor tables restricted to a batch of cutset states (rows of ``states``), and their all-cutset constant."""
    batch = states.shape[0]
    column = {c: k for k, c in enumerate(cond.cutset)}
    constant = np.ones(batch)
    out: list[Array] = []
    for scope, table in zip(scopes, tables, strict=True):
        fixed = [i for i, u in enumerate(scope) if u in column]
        if not fixed:
            out.append(table[None, ...])
            continue
        free = [i for i, u in enumerate(scope) if u not in column]
        moved = table.transpose((*fixed, *free))
        picked = moved[tuple(states[:, column[scope[i]]] for i in fixed)]
        if free:
            out.append(np.ascontiguousarray(picked))
        else:
            constant = constant * picked
            out.append(np.ones((batch, 1)))  # placeholder, never assigned to a clique (empty tree scope)
    return out, constant


def _cutset_states(cards: Sequence[int], start: int, stop: int) -> NDArray[np.intp]:
    """Rows ``start..stop-1`` of the joint cutset states in C order, one column per cutset variable."""
    idx = np.arange(start, stop)
    return np.stack(np.unravel_index(idx, tuple(cards)), axis=1).astype(np.intp)


def estimate_seconds(cond: Conditioned) -> float:
    """Nominal time of a conditioned run (before any probe): table entries, plus a fixed cost per table."""
    per_state = 3 * cond.tree.plan.total_entries + ENTRIES_PER_TABLE_OVERHEAD * len(cond.cards)
    return cond.assignments * per_state / NOMINAL_ENTRIES_PER_SECOND


ENTRIES_PER_TABLE_OVERHEAD = 50


def infer_marginals(cards: Sequence[int], scopes: Sequence[Sequence[int]], tables: Sequence[Array], *,
                    budget_bytes: int, time_limit: float, progress: Progress | None = None,
                    ) -> tuple[list[Array], float, Conditioned]:
    """Exact marginals and log P(evidence), conditioning on a cutset when one pass exceeds ``budget_bytes``.

    Raises :class:`TooComplex` (saying how long conditioning would take) when the conditioned
    run would exceed ``time_limit`` seconds, and :class:`ImpossibleEvidence` when the evidence
    has probability zero.
    """
    cond = plan_inference(cards, scopes, budget_bytes)
    if not cond.cutset:
        marginals, log_evidence = calibrate(cond.tree, [t[None, ...] for t in tables])
        return marginals, log_evidence, cond
    total = cond.assignments
    if (cond.tree.plan.peak_bytes > budget_bytes or total >= MAX_JOINT_STATES
            or estimate_seconds(cond) > 50 * time_limit):
        raise _too_complex(cond, estimate_seconds(cond), budget_bytes)
    batch = max(1, min(total, budget_bytes // max(cond.bytes_per_assignment, 1)))
    cut_cards = [cards[c] for c in cond.cutset]
    acc: list[Array] = [np.zeros(cards[u]) for u in range(len(cards))]
    log_scale = -math.inf
    started = time.perf_counter()
    done = chunks = 0
    probe = max(1, min(batch, total // 64, 8))
    while done < total:
        size = probe if done == 0 else batch
        stop = min(total, done + size)
        chunk_started = time.perf_counter()
        states = _cutset_states(cut_cards, done, stop)
        sliced, constant = _sliced_tables(cond, scopes, tables, states)
        with np.errstate(divide="ignore"):
            marg, tree_log_z = calibrate_batch(cond.tree, sliced)
            batch_log_z: Array = tree_log_z + np.log(constant)
        finite = np.isfinite(batch_log_z)
        if finite.any():
            top = float(batch_log_z[finite].max())
            if top > log_scale:
                factor = math.exp(log_scale - top) if math.isfinite(log_scale) else 0.0
                acc = [a * factor for a in acc]
                log_scale = top
            weights: Array = np.where(finite, np.exp(np.where(finite, batch_log_z, 0.0) - log_scale), 0.0)
            for i, u in enumerate(cond.kept):
                acc[u] += weights @ marg[i]
            for k, c in enumerate(cond.cutset):
                np.add.at(acc[c], states[:, k], weights)
        chunks += 1
        now = time.perf_counter()
        projected = (now - started) + (total - stop) * (now - chunk_started) / (stop - done)
        done = stop
        # the first chunk pays one-off costs (allocation, caches): judge on two unless far over
        if done < total and projected > time_limit and (chunks >= 2 or projected > 3 * time_limit):
            raise _too_complex(cond, projected, budget_bytes)
        if progress is not None:
            progress(done, total)
    if not math.isfinite(log_scale):
        raise ImpossibleEvidence(-1)
    log_evidence = log_scale + math.log(float(acc[cond.cutset[0]].sum()))
    marginals = [a / a.sum() for a in acc]
    return marginals, log_evidence, cond


def _too_complex(cond: Conditioned, seconds: float, budget_bytes: int) -> TooComplex:
    return TooComplex(cond.full_plan.widest, cond.full_plan.widest_entries, budget_bytes, cond.cutset,
                      cond.assignments, seconds)


__all__ = [
    "HEURISTICS", "Array", "Clique", "CliqueTree", "Conditioned", "ImpossibleEvidence", "Plan", "Progress",
    "TooComplex", "best_plan", "calibrate", "calibrate_batch", "compile_tree", "duration_text", "greedy_order",
    "infer_marginals", "log_likelihood", "plan_inference",
]
