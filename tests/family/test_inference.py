"""Exact pedigree inference against brute-force enumeration, pgmpy and closed forms."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.errors import InputError, PedigreeError
from aatd.family.inference import (
    AlleleModel,
    ExactLimits,
    allele_model,
    build_network,
    eliminate_genotypes,
    evidence_probability,
    infer,
    lumped_for_likelihood,
    prior_parameters,
    prospective_child,
    prospective_children,
    smallest_conflict,
)
from aatd.family.pedigree import LevelEvidence, Member, Pedigree, Sex, build_pedigree, pedigree_from_json
from aatd.genetics.genotypes import Genotype, parse_phenotype
from aatd.genetics.inheritance import offspring_distribution
from aatd.genetics.levels import level_likelihood
from aatd.genetics.prevalence import hardy_weinberg
from aatd.genetics.units import Level

DATA = Path(__file__).parents[1] / "data" / "pedigrees"
NO_NULL = {"M": 0.9, "Z": 0.1, "Null": 0.0}


# --- an independent reference: sum over every joint assignment ----------------------------------------------------


def brute_force(pedigree: Pedigree, model: AlleleModel) -> tuple[np.ndarray, float]:
    """Posterior marginals by enumerating all genotype assignments (core inheritance/prevalence functions)."""
    genotypes = model.genotypes
    g_count, n = len(genotypes), len(pedigree)
    hw = hardy_weinberg(model.frequencies)
    prior = np.array([hw.get(g, 0.0) for g in genotypes])
    trans = np.zeros((g_count, g_count, g_count))
    for f, gf in enumerate(genotypes):
        for m, gm in enumerate(genotypes):
            for child, p in offspring_distribution(gf, gm).items():
                trans[genotypes.index(child), f, m] = p
    grid = np.indices((g_count,) * n).reshape(n, -1)
    weight = np.ones(grid.shape[1])
    first_twin = {x: group[0] for group in pedigree.twin_groups() for x in group}
    for i, member in enumerate(pedigree.members):
        a = grid[i]
        if first_twin.get(member.id, member.id) != member.id:  # a later MZ twin: equal to the first, no transmission
            weight *= a == grid[pedigree.index[first_twin[member.id]]]
        elif member.is_founder:
            weight *= prior[a]
        else:
            assert member.father is not None and member.mother is not None
            weight *= trans[a, grid[pedigree.index[member.father]], grid[pedigree.index[member.mother]]]
        if member.genotype is not None:
            weight *= np.array([g == member.genotype for g in genotypes])[a]
        if member.phenotype is not None:
            allowed = member.phenotype.compatible_genotypes(model.alleles)
            weight *= np.array([g in allowed for g in genotypes])[a]
        if member.level is not None:
            like = [level_likelihood(member.level.level, g, inflamed=member.level.inflamed) for g in genotypes]
            weight *= np.array(like)[a]
    total = weight.sum()
    marginals = np.array([np.bincount(grid[i], weights=weight, minlength=g_count) for i in range(n)])
    return marginals / total if total > 0 else marginals, float(total)


@st.composite
def small_pedigrees(draw: st.DrawFn, max_members: int = 6) -> tuple[Pedigree, dict[str, float]]:
    """Gene-dropped pedigrees whose parents are any earlier members: loops (inbreeding, half-sibs) arise freely."""
    alleles = draw(st.sampled_from([("M", "Z"), ("M", "S", "Z")]))
    freqs = {a: p for a, p in zip(alleles, (0.7, 0.2, 0.1)[: len(alleles)], strict=True)}
    freqs["M"] += 1.0 - sum(freqs.values())
    n = draw(st.integers(2, max_members if len(alleles) == 2 else max_members - 1))
    members: list[Member] = []
    carried: list[tuple[str, str]] = []
    for i in range(n):
        males = [m.id for m in members if m.sex is Sex.MALE]
        females = [m.id for m in members if m.sex is Sex.FEMALE]
        sex = draw(st.sampled_from([Sex.MALE, Sex.FEMALE]))
        father: str | None = None
        mother: str | None = None
        twin: Member | None = None
        if males and females and draw(st.booleans()):
            father, mother = draw(st.sampled_from(males)), draw(st.sampled_from(females))
            sibs = [m for m in members if (m.father, m.mother) == (father, mother) and m.mz_twin is None]
            if sibs and draw(st.integers(0, 4)) == 0:
                twin = sibs[0]
                sex = twin.sex
        if twin is not None:
            genes = carried[members.index(twin)]
        elif father is None:
            genes = (draw(st.sampled_from(alleles)), draw(st.sampled_from(alleles)))
        else:
            assert mother is not None
            genes = (draw(st.sampled_from(carried[int(father[1:])])), draw(st.sampled_from(carried[int(mother[1:])])))
        carried.append(genes)
        truth = Genotype.of(*genes)
        kind = draw(st.sampled_from(["none", "none", "genotype", "phenotype", "level"]))
        members.append(Member(
            id=f"i{i}", sex=sex, father=father, mother=mother, mz_twin=twin.id if twin else None,
            genotype=truth if kind == "genotype" else None,
            phenotype=parse_phenotype("".join(sorted({truth.first, truth.second}))) if kind == "phenotype" else None,
            level=LevelEvidence(Level.parse(draw(st.sampled_from([4, 15, 40, 120, 200])), "mg/dL"),
                                draw(st.sampled_from([None, 1.0, 20.0]))) if kind == "level" else None,
        ))
    return build_pedigree(members), freqs


@settings(max_examples=150, deadline=None)
@given(small_pedigrees())
def test_infer__matches_brute_force_enumeration(case: tuple[Pedigree, dict[str, float]]) -> None:
    pedigree, freqs = case
    model = allele_model(pedigree, frequencies=freqs)
    expected, total = brute_force(pedigree, model)
    assert total > 0  # gene-dropped evidence is always possible
    result = infer(pedigree, model)
    np.testing.assert_allclose(result.marginals, expected, rtol=0, atol=1e-9)
    assert result.log_likelihood == pytest.approx(np.log(total), rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(small_pedigrees(max_members=8), st.data())
def test_prospective_children__equal_one_inference_per_couple(
        case: tuple[Pedigree, dict[str, float]], data: st.DataObject) -> None:
    """All couples' children added at once give each child the distribution of adding it alone (the old way)."""
    pedigree, freqs = case
    males = [m.id for m in pedigree.members if m.sex is Sex.MALE]
    females = [m.id for m in pedigree.members if m.sex is Sex.FEMALE]
    if not males or not females:
        return
    couples = data.draw(st.lists(st.tuples(st.sampled_from(males), st.sampled_from(females)), min_size=1,
                                 max_size=6))
    model = allele_model(pedigree, frequencies=freqs)
    together = prospective_children(pedigree, model, couples)
    for (father, mother), got in zip(couples, together, strict=True):
        alone = prospective_child(pedigree, model, father, mother)
        assert got.keys() == alone.keys()
        assert got == pytest.approx(alone, rel=1e-12, abs=1e-12)


def test_prospective_children__raise_the_first_invalid_couples_error() -> None:
    """A bad couple gives the error prospective_child gives for it, naming the first bad couple in order."""
    ped = build_pedigree([Member("f", Sex.MALE), Member("m", Sex.FEMALE), Member("x", Sex.FEMALE)])
    model = allele_model(ped, frequencies={"M": 0.95, "Z": 0.05})
    for couples in ([("f", "m"), ("f", "nobody"), ("m", "f")], [("f", "m"), ("m", "f"), ("f", "nobody")]):
        bad = next(c for c in couples[1:])
        with pytest.raises(InputError) as alone:
            prospective_child(ped, model, *bad)
        with pytest.raises(InputError) as together:
            prospective_children(ped, model, couples)
        assert (together.value.field, together.value.value) == (alone.value.field, alone.value.value)
    used = build_pedigree([Member("f", Sex.MALE), Member("m", Sex.FEMALE), Member("__prospective_child__")])
    with pytest.raises(InputError, match="couple"):
        prospective_children(used, model, [("f", "m")])
    assert prospective_children(ped, model, []) == []


@settings(max_examples=60, deadline=None)
@given(small_pedigrees(max_members=5), st.data())
def test_prospective_child__matches_brute_force_with_the_child_added(
        case: tuple[Pedigree, dict[str, float]], data: st.DataObject) -> None:
    pedigree, freqs = case
    males = [m.id for m in pedigree.members if m.sex is Sex.MALE]
    females = [m.id for m in pedigree.members if m.sex is Sex.FEMALE]
    if not males or not females:
        return
    father, mother = data.draw(st.sampled_from(males)), data.draw(st.sampled_from(females))
    model = allele_model(pedigree, frequencies=freqs)
    with_child = build_pedigree([*pedigree.members, Member(id="kid", father=father, mother=mother)])
    expected, _ = brute_force(with_child, model)
    got = prospective_child(pedigree, model, father, mother)
    row = expected[with_child.index["kid"]]
    expected_child = dict(zip(model.genotypes, row, strict=True))
    assert {g: got.get(g, 0.0) for g in model.genotypes} == pytest.approx(expected_child, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(small_pedigrees())
def test_infer__rows_sum_to_one_and_genotyped_members_are_certain(case: tuple[Pedigree, dict[str, float]]) -> None:
    pedigree, freqs = case
    result = infer(pedigree, allele_model(pedigree, frequencies=freqs))
    np.testing.assert_allclose(result.marginals.sum(axis=1), 1.0, atol=1e-12)
    for m in pedigree.members:
        if m.genotype is not None:
            assert result.distribution(m.id) == pytest.approx({m.genotype: 1.0})


# --- pgmpy, an independent exact engine ---------------------------------------------------------------------------


def pgmpy_marginals(pedigree: Pedigree, model: AlleleModel) -> np.ndarray:
    """Marginals from pgmpy's VariableElimination on the same network (twins as identity CPDs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
    genotypes = model.genotypes
    g = len(genotypes)
    prior = [model.frequencies[x.first] * model.frequencies[x.second] * (1 if x.is_homozygous else 2)
             for x in genotypes]
    trans = np.zeros((g, g * g))
    for f, gf in enumerate(genotypes):
        for m, gm in enumerate(genotypes):
            for child, p in offspring_distribution(gf, gm).items():
                trans[genotypes.index(child), f * g + m] = p
    net = DiscreteBayesianNetwork()
    net.add_nodes_from(pedigree.ids)
    cpds, evidence = [], {}
    for member in pedigree.members:
        if member.mz_twin is not None and pedigree.index[member.mz_twin] < pedigree.index[member.id]:
            net.add_edge(member.mz_twin, member.id)
            cpds.append(TabularCPD(member.id, g, np.eye(g), evidence=[member.mz_twin], evidence_card=[g]))
        elif member.is_founder:
            cpds.append(TabularCPD(member.id, g, np.array(prior).reshape(g, 1)))
        else:
            net.add_edges_from([(member.father, member.id), (member.mother, member.id)])
            cpds.append(TabularCPD(member.id, g, trans, evidence=[member.father, member.mother],
                                   evidence_card=[g, g]))
        like = np.ones(g)
        if member.genotype is not None:
            like *= [x == member.genotype for x in genotypes]
        if member.phenotype is not None:
            allowed = member.phenotype.compatible_genotypes(model.alleles)
            like *= [x in allowed for x in genotypes]
        if member.level is not None:
            like *= [level_likelihood(member.level.level, x, inflamed=member.level.inflamed) for x in genotypes]
        if member.has_evidence:
            node = f"evidence:{member.id}"
            like = like / like.max()
            net.add_edge(member.id, node)
            cpds.append(TabularCPD(node, 2, np.vstack([1 - like, like]), evidence=[member.id], evidence_card=[g]))
            evidence[node] = 1
    net.add_cpds(*cpds)
    engine = VariableElimination(net)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for member_id in pedigree.ids:
            rows.append(engine.query([member_id], evidence=evidence, show_progress=False).values)
    return np.array(rows)


def medium_pedigree(seed: int, size: int = 24) -> Pedigree:
    """Three or four generations with first-cousin marriages, twins, genotypes and levels."""
    rng = np.random.default_rng(seed)
    members = [Member("g0", Sex.MALE), Member("g1", Sex.FEMALE)]
    genes = {"g0": ("M", "Z"), "g1": ("M", "S")}
    alleles = ["M", "S", "Z"]
    current = ["g0", "g1"]
    couples = [("g0", "g1")]
    while len(members) < size:
        f, m = couples[len(members) % len(couples)]
        cid = f"c{len(members)}"
        sex = Sex.MALE if rng.random() < 0.5 else Sex.FEMALE
        genes[cid] = (genes[f][rng.integers(2)], genes[m][rng.integers(2)])
        truth = Genotype.of(*genes[cid])
        roll = rng.random()
        members.append(Member(cid, sex, f, m, genotype=truth if roll < 0.3 else None,
                              level=LevelEvidence(Level.parse(float(rng.choice([20, 60, 110])), "mg/dL"))
                              if 0.3 <= roll < 0.45 else None))
        current.append(cid)
        men = [x.id for x in members if x.sex is Sex.MALE and x.father]
        women = [x.id for x in members if x.sex is Sex.FEMALE and x.father]
        if men and women and rng.random() < 0.35:
            couples.append((str(rng.choice(men)), str(rng.choice(women))))  # relatives marry: loops
        elif rng.random() < 0.3:
            spouse = f"s{len(members)}"
            genes[spouse] = (str(rng.choice(alleles)), str(rng.choice(alleles)))
            child = members[-1]
            members.append(Member(spouse, Sex.FEMALE if child.sex is Sex.MALE else Sex.MALE))
            couples.append((child.id, spouse) if child.sex is Sex.MALE else (spouse, child.id))
    return build_pedigree(members)


@pytest.mark.parametrize("seed", range(6))
def test_infer__matches_pgmpy_variable_elimination(seed: int) -> None:
    pedigree = medium_pedigree(seed)
    model = allele_model(pedigree, frequencies={"M": 0.93, "S": 0.04, "Z": 0.03})
    assert len(model.genotypes) == 6  # explicit M/S/Z summing to 1: no residual allele, as pgmpy is given
    result = infer(pedigree, model)
    np.testing.assert_allclose(result.marginals, pgmpy_marginals(pedigree, model), rtol=0, atol=1e-9)


def test_infer__matches_pgmpy_on_the_consanguineous_example_with_twins() -> None:
    import json

    pedigree = pedigree_from_json(json.loads((DATA / "consanguineous.json").read_text()))
    model = allele_model(pedigree, frequencies={"M": 0.97, "S": 0.01, "Z": 0.02})
    assert pedigree.consanguineous_couples() == (("c1", "c2"),)
    np.testing.assert_allclose(infer(pedigree, model).marginals, pgmpy_marginals(pedigree, model), atol=1e-9)


# --- closed forms ---------------------------------------------------------------------------------------------------


def trio(*, parents: tuple[str | None, str | None], proband: str = "ZZ") -> Pedigree:
    f, m = parents
    return build_pedigree([
        Member("f", Sex.MALE, genotype=None if f is None else Genotype.of(*f)),
        Member("m", Sex.FEMALE, genotype=None if m is None else Genotype.of(*m)),
        Member("p", Sex.FEMALE, "f", "m", genotype=Genotype.of(*proband), proband=True),
        Member("s", Sex.MALE, "f", "m"),
    ])


def test_infer__sibling_of_zz_proband_with_mz_parents_is_a_quarter_zz() -> None:
    ped = trio(parents=("MZ", "MZ"))
    result = infer(ped, allele_model(ped, frequencies=NO_NULL))
    got = {g.canonical: p for g, p in result.distribution("s").items()}
    assert got == pytest.approx({"MM": 0.25, "MZ": 0.5, "ZZ": 0.25})
    assert result.p_severe("s") == pytest.approx(0.25)
    assert result.p_carrier("s") == pytest.approx(0.5)


@pytest.mark.parametrize("q", [0.01, 0.02, 0.1])
def test_infer__sibling_of_zz_proband_with_untested_parents(q: float) -> None:
    # each parent transmits Z with probability q*1 + (1-q)/2 given a ZZ child: P(sibling ZZ) = ((1+q)/2)^2
    ped = trio(parents=(None, None))
    result = infer(ped, allele_model(ped, frequencies={"M": 1 - q, "Z": q, "Null": 0.0}))
    assert result.distribution("s")[Genotype.of("Z", "Z")] == pytest.approx(((1 + q) / 2) ** 2)


def test_prospective_child__of_mz_and_sz_parents() -> None:
    ped = build_pedigree([Member("f", Sex.MALE, genotype=Genotype.of("M", "Z")),
                          Member("m", Sex.FEMALE, genotype=Genotype.of("S", "Z"))])
    got = prospective_child(ped, allele_model(ped, frequencies={"M": 0.9, "S": 0.05, "Z": 0.05}), "f", "m")
    assert {g.canonical: p for g, p in got.items() if p > 0} == pytest.approx(
        {"MS": 0.25, "MZ": 0.25, "SZ": 0.25, "ZZ": 0.25})


def test_infer__mz_twin_shares_the_genotype() -> None:
    ped = build_pedigree([Member("f", Sex.MALE), Member("m", Sex.FEMALE),
                          Member("a", Sex.MALE, "f", "m", genotype=Genotype.of("S", "Z")),
                          Member("b", Sex.MALE, "f", "m", mz_twin="a")])
    result = infer(ped, allele_model(ped, frequencies=NO_NULL | {"S": 0.05, "M": 0.85}))
    assert result.distribution("b") == pytest.approx({Genotype.of("S", "Z"): 1.0})


# --- founder model and data table -----------------------------------------------------------------------------------


def test_allele_model__null_takes_the_cited_residual_from_m_when_asked() -> None:
    ped = trio(parents=(None, None))
    model = allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}, residual=True)
    residual = prior_parameters()["residual_allele_frequency"].value
    assert model.frequencies["Null"] == pytest.approx(residual)
    assert model.frequencies["M"] == pytest.approx(0.95 - residual)
    assert sum(model.frequencies.values()) == pytest.approx(1.0)


def test_allele_model__rare_family_allele_shares_the_residual_and_m_subtypes_fold() -> None:
    ped = build_pedigree([Member("a", genotype=Genotype.of("Mmalton", "Z")),
                          Member("b", genotype=Genotype.of("M2", "Z"))])
    model = allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}, residual=True)
    assert set(model.alleles) == {"M", "S", "Z", "Mmalton", "Null"}
    assert model.frequencies["Mmalton"] == pytest.approx(model.frequencies["Null"])
    assert infer(ped, model).distribution("b") == pytest.approx({Genotype.of("M", "Z"): 1.0})


def test_allele_model__explicit_frequencies_are_used_exactly() -> None:
    ped = trio(parents=(None, None))
    model = allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02})
    assert dict(model.frequencies) == {"M": 0.95, "S": 0.03, "Z": 0.02}
    assert len(model.genotypes) == 6  # MM MS MZ SS SZ ZZ: no residual Null
    assert "used exactly" in model.basis and "M 0.95, S 0.03, Z 0.02" in model.basis


def test_allele_model__zero_frequency_alleles_are_pruned() -> None:
    ped = trio(parents=(None, None))
    model = allele_model(ped, frequencies={"M": 0.9, "S": 0.0, "Z": 0.1, "Null": 0.0})
    assert model.alleles == ("M", "Z")
    assert [g.canonical for g in model.genotypes] == ["MM", "MZ", "ZZ"]


def test_allele_model__a_family_allele_without_frequency_is_named_unless_residual_asked() -> None:
    ped = build_pedigree([Member("a", genotype=Genotype.of("Mmalton", "Z"))])
    with pytest.raises(InputError, match="Mmalton") as info:
        allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02})
    assert info.value.field == "allele_frequencies.Mmalton" and "member a" in str(info.value)
    assert "Mmalton" in allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}, residual=True).alleles


def test_allele_model__a_country_adds_the_residual_allele_and_states_its_source() -> None:
    ped = trio(parents=(None, None))
    model = allele_model(ped, country="poland")
    assert "Null" in model.alleles and sum(model.frequencies.values()) == pytest.approx(1.0)
    assert model.basis.startswith("country: Poland (S 17.5, Z 10.5 per 1000;") and "PMID 17693072" in model.basis


def test_allele_model__a_country_whose_survey_saw_no_z_still_serves_a_family_that_carries_z() -> None:
    # South Korea's survey found neither S nor Z in 392 alleles: a Z the family carries takes the cited
    # residual frequency (stated in the basis) instead of making the family impossible.
    ped = build_pedigree([Member("a", genotype=Genotype.of("M", "Z")), Member("b")])
    model = allele_model(ped, country="South Korea")
    assert "Z" in model.alleles and "S" not in model.alleles and model.frequencies["Z"] > 0
    assert "Z share the residual frequency" in model.basis and "country: South Korea (S 0, Z 0 per 1000;" in model.basis
    assert sum(model.frequencies.values()) == pytest.approx(1.0)


def test_prior_parameters__double_entry_of_the_sapaldia_derivation() -> None:
    # Ferrarotti 2012 Table 1: 34 rare + 8 novel deficient-variant carriers among 6057 genotyped subjects
    assert prior_parameters()["residual_allele_frequency"].value == pytest.approx((34 + 8) / (2 * 6057), abs=5e-6)


# --- inconsistency --------------------------------------------------------------------------------------------------


def _ped(*members: Member) -> Pedigree:
    return build_pedigree(list(members))


@pytest.mark.parametrize(("pedigree", "conflict"), [
    (_ped(Member("f", Sex.MALE, genotype=Genotype.of("M", "M")), Member("m", Sex.FEMALE),
          Member("c", Sex.MALE, "f", "m", genotype=Genotype.of("Z", "Z"))), ("f", "c")),
    (_ped(Member("f", Sex.MALE), Member("m", Sex.FEMALE),
          Member("a", Sex.MALE, "f", "m", genotype=Genotype.of("M", "M")),
          Member("b", Sex.MALE, "f", "m", genotype=Genotype.of("S", "S")),
          Member("x", Sex.MALE, genotype=Genotype.of("M", "Z")),
          Member("c", Sex.MALE, "f", "m", genotype=Genotype.of("Z", "Z"))), ("a", "b", "c")),
    (_ped(Member("f", Sex.MALE), Member("m", Sex.FEMALE),
          Member("a", Sex.MALE, "f", "m", genotype=Genotype.of("M", "Z")),
          Member("b", Sex.MALE, "f", "m", mz_twin="a", genotype=Genotype.of("M", "M"))), ("a", "b")),
    (_ped(Member("a", genotype=Genotype.of("Null", "Null"),
                 level=LevelEvidence(Level.parse(120, "mg/dL")))), ("a",)),
])
def test_infer__mendelian_inconsistency_names_the_smallest_conflicting_set(
        pedigree: Pedigree, conflict: tuple[str, ...]) -> None:
    model = allele_model(pedigree, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}, residual=True)
    with pytest.raises(PedigreeError, match="smallest conflicting set") as info:
        infer(pedigree, model)
    assert info.value.members == conflict
    assert info.value.field == "members"


def test_smallest_conflict__falls_back_to_an_irreducible_set_past_the_budget() -> None:
    ped = _ped(Member("f", Sex.MALE, genotype=Genotype.of("M", "M")), Member("m", Sex.FEMALE),
               Member("c", Sex.MALE, "f", "m", genotype=Genotype.of("Z", "Z")),
               Member("d", Sex.MALE, "f", "m", genotype=Genotype.of("M", "M")))
    members, smallest = smallest_conflict(ped, allele_model(ped, frequencies=NO_NULL), budget=2)
    assert not smallest
    assert set(members) == {"f", "c"}


# --- stability on a large pedigree ----------------------------------------------------------------------------------


def chain_pedigree(generations: int) -> Pedigree:
    """A long line of descent with a married-in spouse and two children per generation; ZZ at the bottom."""
    members = [Member("a0", Sex.MALE)]
    for k in range(1, generations + 1):
        spouse = Member(f"w{k}", Sex.FEMALE, genotype=Genotype.of("M", "Z") if k % 7 == 0 else None)
        members += [spouse, Member(f"a{k}", Sex.MALE, f"a{k - 1}", f"w{k}"),
                    Member(f"b{k}", Sex.FEMALE, f"a{k - 1}", f"w{k}", genotype=Genotype.of("M", "M")
                           if k % 5 == 0 else None)]
    members.append(Member("z", Sex.FEMALE, f"a{generations}", "w1", genotype=Genotype.of("Z", "Z")))
    return build_pedigree(members)


def test_infer__stable_on_thousands_of_members() -> None:
    ped = chain_pedigree(3000)
    result = infer(ped, allele_model(ped, frequencies={"M": 0.95, "S": 0.03, "Z": 0.02}))
    assert np.isfinite(result.marginals).all()
    np.testing.assert_allclose(result.marginals.sum(axis=1), 1.0, atol=1e-12)
    assert np.isfinite(result.log_likelihood) and result.log_likelihood < -100  # far below float underflow of P
    # the line's founder is an obligate-ish Z carrier far up: still a valid, non-degenerate distribution
    assert 0.0 < result.p_carrier("a2999") < 1.0


def test_brute_force_reference__agrees_with_itself_on_a_product_form() -> None:
    # two unrelated founders, no evidence: the reference gives Hardy-Weinberg for each
    ped = build_pedigree([Member("a"), Member("b")])
    model = allele_model(ped, frequencies=NO_NULL)
    marginals, total = brute_force(ped, model)
    hw = hardy_weinberg(model.frequencies)
    assert total == pytest.approx(1.0)
    assert marginals[0] == pytest.approx([hw.get(g, 0.0) for g in model.genotypes])


# --- bounded memory: genotype elimination, elimination orders, conditioning (issue 18) -----------------------------

TINY = ExactLimits(memory_mb=1e-4, time_limit_s=600)
"""About 100 bytes: every network with a loop (or a table over two people) is solved by conditioning."""


@settings(max_examples=80, deadline=None)
@given(small_pedigrees())
def test_infer__conditioning_on_a_cutset_matches_brute_force(case: tuple[Pedigree, dict[str, float]]) -> None:
    pedigree, freqs = case
    model = allele_model(pedigree, frequencies=freqs)
    expected, total = brute_force(pedigree, model)
    result = infer(pedigree, model, limits=TINY)
    np.testing.assert_allclose(result.marginals, expected, rtol=0, atol=1e-9)
    assert result.log_likelihood == pytest.approx(np.log(total), rel=1e-9, abs=1e-9)


def sib_mating(generations: int) -> Pedigree:
    """Brother-sister mating for several generations (the most inbred family there is), ZZ at the bottom."""
    members = [Member("f0", Sex.MALE), Member("m0", Sex.FEMALE)]
    for k in range(1, generations + 1):
        members += [Member(f"f{k}", Sex.MALE, f"f{k - 1}", f"m{k - 1}"),
                    Member(f"m{k}", Sex.FEMALE, f"f{k - 1}", f"m{k - 1}",
                           level=LevelEvidence(Level.parse(60, "mg/dL")) if k == 2 else None)]
    members.append(Member("p", Sex.FEMALE, f"f{generations}", f"m{generations}", genotype=Genotype.of("Z", "Z")))
    return build_pedigree(members)


@pytest.mark.parametrize("limits", [None, TINY], ids=["one pass", "conditioned"])
def test_infer__sib_mating_matches_brute_force(limits: ExactLimits | None) -> None:
    pedigree = sib_mating(2)
    model = allele_model(pedigree, frequencies={"M": 0.9, "S": 0.06, "Z": 0.04})
    expected, _ = brute_force(pedigree, model)
    result = infer(pedigree, model, limits=limits)
    np.testing.assert_allclose(result.marginals, expected, rtol=0, atol=1e-9)
    assert (result.report is not None) and (bool(result.report.cutset_members) == (limits is TINY))


@settings(max_examples=60, deadline=None)
@given(small_pedigrees())
def test_genotype_elimination__keeps_every_genotype_with_positive_posterior(
        case: tuple[Pedigree, dict[str, float]]) -> None:
    pedigree, freqs = case
    model = allele_model(pedigree, frequencies=freqs)
    expected, _ = brute_force(pedigree, model)
    network = build_network(pedigree, model)
    kept = eliminate_genotypes(network, model)
    for i, member in enumerate(pedigree.members):
        support = set(np.flatnonzero(expected[i] > 0))
        assert support <= set(kept[network.variable_of[member.id]].tolist())


def test_genotype_elimination__removes_what_the_family_rules_out() -> None:
    # father MM, child MZ: the mother must carry Z; the untested sibling cannot be ZZ
    ped = build_pedigree([Member("f", Sex.MALE, genotype=Genotype.of("M", "M")), Member("m", Sex.FEMALE),
                          Member("c", Sex.MALE, "f", "m", genotype=Genotype.of("M", "Z")),
                          Member("s", Sex.FEMALE, "f", "m")])
    model = allele_model(ped, frequencies={"M": 0.9, "S": 0.05, "Z": 0.05})
    network = build_network(ped, model)
    kept = eliminate_genotypes(network, model)
    names = {mid: {model.genotypes[i].canonical for i in kept[network.variable_of[mid]]} for mid in ped.ids}
    assert names["m"] == {"MZ", "SZ", "ZZ"}
    assert names["s"] == {"MM", "MS", "MZ"}
    assert infer(ped, model).report.genotypes_kept == 1 + 3 + 1 + 3  # type: ignore[union-attr]


def test_infer__refuses_past_the_time_limit_and_says_how_long_conditioning_would_take() -> None:
    pedigree = medium_pedigree(3, size=40)
    model = allele_model(pedigree, frequencies={"M": 0.93, "S": 0.04, "Z": 0.03})
    with pytest.raises(PedigreeError, match="would take about") as info:
        infer(pedigree, model, limits=ExactLimits(memory_mb=1e-4, time_limit_s=1e-6))
    message = str(info.value)
    assert "memory budget" in message and "--time-limit" in message and info.value.members


def test_evidence_probability__lumping_spare_alleles_keeps_the_likelihood() -> None:
    ped = build_pedigree([Member("f", Sex.MALE, genotype=Genotype.of("M", "Z")), Member("m", Sex.FEMALE),
                          Member("c", Sex.MALE, "f", "m", genotype=Genotype.of("Z", "Z")),
                          Member("d", Sex.FEMALE, "f", "m")])
    model = allele_model(ped, country="Spain")  # M, S, Z, Null: S and Null are spare (named by no genotype)
    lumped = lumped_for_likelihood(ped, model)
    assert len(lumped.alleles) == len(model.alleles) - 1
    assert evidence_probability(ped, model) == pytest.approx(infer(ped, model).log_likelihood, abs=1e-12)


def test_exact_limits__read_from_the_environment_and_checked() -> None:
    limits = ExactLimits.from_environment({"AATD_PEDIGREE_MEMORY_MB": "512", "AATD_PEDIGREE_TIME_LIMIT_S": "30"})
    assert limits == ExactLimits(memory_mb=512, time_limit_s=30)
    assert ExactLimits.from_environment({}) == ExactLimits()
    with pytest.raises(InputError, match="AATD_PEDIGREE_MEMORY_MB"):
        ExactLimits.from_environment({"AATD_PEDIGREE_MEMORY_MB": "lots"})
    with pytest.raises(InputError, match="memory_budget"):
        ExactLimits(memory_mb=0)


@settings(max_examples=25, deadline=None)
@given(small_pedigrees())
def test_infer__explicit_msz_frequencies_match_pgmpy_on_random_looped_pedigrees(
        case: tuple[Pedigree, dict[str, float]]) -> None:
    pedigree, freqs = case
    model = allele_model(pedigree, frequencies=freqs)
    assert "Null" not in model.alleles  # the frequencies are honoured exactly
    np.testing.assert_allclose(infer(pedigree, model).marginals, pgmpy_marginals(pedigree, model), rtol=0, atol=1e-9)
