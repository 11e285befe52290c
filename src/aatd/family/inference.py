"""Exact posterior genotype probabilities for every member of a pedigree.

The model is the pedigree Bayesian network (Elston & Stewart 1971; Lauritzen & Sheehan
2003): one genotype variable per person (monozygotic twins share one); founders drawn
from Hardy-Weinberg proportions of the founder allele frequencies; each child receives
one allele from each parent with probability 1/2 each; each person's evidence is a
likelihood vector over genotypes (1/0 for a genotype or a set of IEF-compatible
genotypes, the level model's density for a serum level, their product for several).
Inference is exact, by the calibrated clique tree of :mod:`aatd.family._junction_tree`, so
loops (consanguinity, double first cousins, several marriages) need no approximation.

Founder alleles: M, S and Z from the chosen country's survey (or explicit frequencies),
every other allele present in the family, and ``Null`` as the bucket for "another,
unknown deficiency allele". The alleles without a frequency of their own share the
residual frequency of ``pedigree_priors.csv``, taken from M. Normal M subtypes (M1, M2,
M3) are read as M.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np

from aatd.errors import DataError, InputError, PedigreeError
from aatd.family._junction_tree import (
    Array,
    CliqueTree,
    ImpossibleEvidence,
    TooComplex,
    calibrate,
    compile_tree,
    log_likelihood,
)
from aatd.family.pedigree import Member, Pedigree, build_pedigree
from aatd.genetics.alleles import allele_catalogue, get_allele, is_deficiency_allele
from aatd.genetics.genotypes import Genotype, all_genotypes
from aatd.genetics.levels import Severity, genotype_severity, level_likelihood
from aatd.genetics.prevalence import country_allele_frequencies, validate_frequencies
from aatd.genetics.units import Level
from aatd.knowledge import read_table

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
        if m.genotype is not None:
            g = fold_genotype(m.genotype)
            found |= {g.first, g.second}
        if m.phenotype is not None:
            found |= {_band_allele()[b] for b in m.phenotype.bands}
    return found


def allele_model(pedigree: Pedigree, *, country: str | None = None,
                 frequencies: Mapping[str, float] | None = None) -> AlleleModel:
    """Founder frequencies from ``country`` or explicit ``frequencies``, extended to the family's alleles."""
    if (country is None) == (frequencies is None):
        raise InputError("allele_frequencies", None, "either a country or explicit allele frequencies",
                         hint="give 'country' or 'allele_frequencies' (CLI: --country or --freq)")
    if country is not None:
        given = country_allele_frequencies(country)
        basis = f"country: {country}"
    else:
        assert frequencies is not None
        given = validate_frequencies(frequencies)
        basis = "explicit allele frequencies"
    folded: dict[str, float] = {}
    for name, p in given.items():
        key = fold_allele(name)
        folded[key] = folded.get(key, 0.0) + p
    folded.setdefault("M", 0.0)
    extra = sorted((family_alleles(pedigree) | {NULL_ALLELE}) - set(folded))
    if extra:
        residual = prior_parameters()["residual_allele_frequency"].value
        if folded["M"] < residual:
            raise InputError("allele_frequencies.M", folded["M"], f"at least {residual:g}",
                             hint="the residual frequency of other alleles is taken from M")
        folded["M"] -= residual
        for name in extra:
            folded[name] = residual / len(extra)
        basis += f"; {', '.join(extra)} share the residual frequency {residual:g}"
    rank = {a.allele: (a.sort_order, a.allele) for a in allele_catalogue()}
    ordered = {a: folded[a] for a in sorted(folded, key=rank.__getitem__)}
    return AlleleModel(ordered, all_genotypes(ordered), basis)


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
    """1 for genotypes whose severity class is severe or absent."""
    return np.array([genotype_severity(g) in _SEVERE for g in model.genotypes], dtype=float)


def carrier_mask(model: AlleleModel) -> Array:
    """1 for genotypes with exactly one deficiency allele (any allele not of the normal class)."""
    def deficient(name: str) -> bool:
        return is_deficiency_allele(get_allele(name))

    return np.array([deficient(g.first) + deficient(g.second) == 1 for g in model.genotypes], dtype=float)


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
        if m.is_founder:
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


# --- results -----------------------------------------------------------------------------------------------------


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


def infer(pedigree: Pedigree, model: AlleleModel) -> PedigreeResult:
    """Exact posteriors for every member; raises :class:`PedigreeError` naming conflicting members."""
    network, tree = compiled(pedigree, model)
    try:
        marginals, log_z = calibrate(tree, network.tables)
    except ImpossibleEvidence:
        raise conflict_error(pedigree, model) from None
    rows = [network.variable_of[m.id] for m in pedigree.members]
    return PedigreeResult(pedigree, model, marginals[rows], log_z, tree.width)


def genotype_posteriors(pedigree: Pedigree, *, country: str | None = None,
                        frequencies: Mapping[str, float] | None = None) -> PedigreeResult:
    """Exact genotype probabilities of every member given all evidence in the family.

    Founders follow Hardy-Weinberg with the allele frequencies of ``country`` (from the
    knowledge table) or explicit ``frequencies``; see :func:`allele_model` and :func:`infer`.
    """
    return infer(pedigree, allele_model(pedigree, country=country, frequencies=frequencies))


def compiled(pedigree: Pedigree, model: AlleleModel) -> tuple[Network, CliqueTree]:
    """The network and its junction tree; raises :class:`PedigreeError` when exact inference is infeasible."""
    network = build_network(pedigree, model)
    try:
        tree = compile_tree(network.n_vars, len(model.genotypes), network.scopes)
    except TooComplex as exc:
        members = [m for m, v in network.variable_of.items() if v in set(exc.variables)]
        raise PedigreeError("members", len(pedigree), "a pedigree whose loops allow exact inference",
                            members=members, hint=f"{exc}; {len(members)} intertwined members, e.g. "
                            + ", ".join(members[:8])) from None
    return network, tree


# --- Mendelian inconsistency -------------------------------------------------------------------------------------


def _consistent(pedigree: Pedigree, model: AlleleModel, subset: Sequence[str]) -> bool:
    network, tree = compiled(pedigree.restricted(subset, subset), model)
    try:
        log_likelihood(tree, network.tables)
    except ImpossibleEvidence:
        return False
    return True


def smallest_conflict(pedigree: Pedigree, model: AlleleModel,
                      budget: int = CONFLICT_SEARCH_BUDGET) -> tuple[tuple[str, ...], bool]:
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
            if not _consistent(pedigree, model, subset):
                return subset, True
    kept = list(tested)
    for member_id in list(tested):
        trial = [x for x in kept if x != member_id]
        if trial and not _consistent(pedigree, model, trial):
            kept = trial
    return tuple(kept), False


def conflict_error(pedigree: Pedigree, model: AlleleModel) -> PedigreeError:
    """The error naming the smallest set of members whose evidence conflicts."""
    members, smallest = smallest_conflict(pedigree, model)
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


def prospective_child(pedigree: Pedigree, model: AlleleModel, father: str, mother: str) -> dict[Genotype, float]:
    """Genotype distribution of a future child of a couple, given everything known in the family.

    Exact even when the couple is related: the child is added to the network rather than
    mixing the parents' marginals (which would ignore the dependence between them).
    """
    child_id = "__prospective_child__"
    result = infer(with_prospective_child(pedigree, father, mother, child_id), model)
    return result.distribution(child_id)
