"""Exact posterior genotype probabilities for every member of a pedigree.

The model is the pedigree Bayesian network (Elston & Stewart 1971; Lauritzen & Sheehan
2003): one genotype variable per person (monozygotic twins share one); founders drawn
from Hardy-Weinberg proportions of the founder allele frequencies; each child receives
one allele from each parent with probability 1/2 each; each person's evidence is a
likelihood vector over genotypes (1/0 for a genotype or a set of IEF-compatible
genotypes, the level model's density for a serum level, their product for several).
Inference is exact, by the calibrated clique tree of :mod:`aatd.family._junction_tree`, so
loops (consanguinity, double first cousins, several marriages) need no approximation.
Before it, genotype elimination drops the genotypes no consistent assignment can use; the
cheapest of several elimination orders is kept; when its largest tables still exceed the
memory budget (:class:`ExactLimits`), inference conditions on a cutset of members and sums
(time instead of memory), and refuses, saying how long that would take, past the time limit.

Founder alleles: with a country, M, S and Z from its survey, every other allele present in
the family, and ``Null`` as the bucket for "another, unknown deficiency allele"; the alleles
without a frequency of their own share the residual frequency of ``pedigree_priors.csv``,
taken from M. With explicit frequencies, exactly those (zero-frequency alleles pruned, no
residual allele unless asked for). Normal M subtypes (M1, M2, M3) are read as M.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from aatd.errors import DataError, InputError, PedigreeError
from aatd.family._junction_tree import (
    Array,
    Conditioned,
    ImpossibleEvidence,
    Progress,
    TooComplex,
    duration_text,
    infer_marginals,
)
from aatd.family.pedigree import Member, Pedigree, build_pedigree
from aatd.genetics.alleles import allele_catalogue, get_allele, is_deficiency_allele
from aatd.genetics.genotypes import Genotype, all_genotypes
from aatd.genetics.levels import Severity, genotype_severity, level_likelihood
from aatd.genetics.prevalence import country as country_record
from aatd.genetics.prevalence import country_allele_frequencies, validate_frequencies
from aatd.genetics.units import Level
from aatd.knowledge import knowledge, read_table
from aatd.limits import check_time_budget

PRIORS_TABLE = "pedigree_priors.csv"
NULL_ALLELE = "Null"
_SEVERE = frozenset({Severity.SEVERE, Severity.ABSENT})
CONFLICT_SEARCH_BUDGET = 2000
"""Evidence subsets checked exhaustively (by increasing size) before falling back to deletion filtering."""


# --- the prior table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriorParameter:
    """A named parameter of the founder prior with its source."""

    name: str
    value: float
    unit: str
    source: str
    source_locator: str
    notes: str


@cache
def prior_parameters() -> Mapping[str, PriorParameter]:
    """The rows of ``pedigree_priors.csv``, validated (every source resolves in ``sources.csv``)."""
    out: dict[str, PriorParameter] = {}
    for row in read_table(PRIORS_TABLE, ("name", "value", "unit", "source")):
        value = row.required_number("value")
        if not 0.0 <= value <= 1.0:
            raise DataError(PRIORS_TABLE, row.line, f"value {value} is outside [0, 1]")
        out[row.required("name")] = PriorParameter(row.required("name"), value, row.text("unit"), row.source(),
                                                   row.text("source_locator"), row.text("notes"))
    if "residual_allele_frequency" not in out:
        raise DataError(PRIORS_TABLE, None, "missing parameter 'residual_allele_frequency'")
    return out


# --- the allele model --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlleleModel:
    """Founder allele frequencies and the genotype state space of one pedigree."""

    frequencies: Mapping[str, float]
    genotypes: tuple[Genotype, ...]
    basis: str

    @property
    def alleles(self) -> tuple[str, ...]:
        return tuple(self.frequencies)

    def index(self, genotype: Genotype) -> int:
        return self.genotypes.index(genotype)


def fold_allele(name: str) -> str:
    """An allele as the engine uses it: normal M subtypes are M."""
    allele = get_allele(name)
    return "M" if allele.family == "M" and not is_deficiency_allele(allele) else allele.allele


def fold_genotype(genotype: Genotype) -> Genotype:
    return Genotype.of(fold_allele(genotype.first), fold_allele(genotype.second))


@cache
def _band_allele() -> Mapping[str, str]:
    bands: dict[str, str] = {}
    for allele in allele_catalogue():
        if allele.ief_band:
            bands.setdefault(allele.ief_band, allele.allele)
    return bands


def family_alleles(pedigree: Pedigree) -> set[str]:
    """Alleles named by the family's genotypes and IEF phenotype bands."""
    found: set[str] = set()
    for m in pedigree.members:
        found |= _member_alleles(m)
    return found


def allele_model(pedigree: Pedigree, *, country: str | None = None,
                 frequencies: Mapping[str, float] | None = None, residual: bool | None = None) -> AlleleModel:
    """Founder allele frequencies, and the basis to state with every answer.

    With ``country``, M/S/Z come from the country table and ``Null`` (another, unknown
    deficiency allele) plus any other allele named in the family share the cited residual
    frequency, taken from M: a survey of S and Z says nothing about the rest.

    With explicit ``frequencies`` they are used exactly as given (``residual`` defaults to
    off): alleles with frequency 0 are left out of the model and no ``Null`` is added, so
    M/S/Z summing to 1 give the six-genotype model a researcher expects (and the same
    numbers as pedprobr or any textbook calculation). An allele the family carries that has
    no positive frequency is an input error naming it; ``residual=True`` instead gives it
    (and ``Null``) the residual frequency as with a country.
    """
    if (country is None) == (frequencies is None):
        raise InputError("allele_frequencies", None, "either a country or explicit allele frequencies",
                         hint="give 'country' or 'allele_frequencies' (CLI: --country or --freq)")
    if country is not None:
        record = country_record(country)
        given = country_allele_frequencies(country)
        basis = (f"country: {record.country} (S {given['S'] * 1000:.3g}, Z {given['Z'] * 1000:.3g} per 1000; "
                 f"{knowledge().cite_short(record.source)})")
        with_residual = True if residual is None else residual
    else:
        assert frequencies is not None
        given = validate_frequencies(frequencies)
        shown = ", ".join(f"{a} {p:g}" for a, p in given.items() if p > 0)
        basis = f"explicit allele frequencies ({shown})"
        with_residual = bool(residual)
    folded: dict[str, float] = {}
    for name, p in given.items():
        if p > 0:  # zero-frequency alleles are pruned: they cannot be carried by anyone
            key = fold_allele(name)
            folded[key] = folded.get(key, 0.0) + p
    missing = sorted(family_alleles(pedigree) - set(folded))
    if with_residual:
        extra = sorted({*missing, NULL_ALLELE} - set(folded))
        _share_residual(folded, extra)
        if extra:
            residual_value = prior_parameters()["residual_allele_frequency"].value
            basis += f"; {', '.join(extra)} share the residual frequency {residual_value:g}, taken from M"
    elif missing:
        holder = next(m.id for m in pedigree.members if missing[0] in _member_alleles(m))
        raise InputError(f"allele_frequencies.{missing[0]}", given.get(missing[0], None),
                         f"a positive frequency for {missing[0]}, carried by member {holder}",
                         hint=f"add {missing[0]} to the frequencies, or ask for the residual allele "
                              "(CLI: --residual) to give alleles without a frequency the cited residual frequency")
    else:
        basis += ", used exactly: no residual allele added"
    rank = {a.allele: (a.sort_order, a.allele) for a in allele_catalogue()}
    ordered = {a: folded[a] for a in sorted(folded, key=rank.__getitem__)}
    return AlleleModel(ordered, all_genotypes(ordered), basis)


def _share_residual(folded: dict[str, float], extra: Sequence[str]) -> None:
    """Give ``extra`` alleles the cited residual frequency in equal shares, taken from M."""
    if not extra:
        return
    residual = prior_parameters()["residual_allele_frequency"].value
    m = folded.get("M", 0.0)
    if m < residual:
        raise InputError("allele_frequencies.M", m, f"at least {residual:g}",
                         hint="the residual frequency of other alleles is taken from M")
    folded["M"] = m - residual
    for name in extra:
        folded[name] = residual / len(extra)


def _member_alleles(member: Member) -> set[str]:
    found: set[str] = set()
    if member.genotype is not None:
        g = fold_genotype(member.genotype)
        found |= {g.first, g.second}
    if member.phenotype is not None:
        found |= {_band_allele()[b] for b in member.phenotype.bands}
    return found


# --- factor tables -----------------------------------------------------------------------------------------------


def founder_prior(model: AlleleModel) -> Array:
    """Hardy-Weinberg genotype probabilities of a founder."""
    f = model.frequencies
    return np.array([f[g.first] * f[g.second] * (1.0 if g.is_homozygous else 2.0) for g in model.genotypes])


def transmission_table(model: AlleleModel) -> Array:
    """``T[child, father, mother]``: Mendelian probability of the child's genotype."""
    alleles = model.alleles
    k, n = len(alleles), len(model.genotypes)
    gamete = np.zeros((n, k))
    for i, g in enumerate(model.genotypes):
        gamete[i, alleles.index(g.first)] += 0.5
        gamete[i, alleles.index(g.second)] += 0.5
    pair = np.zeros((k, k, n))
    for a in range(k):
        for b in range(k):
            pair[a, b, model.index(Genotype.of(alleles[a], alleles[b]))] = 1.0
    table: Array = np.einsum("fa,mb,abc->cfm", gamete, gamete, pair)
    return table


def evidence_vector(member: Member, model: AlleleModel) -> Array:
    """Likelihood of the member's evidence under each genotype (all ones when not tested)."""
    out = np.ones(len(model.genotypes))
    if member.genotype is not None:
        target = fold_genotype(member.genotype)
        out *= np.array([g == target for g in model.genotypes], dtype=float)
    if member.phenotype is not None:
        allowed = set(member.phenotype.compatible_genotypes(model.alleles))
        out *= np.array([g in allowed for g in model.genotypes], dtype=float)
    if member.level is not None:
        out *= _level_vector(member.level.level, member.level.inflamed, model.genotypes)
    return out


@cache
def _level_vector(level: Level, inflamed: bool, genotypes: tuple[Genotype, ...]) -> Array:
    vector = np.array([level_likelihood(level, g, inflamed=inflamed) for g in genotypes])
    vector.setflags(write=False)
    return vector


def severe_mask(model: AlleleModel) -> Array:
    """1 for genotypes whose severity class is severe or absent (read-only; computed once per genotype set)."""
    return _severe_mask(model.genotypes)


def carrier_mask(model: AlleleModel) -> Array:
    """1 for genotypes with exactly one deficiency allele (any allele not of the normal class; read-only)."""
    return _carrier_mask(model.genotypes)


@cache
def _severe_mask(genotypes: tuple[Genotype, ...]) -> Array:
    mask = np.array([genotype_severity(g) in _SEVERE for g in genotypes], dtype=float)
    mask.setflags(write=False)
    return mask


@cache
def _carrier_mask(genotypes: tuple[Genotype, ...]) -> Array:
    def deficient(name: str) -> bool:
        return is_deficiency_allele(get_allele(name))

    mask = np.array([deficient(g.first) + deficient(g.second) == 1 for g in genotypes], dtype=float)
    mask.setflags(write=False)
    return mask


# --- the network -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Network:
    """The pedigree as variables and factors ready for the junction tree."""

    variable_of: Mapping[str, int]
    n_vars: int
    scopes: tuple[tuple[int, ...], ...]
    tables: tuple[Array, ...]


def build_network(pedigree: Pedigree, model: AlleleModel) -> Network:
    """One variable per member (one per monozygotic twin set, one per unknown parent of a half-known pair)."""
    twin_root = {mid: group[0] for group in pedigree.twin_groups() for mid in group}
    variable_of: dict[str, int] = {}
    first_of: list[Member] = []
    evidence: list[Array] = []
    for m in pedigree.members:
        root = twin_root.get(m.id, m.id)
        e = evidence_vector(m, model)
        if root in variable_of:
            v = variable_of[m.id] = variable_of[root]
            evidence[v] = evidence[v] * e
        else:
            variable_of[m.id] = len(first_of)
            first_of.append(m)
            evidence.append(e)
    prior, transmission = founder_prior(model), transmission_table(model)
    scopes: list[tuple[int, ...]] = []
    tables: list[Array] = []
    n = len(first_of)
    for v, m in enumerate(first_of):
        if m.genetic_founder:  # adopted in: the recorded parents are not biological
            scopes.append((v,))
            tables.append(prior * evidence[v])
            continue
        parents = []
        for parent in (m.father, m.mother):
            if parent is None:  # one parent unknown: an unrelated founder of their own
                scopes.append((n,))
                tables.append(prior)
                parents.append(n)
                n += 1
            else:
                parents.append(variable_of[parent])
        scopes.append((v, parents[0], parents[1]))
        tables.append(transmission * evidence[v][:, None, None])
    return Network(variable_of, n, tuple(scopes), tuple(tables))


# --- genotype elimination and allele lumping ---------------------------------------------------------------------


def nuclear_families(network: Network) -> list[tuple[int, int, tuple[int, ...]]]:
    """(father, mother, children) variables of every couple with children in the network."""
    children: dict[tuple[int, int], list[int]] = {}
    for scope in network.scopes:
        if len(scope) == 3:
            children.setdefault((scope[1], scope[2]), []).append(scope[0])
    return [(f, m, tuple(kids)) for (f, m), kids in children.items()]


def eliminate_genotypes(network: Network, model: AlleleModel) -> list[NDArray[np.intp]]:
    """Each variable's genotypes (indices into ``model.genotypes``) that some consistent assignment uses.

    Genotype elimination (Lange & Goradia 1987; O'Connell & Weeks 1999): start from the
    genotypes each person's own evidence allows, then, nuclear family by nuclear family, keep
    only parental pairs that can give every child one of its remaining genotypes, and only
    the genotypes that appear in a kept pair (parents) or can come from one (children), until
    nothing changes. What is removed has probability zero given the evidence, so inference on
    the smaller tables is exact; a person left with nothing means the evidence is impossible
    (:class:`ImpossibleEvidence`).
    """
    own = {scope[0]: table for scope, table in zip(network.scopes, network.tables, strict=True)}
    allowed = [own[v].reshape(len(model.genotypes), -1).max(axis=1) > 0 for v in range(network.n_vars)]
    compatible = transmission_table(model) > 0
    changed = True
    while changed:
        check_time_budget("pedigree inference (genotype elimination)")
        changed = False
        for father, mother, children in nuclear_families(network):
            pairs = allowed[father][:, None] & allowed[mother][None, :]
            for child in children:
                pairs &= compatible[allowed[child]].any(axis=0)
            if not pairs.any():
                raise ImpossibleEvidence(father)
            updates = [(father, pairs.any(axis=1)), (mother, pairs.any(axis=0))]
            updates += [(child, allowed[child] & compatible[:, pairs].any(axis=1)) for child in children]
            for v, new in updates:
                if (new != allowed[v]).any():
                    allowed[v] = new
                    changed = True
    return [np.flatnonzero(a) for a in allowed]


def reduced_tables(network: Network, kept: Sequence[NDArray[np.intp]]) -> list[Array]:
    """Each factor table restricted to the kept genotypes of its variables."""
    return [np.ascontiguousarray(table[np.ix_(*(kept[u] for u in scope))])
            for scope, table in zip(network.scopes, network.tables, strict=True)]


def lumped_for_likelihood(pedigree: Pedigree, model: AlleleModel) -> AlleleModel:
    """The model with alleles no evidence can tell apart merged into one (exact for P(evidence) only).

    Allele lumping (O'Connell & Weeks 1995): when nobody has a phenotype or a level (which
    distinguish alleles by their bands and output), alleles absent from every genotype are
    interchangeable and one allele carrying their summed frequency gives the same likelihood
    with fewer genotypes. Posterior genotype probabilities do need them apart (and, in an
    inbred family, how their copies are shared), so only likelihood checks use this.
    """
    if any(m.phenotype is not None or m.level is not None for m in pedigree.members):
        return model
    named = family_alleles(pedigree)
    spare = [a for a in model.alleles if a not in named]
    if len(spare) < 2:
        return model
    keep = {a: p for a, p in model.frequencies.items() if a not in spare[1:]}
    keep[spare[0]] = sum(model.frequencies[a] for a in spare)
    return AlleleModel(keep, all_genotypes(keep), model.basis + f"; lumped {', '.join(spare)} for a likelihood")


# --- limits ------------------------------------------------------------------------------------------------------


DEFAULT_MEMORY_MB = 2048
DEFAULT_TIME_LIMIT_S = 300.0
MEMORY_ENV = "AATD_PEDIGREE_MEMORY_MB"
TIME_ENV = "AATD_PEDIGREE_TIME_LIMIT_S"


@dataclass(frozen=True, slots=True)
class ExactLimits:
    """How much memory one pass of exact inference may use, and how long a conditioned run may take.

    Settings, not clinical numbers: ``AATD_PEDIGREE_MEMORY_MB`` (default 2048 MB) and
    ``AATD_PEDIGREE_TIME_LIMIT_S`` (default 300 s) in the environment, or the CLI's
    ``--memory-budget`` and ``--time-limit``. Past the memory budget inference conditions on
    a cutset (time instead of memory); past the time limit it refuses and says how long
    conditioning would take.
    """

    memory_mb: float = DEFAULT_MEMORY_MB
    time_limit_s: float = DEFAULT_TIME_LIMIT_S

    def __post_init__(self) -> None:
        for name, value in (("memory_budget", self.memory_mb), ("time_limit", self.time_limit_s)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
                raise InputError(name, value, "a positive number (megabytes for the memory budget, seconds for "
                                 "the time limit)")

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb * 1024 * 1024)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ExactLimits:
        """The limits from ``AATD_PEDIGREE_MEMORY_MB`` / ``AATD_PEDIGREE_TIME_LIMIT_S`` (defaults when unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, float] = {}
        for key, name in ((MEMORY_ENV, "memory_mb"), (TIME_ENV, "time_limit_s")):
            text = env.get(key, "").strip()
            if text:
                try:
                    values[name] = float(text)
                except ValueError:
                    raise InputError(key, text, "a positive number") from None
        return cls(**values)


# --- results -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InferenceReport:
    """How the exact answer was computed (for the method statement and the benchmarks)."""

    heuristic: str
    """Elimination-order heuristic whose tree was cheapest."""
    clique_width: int
    """Variables in the largest clique of the cheapest tree without conditioning."""
    largest_clique_entries: int
    genotypes_kept: int
    """Genotype states left across all variables after genotype elimination."""
    genotypes_before: int
    cutset_members: tuple[str, ...] = ()
    """Members conditioned on (empty when one pass fitted the memory budget)."""
    cutset_states: int = 1

    def describe(self) -> str:
        text = (f"exact inference on the pedigree Bayesian network: genotype elimination kept "
                f"{self.genotypes_kept} of {self.genotypes_before} person-genotype states, calibrated junction "
                f"tree ({self.heuristic} order, largest clique {self.clique_width} people)")
        if self.cutset_members:
            text += (f", conditioned on {len(self.cutset_members)} members ({self.cutset_states:,} joint genotype "
                     "states summed) to stay within the memory budget")
        return text


@dataclass(frozen=True, slots=True)
class PedigreeResult:
    """Posterior genotype probabilities of every member given all the family's evidence."""

    pedigree: Pedigree
    model: AlleleModel
    marginals: Array
    """Rows: members in pedigree order; columns: ``model.genotypes``."""
    log_likelihood: float
    """Natural log of P(all evidence) (levels contribute densities per µmol/L)."""
    clique_width: int
    report: InferenceReport | None = None

    def row(self, member_id: str) -> Array:
        row: Array = self.marginals[self.pedigree.index[member_id]]
        return row

    def distribution(self, member_id: str) -> dict[Genotype, float]:
        """Posterior genotype probabilities of one member (zero-probability genotypes left out)."""
        return {g: float(p) for g, p in zip(self.model.genotypes, self.row(member_id), strict=True) if p > 0}

    def p_severe(self, member_id: str) -> float:
        """P(genotype whose severity class is severe or absent)."""
        return float(self.row(member_id) @ severe_mask(self.model))

    def p_carrier(self, member_id: str) -> float:
        """P(exactly one deficiency allele)."""
        return float(self.row(member_id) @ carrier_mask(self.model))

    @property
    def method(self) -> str:
        """One sentence saying how the answer was computed."""
        return self.report.describe() if self.report else "exact inference on the pedigree Bayesian network"


def infer(pedigree: Pedigree, model: AlleleModel, *, limits: ExactLimits | None = None,
          progress: Progress | None = None) -> PedigreeResult:
    """Exact posteriors for every member; raises :class:`PedigreeError` naming conflicting members.

    ``limits`` (default: :meth:`ExactLimits.from_environment`) bound the memory of one pass and
    the time of a conditioned run; ``progress`` is called with (done, total) joint cutset
    states during a conditioned run.
    """
    limits = limits or ExactLimits.from_environment()
    network = build_network(pedigree, model)
    try:
        kept = eliminate_genotypes(network, model)
        marginals, log_z, plan = _run(pedigree, network, kept, limits, progress)
    except ImpossibleEvidence:
        raise conflict_error(pedigree, model, limits) from None
    full = np.zeros((network.n_vars, len(model.genotypes)))
    for v, states in enumerate(kept):
        full[v, states] = marginals[v]
    rows = [network.variable_of[m.id] for m in pedigree.members]
    report = InferenceReport(
        heuristic=plan.full_plan.heuristic, clique_width=len(plan.full_plan.widest),
        largest_clique_entries=plan.full_plan.widest_entries, genotypes_kept=sum(len(k) for k in kept),
        genotypes_before=network.n_vars * len(model.genotypes),
        cutset_members=tuple(_members_of(network, plan.cutset)), cutset_states=plan.assignments)
    return PedigreeResult(pedigree, model, full[rows], log_z, report.clique_width, report)


def _run(pedigree: Pedigree, network: Network, kept: Sequence[NDArray[np.intp]], limits: ExactLimits,
         progress: Progress | None) -> tuple[list[Array], float, Conditioned]:
    cards = [len(k) for k in kept]
    try:
        return infer_marginals(cards, network.scopes, reduced_tables(network, kept),
                               budget_bytes=limits.memory_bytes, time_limit=limits.time_limit_s,
                               progress=progress)
    except TooComplex as exc:
        members = _members_of(network, exc.variables)
        raise PedigreeError("members", len(pedigree), "a pedigree exact inference can answer within the memory "
                            "budget and time limit", members=members,
                            hint=f"{exc} (limit {duration_text(limits.time_limit_s)}); {len(members)} intertwined "
                            "members, e.g. " + ", ".join(members[:8]) + ". Raise --memory-budget or --time-limit "
                            f"(or {MEMORY_ENV} / {TIME_ENV}) to run it") from None


def _members_of(network: Network, variables: Sequence[int]) -> list[str]:
    chosen = set(variables)
    seen: dict[int, str] = {}
    for member_id, v in network.variable_of.items():
        if v in chosen and v not in seen:
            seen[v] = member_id
    return [seen[v] for v in sorted(seen)]


def genotype_posteriors(pedigree: Pedigree, *, country: str | None = None,
                        frequencies: Mapping[str, float] | None = None, residual: bool | None = None,
                        limits: ExactLimits | None = None) -> PedigreeResult:
    """Exact genotype probabilities of every member given all evidence in the family.

    Founders follow Hardy-Weinberg with the allele frequencies of ``country`` (from the
    knowledge table) or explicit ``frequencies``; see :func:`allele_model` and :func:`infer`.
    """
    model = allele_model(pedigree, country=country, frequencies=frequencies, residual=residual)
    return infer(pedigree, model, limits=limits)


def evidence_probability(pedigree: Pedigree, model: AlleleModel, limits: ExactLimits | None = None) -> float:
    """log P(all evidence) by the collect pass alone, on the lumped model; -inf when impossible."""
    model = lumped_for_likelihood(pedigree, model)
    network = build_network(pedigree, model)
    try:
        kept = eliminate_genotypes(network, model)
        return _run(pedigree, network, kept, limits or ExactLimits.from_environment(), None)[1]
    except ImpossibleEvidence:
        return -math.inf


# --- Mendelian inconsistency -------------------------------------------------------------------------------------


def _consistent(pedigree: Pedigree, model: AlleleModel, subset: Sequence[str],
                limits: ExactLimits | None = None) -> bool:
    return math.isfinite(evidence_probability(pedigree.restricted(subset, subset), model, limits))


def smallest_conflict(pedigree: Pedigree, model: AlleleModel, budget: int = CONFLICT_SEARCH_BUDGET,
                      limits: ExactLimits | None = None) -> tuple[tuple[str, ...], bool]:
    """The smallest set of members whose evidence cannot all be true, and whether it is proven smallest.

    Subsets of tested members are checked by increasing size, each with the exact engine
    on the subset's ancestral sub-pedigree (other members cannot change its likelihood),
    until one is impossible. Past ``budget`` checks, an irreducible set is found instead
    by deletion filtering: drop each member in turn while the rest stays impossible.
    """
    tested = [m.id for m in pedigree.members if m.has_evidence]
    checks = 0
    for size in range(1, len(tested) + 1):
        if checks + math.comb(len(tested), size) > budget:
            break
        for subset in combinations(tested, size):
            checks += 1
            if not _consistent(pedigree, model, subset, limits):
                return subset, True
    kept = list(tested)
    for member_id in list(tested):
        trial = [x for x in kept if x != member_id]
        if trial and not _consistent(pedigree, model, trial, limits):
            kept = trial
    return tuple(kept), False


def conflict_error(pedigree: Pedigree, model: AlleleModel, limits: ExactLimits | None = None) -> PedigreeError:
    """The error naming the smallest set of members whose evidence conflicts."""
    members, smallest = smallest_conflict(pedigree, model, limits=limits)
    described = "; ".join(f"{x}: {_evidence_text(pedigree[x])}" for x in members)
    kind = "smallest" if smallest else "an irreducible"
    return PedigreeError("members", list(members), "evidence consistent with Mendelian inheritance",
                         members=members, hint=f"{kind} conflicting set: {described}")


def _evidence_text(m: Member) -> str:
    parts = []
    if m.genotype is not None:
        parts.append(f"genotype {m.genotype.canonical}")
    if m.phenotype is not None:
        parts.append(f"phenotype {m.phenotype.canonical}")
    if m.level is not None:
        parts.append(f"level {m.level.level}")
    return ", ".join(parts)


def with_prospective_child(pedigree: Pedigree, father: str, mother: str, child_id: str) -> Pedigree:
    """The pedigree plus an untested child of ``father`` and ``mother`` (validated like any member)."""
    for role, parent in (("father", father), ("mother", mother)):
        if parent not in pedigree:
            raise InputError(f"couple.{role}", parent, "the id of a member of the pedigree")
    if child_id in pedigree:
        raise InputError("couple", child_id, "a child id not used in the pedigree")
    members: Iterable[Member] = (*pedigree.members, Member(id=child_id, father=father, mother=mother))
    return build_pedigree(list(members))


def prospective_child(pedigree: Pedigree, model: AlleleModel, father: str, mother: str,
                      limits: ExactLimits | None = None) -> dict[Genotype, float]:
    """Genotype distribution of a future child of a couple, given everything known in the family.

    Exact even when the couple is related: the child is added to the network rather than
    mixing the parents' marginals (which would ignore the dependence between them).
    """
    result = infer(with_prospective_child(pedigree, father, mother, PROSPECTIVE_CHILD), model, limits=limits)
    return result.distribution(PROSPECTIVE_CHILD)


PROSPECTIVE_CHILD = "__prospective_child__"
"""Id of the untested child added by :func:`prospective_child` (refused if the pedigree already uses it)."""


def prospective_children(pedigree: Pedigree, model: AlleleModel, couples: Sequence[tuple[str, str]],
                         limits: ExactLimits | None = None) -> list[dict[Genotype, float]]:
    """:func:`prospective_child` of every couple in ``couples`` (same order), from one inference.

    A child with no evidence is a leaf of the network: adding it changes neither the likelihood
    of the evidence nor anyone else's posterior, so the children of all couples can be added at
    once and each one's distribution is the one :func:`prospective_child` gives for it alone
    (equal to rounding; tested in ``tests/family/test_inference.py``). One inference instead of one
    per couple: a 500-member chain has 249 couples. Invalid couples raise the error that
    :func:`prospective_child` raises for the first of them.
    """
    if not couples:
        return []
    prefix = PROSPECTIVE_CHILD
    while any(m.id.startswith(prefix) for m in pedigree.members):
        prefix += "_"
    ids = [f"{prefix}{k}" for k in range(len(couples))]
    try:
        if PROSPECTIVE_CHILD in pedigree or any(f not in pedigree or m not in pedigree for f, m in couples):
            raise InputError("couple", PROSPECTIVE_CHILD, "couples of members of the pedigree")
        added = build_pedigree([*pedigree.members, *(Member(id=child, father=f, mother=m)
                                                     for child, (f, m) in zip(ids, couples, strict=True))])
    except (InputError, PedigreeError):
        for f, m in couples:  # the error of the first invalid couple, exactly as prospective_child raises it
            with_prospective_child(pedigree, f, m, PROSPECTIVE_CHILD)
        raise
    result = infer(added, model, limits=limits)
    return [result.distribution(child) for child in ids]
