"""Exact marginals of a discrete Bayesian network by a calibrated clique tree.

Generic over the model: variables ``0..n-1`` all take ``card`` states; each factor is a
table over a tuple of variables. The pedigree model (:mod:`aatd.family.inference`)
has one factor per genotype variable: the founder prior or the Mendelian transmission
table, times that person's evidence likelihood.

Algorithm (Koller & Friedman 2009, ch. 9-10; Lauritzen & Spiegelhalter 1988):

1. *Elimination order* by greedy min-fill on the moral graph (ties: fewest neighbours,
   then lowest id). Eliminating ``v`` creates the clique ``C_v = {v} ∪ N(v)``; its
   separator ``S_v = C_v \\ {v}`` links it to the clique of the first variable of
   ``S_v`` eliminated after ``v``. This elimination tree is a junction tree.
2. *Collect* (upward, in elimination order): ``ψ_v`` = product of the factors assigned
   to ``C_v`` and the messages of its children; the message to the parent is ``ψ_v``
   summed over ``v``, divided by its total ``s_v``. ``log P(evidence) = Σ log s_v``, so
   nothing underflows however large the pedigree; ``s_v = 0`` means the evidence is
   impossible.
3. *Distribute* (downward, reverse order, Hugin form): ``β_v = ψ_v × δ_v`` with ``δ_v``
   the parent's belief summed onto ``S_v`` divided by ``v``'s upward message (0/0 = 0,
   which is exact because the child's table is zero wherever its message is). Every
   variable is eliminated once, so ``β_v`` summed onto ``v`` is its posterior marginal:
   all marginals from two passes.

Tables are numpy arrays whose axes follow each clique's variables in increasing id;
products are broadcasts of reshaped views, so the per-clique cost is a few small
vectorised operations.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from aatd.limits import check_time_budget

Array = NDArray[np.float64]


MAX_CLIQUE_ENTRIES = 20_000_000
"""Largest clique table compiled (160 MB of float64); larger means the pedigree is too entangled."""


class TooComplex(ValueError):
    """The junction tree would need a clique table larger than :data:`MAX_CLIQUE_ENTRIES`."""

    def __init__(self, variables: tuple[int, ...], entries: int) -> None:
        self.variables = variables
        self.entries = entries
        super().__init__(f"a clique of {len(variables)} variables needs {entries:,} entries")


class ImpossibleEvidence(ArithmeticError):
    """The evidence has probability zero under the model (raised by the collect pass)."""

    def __init__(self, variable: int) -> None:
        self.variable = variable
        super().__init__(f"evidence impossible (message from variable {variable} is zero)")


@dataclass(frozen=True, slots=True)
class Clique:
    """The clique created by eliminating ``var``, with everything needed to pass messages."""

    var: int
    scope: tuple[int, ...]
    var_axis: int
    parent: int
    children: tuple[int, ...]
    factors: tuple[tuple[int, tuple[int, ...], tuple[int, ...]], ...]
    """(factor index, transpose into increasing-id order, broadcast shape in this clique)."""
    in_parent_shape: tuple[int, ...]
    """Shape that broadcasts this clique's upward message into the parent clique."""
    parent_sum_axes: tuple[int, ...]
    """Axes of the parent clique summed out to reach this clique's separator."""
    down_shape: tuple[int, ...]
    """Shape that broadcasts the downward message into this clique (1 on ``var``'s axis)."""
    other_axes: tuple[int, ...]
    """Axes summed out to get the marginal of ``var``."""


@dataclass(frozen=True, slots=True)
class CliqueTree:
    """A compiled junction tree: elimination order and cliques indexed by variable."""

    card: int
    order: tuple[int, ...]
    cliques: tuple[Clique, ...]

    @property
    def width(self) -> int:
        """The largest clique size (treewidth of the order + 1)."""
        return max(len(c.scope) for c in self.cliques)


def min_fill_order(n_vars: int, scopes: Sequence[Sequence[int]]) -> tuple[list[int], list[tuple[int, ...]]]:
    """Greedy min-fill elimination of the moral graph; returns the order and each variable's clique."""
    adj: list[set[int]] = [set() for _ in range(n_vars)]
    for scope in scopes:
        for a in scope:
            adj[a].update(b for b in scope if b != a)

    def score(v: int) -> tuple[int, int]:
        nb = list(adj[v])
        missing = 0
        for i, a in enumerate(nb):
            near = adj[a]
            missing += sum(1 for b in nb[i + 1:] if b not in near)
        return missing, len(nb)

    scores = [score(v) for v in range(n_vars)]
    heap = [(s[0], s[1], v) for v, s in enumerate(scores)]
    heapq.heapify(heap)
    done = [False] * n_vars
    order: list[int] = []
    clique_of: list[tuple[int, ...]] = [()] * n_vars
    while heap:
        check_time_budget("pedigree inference (elimination order)")
        fill, degree, v = heapq.heappop(heap)
        if done[v] or (fill, degree) != scores[v]:
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


def compile_tree(n_vars: int, card: int, scopes: Sequence[Sequence[int]]) -> CliqueTree:
    """Build the junction tree for factors over ``scopes`` (every variable must be in some scope)."""
    order, clique_of = min_fill_order(n_vars, scopes)
    widest = max(clique_of, key=len)
    if card ** len(widest) > MAX_CLIQUE_ENTRIES:
        raise TooComplex(widest, card ** len(widest))
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
        assigned[min(scope, key=position.__getitem__)].append(f)
    cliques = []
    for v in range(n_vars):
        scope = clique_of[v]
        axis = scope.index(v)
        layouts = []
        for f in assigned[v]:
            fscope = tuple(scopes[f])
            perm = tuple(sorted(range(len(fscope)), key=fscope.__getitem__))
            layouts.append((f, perm, tuple(card if u in fscope else 1 for u in scope)))
        p = parent[v]
        if p >= 0:
            pscope = clique_of[p]
            own = set(scope)
            in_parent = tuple(card if u in own and u != v else 1 for u in pscope)
            sum_axes = tuple(i for i, u in enumerate(pscope) if u not in own)
        else:
            in_parent, sum_axes = (), ()
        cliques.append(Clique(
            var=v, scope=scope, var_axis=axis, parent=p, children=tuple(children[v]), factors=tuple(layouts),
            in_parent_shape=in_parent, parent_sum_axes=sum_axes,
            down_shape=tuple(1 if i == axis else card for i in range(len(scope))),
            other_axes=tuple(i for i in range(len(scope)) if i != axis),
        ))
    return CliqueTree(card=card, order=tuple(order), cliques=tuple(cliques))


def _collect(tree: CliqueTree, tables: Sequence[Array]) -> tuple[list[Array], list[Array], float]:
    """Upward pass: clique potentials, normalised upward messages and log P(evidence)."""
    n = len(tree.cliques)
    psi: list[Array] = [np.empty(0)] * n
    up: list[Array] = [np.empty(0)] * n
    log_z = 0.0
    for v in tree.order:
        check_time_budget("pedigree inference")
        clique = tree.cliques[v]
        product: Array | None = None
        for f, perm, shape in clique.factors:
            term = tables[f].transpose(perm).reshape(shape)
            product = term if product is None else product * term
        for child in clique.children:
            term = up[child].reshape(tree.cliques[child].in_parent_shape)
            product = term if product is None else product * term
        assert product is not None and product.ndim == len(clique.scope)
        message = product.sum(axis=clique.var_axis)
        total = float(message.sum())
        if not total > 0.0 or not math.isfinite(total):
            raise ImpossibleEvidence(v)
        psi[v] = product
        up[v] = message / total
        log_z += math.log(total)
    return psi, up, log_z


def log_likelihood(tree: CliqueTree, tables: Sequence[Array]) -> float:
    """log P(evidence) by the collect pass alone (raises :class:`ImpossibleEvidence`)."""
    return _collect(tree, tables)[2]


def calibrate(tree: CliqueTree, tables: Sequence[Array]) -> tuple[Array, float]:
    """Posterior marginal of every variable (rows sum to 1) and log P(evidence)."""
    psi, up, log_z = _collect(tree, tables)
    n = len(tree.cliques)
    marginals = np.empty((n, tree.card))
    down: list[Array | None] = [None] * n
    for v in reversed(tree.order):
        clique = tree.cliques[v]
        belief = psi[v]
        incoming = down[v]
        if incoming is not None:
            belief = belief * incoming.reshape(clique.down_shape)
        psi[v] = np.empty(0)
        belief = belief / belief.sum()
        marginals[v] = belief.sum(axis=clique.other_axes) if clique.other_axes else belief
        for child in clique.children:
            axes = tree.cliques[child].parent_sum_axes
            onto = belief.sum(axis=axes) if axes else belief
            message = up[child]
            down[child] = np.divide(onto, message, out=np.zeros_like(onto), where=message > 0)
    marginals /= marginals.sum(axis=1, keepdims=True)
    return marginals, log_z
