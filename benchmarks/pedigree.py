"""Time aatd's exact pedigree engine against pgmpy's VariableElimination on the same networks.

Run: ``.venv/bin/python benchmarks/pedigree.py [--cap SECONDS] [--isolates-only]``. Pedigrees are simulated
by gene dropping (seeded): a 3-generation family, a 200-member loop-free pedigree, a
1,000-member pedigree with first-cousin marriages (loops), and 10,000 members with
loops (aatd alone). 30% of members are genotyped, 10% have a serum level.

aatd is timed end to end (network, junction tree, both passes: all marginals), best of
three. pgmpy answers one query per member (it has no all-marginals call), each exact;
when the queries would exceed ``--cap`` seconds, the first queries are timed and the
total is extrapolated per query (said in the table). The two engines' marginals are
compared on the members pgmpy answered. Results go to ``benchmarks/results/pedigree.md``.

Isolate families (issue 18): random mating within small groups of six for 8-12 generations
(the 300-member families are five groups with occasional marriages between neighbouring
groups; a 24-member, 4-generation family is added as the largest one pedprobr finishes),
10% of members genotyped and a serum level for every other member. Each case runs
in its own process (peak memory read from the process), with explicit M/S/Z frequencies
summing to 1 (six genotypes) and with a country's frequencies (Spain: M, S, Z and the
residual Null, ten genotypes), under the default limits (2 GB, 300 s). The peers, pgmpy
(one exact query per member) and pedprobr (R; one ``oneMarkerDistribution`` per member),
each get a wall-clock limit in the same run (`--pgmpy-limit`, `--pedprobr-limit`).

pedprobr (Vigeland's pedsuite) takes genotypes only: it has no way to enter a serum level.
It is therefore compared on the same families with the levels left out, against aatd on
that same genotype-only evidence (``--pedprobr-limit``). It is run through ``Rscript`` when
R and pedprobr are installed (``R_LIBS`` may point at a private library), and skipped with
the reason otherwise; nothing here installs or downloads it. ``--pedprobr-check N`` compares
all marginals of N random looped pedigrees (cousin marriages, explicit M/S/Z frequencies
summing to 1, genotypes only) with pedprobr's and reports the largest difference.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing as mp
import os
import platform
import random
import resource
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from aatd.errors import PedigreeError
from aatd.family.inference import AlleleModel, ExactLimits, PedigreeResult, allele_model, infer
from aatd.family.pedigree import LevelEvidence, Member, Pedigree, Sex, build_pedigree
from aatd.genetics.genotypes import Genotype
from aatd.genetics.inheritance import offspring_distribution
from aatd.genetics.levels import level_likelihood
from aatd.genetics.units import Level

FREQS = {"M": 0.95, "S": 0.03, "Z": 0.02}
RESULTS = Path(__file__).parent / "results" / "pedigree.md"


def simulate(n_target: int, cousin_rate: float, seed: int) -> Pedigree:
    """Gene-dropped pedigree grown generation by generation; ``cousin_rate`` of marriages are first cousins."""
    rng = random.Random(seed)
    members: list[Member] = []
    alleles: dict[str, tuple[str, str]] = {}
    sex: dict[str, Sex] = {}
    parents: dict[str, tuple[str | None, str | None]] = {}

    def add(s: Sex, father: str | None = None, mother: str | None = None) -> str:
        mid = f"i{len(members)}"
        if father is None or mother is None:
            al = (rng.choices(list(FREQS), weights=list(FREQS.values()))[0],
                  rng.choices(list(FREQS), weights=list(FREQS.values()))[0])
        else:
            al = (rng.choice(alleles[father]), rng.choice(alleles[mother]))
        alleles[mid], sex[mid], parents[mid] = al, s, (father, mother)
        roll = rng.random()
        genotype = Genotype.of(*al) if roll < 0.3 else None
        level = LevelEvidence(Level.parse(rng.choice([25, 60, 90, 130]), "mg/dL")) if 0.3 <= roll < 0.4 else None
        members.append(Member(id=mid, sex=s, father=father, mother=mother, genotype=genotype, level=level))
        return mid

    def grandparents(x: str) -> set[str]:
        return {g for p in parents[x] if p for g in parents[p] if g}

    generation = [add(Sex.MALE), add(Sex.FEMALE)]
    while len(members) < n_target:
        by_grandparent: dict[str, list[str]] = {}
        for x in generation:
            for g in grandparents(x):
                by_grandparent.setdefault(g, []).append(x)
        married: set[str] = set()
        following: list[str] = []
        order = list(generation)
        rng.shuffle(order)
        for p in order:
            if p in married or len(members) >= n_target:
                continue
            married.add(p)
            spouse = None
            if rng.random() < cousin_rate:
                cousins = [q for g in grandparents(p) for q in by_grandparent.get(g, ())
                           if q not in married and sex[q] is not sex[p] and parents[q] != parents[p]]
                if cousins:
                    spouse = rng.choice(cousins)
                    married.add(spouse)
            if spouse is None:
                spouse = add(Sex.FEMALE if sex[p] is Sex.MALE else Sex.MALE)
            f, m = (p, spouse) if sex[p] is Sex.MALE else (spouse, p)
            for _ in range(rng.choice([1, 2, 2, 3, 3])):
                if len(members) >= n_target:
                    break
                following.append(add(rng.choice([Sex.MALE, Sex.FEMALE]), f, m))
        generation = following or generation
    return build_pedigree(members)


def three_generations() -> Pedigree:
    """Grandparents, their three children with spouses, and seven grandchildren; a ZZ proband."""
    zz, mz = Genotype.of("Z", "Z"), Genotype.of("M", "Z")
    rows = [("gf", Sex.MALE, None, None, None), ("gm", Sex.FEMALE, None, None, None),
            ("a", Sex.MALE, "gf", "gm", mz), ("aw", Sex.FEMALE, None, None, None),
            ("b", Sex.FEMALE, "gf", "gm", None), ("bh", Sex.MALE, None, None, None),
            ("c", Sex.MALE, "gf", "gm", None), ("cw", Sex.FEMALE, None, None, mz)]
    rows += [(f"a{k}", Sex.MALE if k % 2 else Sex.FEMALE, "a", "aw", zz if k == 1 else None) for k in range(1, 4)]
    rows += [(f"b{k}", Sex.FEMALE, "bh", "b", None) for k in range(1, 3)]
    rows += [(f"c{k}", Sex.MALE, "c", "cw", None) for k in range(1, 3)]
    return build_pedigree([Member(i, s, f, m, genotype=g) for i, s, f, m, g in rows])


def pgmpy_engine(pedigree: Pedigree, model: AlleleModel) -> tuple[object, dict[str, int]]:
    """The same Bayesian network in pgmpy, evidence as observed likelihood children."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
    genotypes = model.genotypes
    g = len(genotypes)
    prior = np.array([model.frequencies[x.first] * model.frequencies[x.second] * (1 if x.is_homozygous else 2)
                      for x in genotypes]).reshape(g, 1)
    trans = np.zeros((g, g * g))
    for f, gf in enumerate(genotypes):
        for m, gm in enumerate(genotypes):
            for child, p in offspring_distribution(gf, gm).items():
                trans[genotypes.index(child), f * g + m] = p
    net = DiscreteBayesianNetwork()
    net.add_nodes_from(pedigree.ids)
    cpds = []
    evidence: dict[str, int] = {}
    for member in pedigree.members:
        if member.is_founder:
            cpds.append(TabularCPD(member.id, g, prior))
        else:
            net.add_edges_from([(member.father, member.id), (member.mother, member.id)])
            cpds.append(TabularCPD(member.id, g, trans, evidence=[member.father, member.mother],
                                   evidence_card=[g, g]))
        if member.has_evidence:
            like = np.ones(g)
            if member.genotype is not None:
                like *= [x == member.genotype for x in genotypes]
            if member.level is not None:
                like *= [level_likelihood(member.level.level, x) for x in genotypes]
            like = like / like.max()
            node = f"evidence:{member.id}"
            net.add_edge(member.id, node)
            cpds.append(TabularCPD(node, 2, np.vstack([1 - like, like]), evidence=[member.id], evidence_card=[g]))
            evidence[node] = 1
    net.add_cpds(*cpds)
    return VariableElimination(net), evidence


def time_aatd(pedigree: Pedigree, model: AlleleModel) -> tuple[float, PedigreeResult]:
    best, result = float("inf"), None
    for _ in range(3):
        start = time.perf_counter()
        result = infer(pedigree, model)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def time_pgmpy(pedigree: Pedigree, model: AlleleModel, result: PedigreeResult,
               cap: float) -> tuple[float, int, float]:
    """(seconds for all members, possibly extrapolated; members queried; max |difference| from aatd)."""
    start = time.perf_counter()
    engine, evidence = pgmpy_engine(pedigree, model)
    build = time.perf_counter() - start
    start = time.perf_counter()
    diff, done = 0.0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for member_id in pedigree.ids:
            values = engine.query([member_id], evidence=evidence, show_progress=False).values  # type: ignore[attr-defined]
            diff = max(diff, float(np.abs(values - result.row(member_id)).max()))
            done += 1
            if time.perf_counter() - start > cap:
                break
    spent = time.perf_counter() - start
    return build + spent * len(pedigree) / done, done, diff


# --- pedprobr (R) as a peer -----------------------------------------------------------------------------------------

PEDPROBR_SCRIPT = r"""
suppressMessages(library(pedprobr))
args <- commandArgs(TRUE)
tab <- read.delim(args[1], colClasses = "character", na.strings = character())
alleles <- strsplit(args[2], ",")[[1]]
afreq <- as.numeric(strsplit(args[3], ",")[[1]])
x <- ped(id = tab$id, fid = tab$fid, mid = tab$mid, sex = as.integer(tab$sex))
typed <- tab$geno != ""
geno <- setNames(tab$geno[typed], tab$id[typed])
x <- addMarker(x, geno = geno, alleles = alleles, afreq = afreq)
start <- proc.time()[["elapsed"]]
out <- file(args[4], "w")
for (id in tab$id) {
  d <- oneMarkerDistribution(x, id, verbose = FALSE)
  writeLines(paste(id, names(d), sprintf("%.17g", as.numeric(d)), sep = "\t"), out)
}
close(out)
cat(sprintf("%.6f\n", proc.time()[["elapsed"]] - start))
"""


def pedprobr_missing() -> str | None:
    """Why pedprobr cannot be run here (None when ``Rscript`` and the package are available)."""
    if shutil.which("Rscript") is None:
        return "Rscript is not on PATH (R is not installed)"
    probe = subprocess.run(["Rscript", "-e", "suppressMessages(library(pedprobr))"],
                           capture_output=True, text=True, check=False, env=os.environ.copy())
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines() or ["no message"]
        return "the R package pedprobr cannot be loaded (" + next((x for x in lines if "package" in x), lines[0]) + ")"
    return None


def pedprobr_version() -> str:
    out = subprocess.run(["Rscript", "-e", "cat(R.version.string, '; pedprobr', format(packageVersion('pedprobr')), "
                          "'; pedtools', format(packageVersion('pedtools')))"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


def genotypes_only(pedigree: Pedigree) -> Pedigree:
    """The same family with every serum level removed (pedprobr takes genotypes only)."""
    return build_pedigree([dataclasses.replace(m, level=None) for m in pedigree.members])


def pedprobr_marginals(pedigree: Pedigree, freqs: dict[str, float],
                       limit: float) -> tuple[float, float, dict[str, dict[str, float]]] | None:
    """(seconds inside R for all marginals, wall seconds including R start-up, {member: {genotype: p}}).

    None when pedprobr does not finish within ``limit`` seconds. Genotypes are keyed by their
    canonical name (``MZ``), as aatd names them.
    """
    with tempfile.TemporaryDirectory() as tmp:
        table, script, result = Path(tmp, "ped.tsv"), Path(tmp, "marginals.R"), Path(tmp, "out.tsv")
        script.write_text(PEDPROBR_SCRIPT, encoding="utf-8")
        lines = ["id\tfid\tmid\tsex\tgeno"]
        for m in pedigree.members:
            sex = {Sex.MALE: "1", Sex.FEMALE: "2"}.get(m.sex, "0")
            geno = f"{m.genotype.first}/{m.genotype.second}" if m.genotype else ""
            lines.append(f"{m.id}\t{m.father or '0'}\t{m.mother or '0'}\t{sex}\t{geno}")
        table.write_text("\n".join(lines) + "\n", encoding="utf-8")
        start = time.perf_counter()
        try:
            run = subprocess.run(["Rscript", str(script), str(table), ",".join(freqs),
                                  ",".join(repr(v) for v in freqs.values()), str(result)],
                                 capture_output=True, text=True, timeout=limit, check=False)
        except subprocess.TimeoutExpired:
            return None
        wall = time.perf_counter() - start
        if run.returncode != 0:
            raise RuntimeError("pedprobr failed: " + run.stderr.strip()[-500:])
        marginals: dict[str, dict[str, float]] = {}
        for line in result.read_text(encoding="utf-8").splitlines():
            member, name, value = line.split("\t")
            marginals.setdefault(member, {})[Genotype.of(*name.split("/")).canonical] = float(value)
        return float(run.stdout.strip().splitlines()[-1]), wall, marginals


def max_difference(result: PedigreeResult, model: AlleleModel, peer: dict[str, dict[str, float]]) -> float:
    """Largest |aatd - pedprobr| over every member and genotype (genotypes absent on one side count as 0)."""
    names = [g.canonical for g in model.genotypes]
    worst = 0.0
    for member_id, theirs in peer.items():
        ours = dict(zip(names, (float(v) for v in result.row(member_id)), strict=True))
        for name in set(ours) | set(theirs):
            worst = max(worst, abs(ours.get(name, 0.0) - theirs.get(name, 0.0)))
    return worst


def random_frequencies(rng: random.Random) -> dict[str, float]:
    """Explicit M/S/Z frequencies summing to 1, S and Z anywhere from rare to common."""
    s, z = rng.uniform(0.005, 0.2), rng.uniform(0.005, 0.2)
    return {"M": 1.0 - s - z, "S": s, "Z": z}


def pedprobr_check(count: int, limit: float) -> list[dict[str, Any]]:
    """Compare all marginals with pedprobr on ``count`` random looped pedigrees (genotypes only)."""
    rng = random.Random(18)
    rows: list[dict[str, Any]] = []
    seed = 100
    while len(rows) < count:
        seed += 1
        pedigree = genotypes_only(simulate(rng.choice([40, 60, 80]), 0.5, seed))
        if not pedigree.consanguineous_couples():  # looped pedigrees only
            continue
        k = len(rows)
        freqs = random_frequencies(rng)
        model = allele_model(pedigree, frequencies=freqs)
        start = time.perf_counter()
        result = infer(pedigree, model)
        ours = time.perf_counter() - start
        peer = pedprobr_marginals(pedigree, freqs, limit)
        row: dict[str, Any] = {"n": len(pedigree), "loops": len(pedigree.consanguineous_couples()),
                               "genotypes": len(model.genotypes), "freqs": freqs, "aatd": ours}
        if peer is not None:
            row |= {"pedprobr": peer[0], "diff": max_difference(result, model, peer[2])}
        rows.append(row)
        print(f"pedigree {k + 1}: {row['n']} members, {row['loops']} consanguineous couples, "
              f"S={freqs['S']:.3f} Z={freqs['Z']:.3f}: aatd {ours:.3f} s, "
              + (f"pedprobr {row['pedprobr']:.2f} s, max diff {row['diff']:.1e}" if peer else "pedprobr timed out"),
              flush=True)
    return rows


def write_pedprobr_check(rows: list[dict[str, Any]], limit: float) -> None:
    done = [r for r in rows if "diff" in r]
    worst = max((r["diff"] for r in done), default=float("nan"))
    lines = [PEDPROBR_CHECK_HEADING, "",
             f"Command: `R_LIBS=<library> .venv/bin/python benchmarks/pedigree.py --pedprobr-check {len(rows)}` "
             f"({pedprobr_version()}). Random pedigrees grown with half the marriages between first cousins, 30% "
             "genotyped (no levels: pedprobr takes genotypes only), explicit M/S/Z frequencies summing to 1 drawn "
             "at random (S and Z from 0.005 to 0.2); pedigrees without a consanguineous couple are skipped. Every "
             "member's marginal is compared.", "",
             f"**Largest absolute difference over {len(done)} pedigrees: {worst:.1e}** "
             f"({len(rows) - len(done)} did not finish within {limit:g} s in pedprobr).", "",
             "| members | consanguineous couples | genotypes per person | S | Z | aatd (s) | pedprobr (s, in R) | "
             "max abs difference |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        peer = f"{r['pedprobr']:.2f} | {r['diff']:.1e}" if "diff" in r else f"timed out ({limit:g} s) | -"
        lines.append(f"| {r['n']} | {r['loops']} | {r['genotypes']} | {r['freqs']['S']:.3f} | {r['freqs']['Z']:.3f} "
                     f"| {r['aatd']:.3f} | {peer} |")
    _replace_section(PEDPROBR_CHECK_HEADING, "\n".join(lines) + "\n")


PEDPROBR_CHECK_HEADING = "## Explicit frequencies against pedprobr on random looped pedigrees (issue 18)"


# --- isolate families (issue 18) -----------------------------------------------------------------------------------


def isolate(group: int, generations: int, groups: int = 1, *, migration: float = 0.0, seed: int = 0,
            genotyped: float = 0.1) -> Pedigree:
    """Random mating inside ``groups`` groups of ``group`` people per generation (gene dropping, seeded).

    Each child's father is drawn from the previous generation of its group and its mother from
    the same group, or with probability ``migration`` from a neighbouring group. A share
    ``genotyped`` of members is genotyped; every other member has a serum level.
    """
    rng = random.Random(seed)
    members: list[Member] = []
    alleles: dict[str, tuple[str, str]] = {}
    sex: dict[str, Sex] = {}

    def add(s: Sex, father: str | None = None, mother: str | None = None) -> str:
        mid = f"i{len(members)}"
        if father is None or mother is None:
            al = (rng.choices(list(FREQS), weights=list(FREQS.values()))[0],
                  rng.choices(list(FREQS), weights=list(FREQS.values()))[0])
        else:
            al = (rng.choice(alleles[father]), rng.choice(alleles[mother]))
        alleles[mid], sex[mid] = al, s
        genotype = Genotype.of(*al) if rng.random() < genotyped else None
        level = None if genotype else LevelEvidence(Level.parse(rng.choice([25, 60, 90, 130]), "mg/dL"))
        members.append(Member(id=mid, sex=s, father=father, mother=mother, genotype=genotype, level=level))
        return mid

    def sexes(k: int) -> Sex:
        return Sex.MALE if k % 2 == 0 else Sex.FEMALE

    current = [[add(sexes(k)) for k in range(group)] for _ in range(groups)]
    for _ in range(generations - 1):
        following = []
        for g, people in enumerate(current):
            kids = []
            for k in range(group):
                wives = people
                if groups > 1 and rng.random() < migration:
                    wives = current[(g + rng.choice([-1, 1])) % groups]
                father = rng.choice([x for x in people if sex[x] is Sex.MALE])
                mother = rng.choice([x for x in wives if sex[x] is Sex.FEMALE])
                kids.append(add(sexes(k), father, mother))
            following.append(kids)
        current = following
    return build_pedigree(members)


ISOLATES = [
    ("24 members: 6 per generation, 4 generations", dict(group=6, generations=4, seed=1)),
    ("48 members: 6 per generation, 8 generations", dict(group=6, generations=8, seed=1)),
    ("72 members: 6 per generation, 12 generations", dict(group=6, generations=12, seed=2)),
    ("300 members: 5 groups of 6, 10 generations, 2% marry out", dict(group=6, generations=10, groups=5,
                                                                        migration=0.02, seed=3)),
    ("300 members: 5 groups of 6, 10 generations, 5% marry out", dict(group=6, generations=10, groups=5,
                                                                        migration=0.05, seed=1)),
]


LONGER_LIMIT_S = 1200.0


def _isolate_job(spec: dict[str, Any], basis: str, limits: ExactLimits, queue: Any) -> None:
    """Child process: build the family, infer once, report seconds, peak memory and the method (or refusal)."""
    pedigree = isolate(**spec)
    if basis == "genotypes-only":  # the evidence pedprobr can take
        pedigree = genotypes_only(pedigree)
    model = (allele_model(pedigree, country="Spain") if basis == "country"
             else allele_model(pedigree, frequencies=FREQS))
    start = time.perf_counter()
    try:
        result = infer(pedigree, model, limits=limits)
        outcome: dict[str, Any] = {"seconds": time.perf_counter() - start, "method": result.method,
                                   "genotypes": len(model.genotypes)}
        np.save(_marginals_file(spec, basis), result.marginals)
    except PedigreeError as exc:
        outcome = {"seconds": time.perf_counter() - start, "refused": str(exc), "genotypes": len(model.genotypes)}
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(outcome)


def _marginals_file(spec: dict[str, Any], basis: str) -> Path:
    key = "-".join(f"{k}{v}" for k, v in sorted(spec.items()))
    return Path("/tmp") / f"aatd-bench-{key}-{basis}.npy"


def _pgmpy_job(spec: dict[str, Any], queue: Any) -> None:
    pedigree = isolate(**spec)
    model = allele_model(pedigree, frequencies=FREQS)
    start = time.perf_counter()
    engine, evidence = pgmpy_engine(pedigree, model)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for member_id in pedigree.ids:
            rows.append(engine.query([member_id], evidence=evidence, show_progress=False).values)  # type: ignore[attr-defined]
    queue.put({"seconds": time.perf_counter() - start, "marginals": np.array(rows)})


def _in_child(target: Any, args: tuple[Any, ...], limit: float) -> dict[str, Any] | None:
    """Run ``target(*args, queue)`` in a fresh process; None when it does not finish within ``limit`` s."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, queue))
    process.start()
    process.join(limit)
    if process.is_alive():
        process.kill()
        process.join()
        return None
    return queue.get() if not queue.empty() else None


def _pedprobr_isolate(spec: dict[str, Any], ours: dict[str, Any] | None, limit: float) -> dict[str, Any] | None:
    """pedprobr on the family with levels left out, compared with aatd's genotype-only run."""
    pedigree = genotypes_only(isolate(**spec))
    peer = pedprobr_marginals(pedigree, FREQS, limit)
    if peer is None:
        return None
    outcome: dict[str, Any] = {"seconds": peer[0], "wall": peer[1]}
    if ours is not None and "method" in ours:
        model = allele_model(pedigree, frequencies=FREQS)
        names = [g.canonical for g in model.genotypes]
        marginals = np.load(_marginals_file(spec, "genotypes-only"))
        outcome["diff"] = max(abs(float(marginals[i, j]) - peer[2][member].get(name, 0.0))
                              for i, member in enumerate(pedigree.ids) for j, name in enumerate(names))
    return outcome


def run_isolates(pgmpy_limit: float, pedprobr_limit: float | None = None) -> list[dict[str, Any]]:
    rows = []
    for name, spec in ISOLATES:
        pedigree = isolate(**spec)
        row: dict[str, Any] = {"name": name, "n": len(pedigree),
                               "loops": len(pedigree.consanguineous_couples()),
                               "genotyped": sum(m.genotype is not None for m in pedigree.members)}
        for basis in ("explicit", "country"):
            row[basis] = _in_child(_isolate_job, (spec, basis, ExactLimits()), ExactLimits().time_limit_s + 60)
            if row[basis] is not None and "refused" in row[basis]:  # what it takes once the limit is raised
                longer = ExactLimits(time_limit_s=LONGER_LIMIT_S)
                row[f"{basis}_longer"] = _in_child(_isolate_job, (spec, basis, longer), LONGER_LIMIT_S + 60)
        if pedprobr_limit is not None:
            row["genotypes-only"] = _in_child(_isolate_job, (spec, "genotypes-only", ExactLimits()),
                                              ExactLimits().time_limit_s + 60)
            row["pedprobr"] = _pedprobr_isolate(spec, row["genotypes-only"], pedprobr_limit)
        peer = _in_child(_pgmpy_job, (spec,), pgmpy_limit)
        if peer is not None and row["explicit"] and "method" in row["explicit"]:
            ours = np.load(_marginals_file(spec, "explicit"))
            peer["diff"] = float(np.abs(ours - peer.pop("marginals")).max())
        row["pgmpy"] = peer
        row["pedprobr_limit"] = pedprobr_limit or 0.0
        rows.append(row)
        print(_isolate_line(row, pgmpy_limit), flush=True)
    return rows


def _outcome_text(outcome: dict[str, Any] | None) -> str:
    if outcome is None:
        return "did not finish"
    if "refused" in outcome:
        return f"refused in {outcome['seconds']:.1f} s ({outcome['peak_mb']:,.0f} MB)"
    return f"{outcome['seconds']:.2f} s, {outcome['peak_mb']:,.0f} MB"


def _isolate_line(row: dict[str, Any], pgmpy_limit: float) -> str:
    peer = row["pgmpy"]
    peer_text = (f"pgmpy did not finish in {pgmpy_limit:g} s" if peer is None
                 else f"pgmpy {peer['seconds']:.1f} s (max diff {peer.get('diff', float('nan')):.1e})")
    text = (f"{row['name']}: explicit M/S/Z {_outcome_text(row['explicit'])}; country {_outcome_text(row['country'])}; "
            f"{peer_text}")
    if "pedprobr" in row:
        text += (f"; genotypes only: aatd {_outcome_text(row['genotypes-only'])}, "
                 + _pedprobr_text(row["pedprobr"], row.get("pedprobr_limit", 0.0)))
    return text


def _pedprobr_text(outcome: dict[str, Any] | None, limit: float) -> str:
    if outcome is None:
        return f"pedprobr did not finish in {limit:g} s"
    return (f"pedprobr {outcome['seconds']:.1f} s in R ({outcome['wall']:.1f} s with start-up), "
            f"max diff {outcome.get('diff', float('nan')):.1e}")


def write_isolates(rows: list[dict[str, Any]], pgmpy_limit: float) -> None:
    peer_limit = next((r["pedprobr_limit"] for r in rows if "pedprobr" in r), 0.0)
    command = ("R_LIBS=<R library> .venv/bin/python benchmarks/pedigree.py --isolates-only "
               f"--pgmpy-limit {pgmpy_limit:g}" + (f" --pedprobr-limit {peer_limit:g}" if peer_limit else ""))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [ISOLATE_HEADING, "",
             f"Command: `{command}`. Default limits: memory budget 2048 MB, time limit 300 s. Each run in its own "
             "process; peak memory is that process's maximum resident set (Python, numpy and aatd included). "
             f"Load average (1, 5, 15 min) when the table was written: {load}, on {os.cpu_count()} cores.", "",
             "| family | members | consanguineous couples | genotyped | aatd, explicit M/S/Z (6 genotypes) | "
             "aatd, country Spain (10 genotypes) | pgmpy (explicit M/S/Z) | pgmpy / aatd |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        peer = r["pgmpy"]
        ours = r["explicit"]
        if peer is None:
            peer_text, ratio = f"did not finish in {pgmpy_limit:g} s", (
                f">{pgmpy_limit / ours['seconds']:,.0f}x" if ours and "method" in ours else "-")
        else:
            peer_text = f"{peer['seconds']:.1f} s (max abs diff {peer.get('diff', float('nan')):.1e})"
            ratio = f"{peer['seconds'] / ours['seconds']:,.0f}x" if ours and "method" in ours else "-"
        lines.append(f"| {r['name']} | {r['n']} | {r['loops']} | {r['genotyped']} | {_outcome_text(ours)} | "
                     f"{_outcome_text(r['country'])} | {peer_text} | {ratio} |")
    lines += ["", "How each was solved (or why refused):", ""]
    for r in rows:
        for basis in ("explicit", "country"):
            outcome = r[basis]
            text = "did not finish" if outcome is None else outcome.get("method") or outcome.get("refused")
            lines.append(f"- {r['name']}, {basis}: {text}")
            if f"{basis}_longer" in r:
                longer = r[f"{basis}_longer"]
                lines.append(f"  - with `--time-limit {LONGER_LIMIT_S:g}`: {_outcome_text(longer)}"
                             + (f"; {longer['method']}" if longer and "method" in longer else ""))
    lines += ["", PEDPROBR_HEADING, ""]
    if not any("pedprobr" in r for r in rows):
        lines.append(f"pedprobr was not run: {pedprobr_missing() or 'not asked (--pedprobr-limit 0)'}.")
    else:
        limit = rows[0]["pedprobr_limit"]
        lines += [f"pedprobr ({pedprobr_version()}) takes genotypes only, so both engines get the same families "
                  f"with the serum levels left out (the 10% genotyped members are the only evidence). pedprobr "
                  f"answers one `oneMarkerDistribution` per member, limit {limit:g} s; its time is measured inside "
                  "R (start-up and package loading excluded).", "",
                  "| family | aatd, genotypes only (explicit M/S/Z) | pedprobr | pedprobr / aatd |",
                  "|---|---|---|---|"]
        for r in rows:
            ours, peer = r["genotypes-only"], r["pedprobr"]
            ok = ours is not None and "method" in ours
            ratio = ("-" if not ok else f">{limit / ours['seconds']:,.0f}x" if peer is None
                     else f"{peer['seconds'] / ours['seconds']:,.0f}x")
            lines.append(f"| {r['name']} | {_outcome_text(ours)} | {_pedprobr_text(peer, limit)} | {ratio} |")
    _replace_section(ISOLATE_HEADING, "\n".join(lines) + "\n")


PEDPROBR_HEADING = "### Against pedprobr (genotypes only)"


ISOLATE_HEADING = "## Isolate families: inbred pedigrees within bounded memory (issue 18)"


def _replace_section(heading: str, body: str) -> None:
    """Write ``body`` as the section starting at ``heading`` (replacing it, or appended) in the results file."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if heading in text:
        before, _, after = text.partition(heading)
        nxt = after.find("\n## ")
        text = before + body + (after[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=60.0, help="seconds of pgmpy queries per pedigree")
    parser.add_argument("--isolates-only", action="store_true", help="run only the isolate families (issue 18)")
    parser.add_argument("--pgmpy-limit", type=float, default=300.0, help="seconds pgmpy gets per isolate family")
    parser.add_argument("--pedprobr-limit", type=float, default=300.0,
                        help="seconds pedprobr gets per isolate family (0: do not run it)")
    parser.add_argument("--pedprobr-check", type=int, default=0, metavar="N",
                        help="only compare marginals with pedprobr on N random looped pedigrees")
    args = parser.parse_args()
    missing = pedprobr_missing()
    if missing:
        print(f"pedprobr skipped: {missing}", flush=True)
    pedprobr_limit = None if missing or args.pedprobr_limit <= 0 else args.pedprobr_limit
    if args.pedprobr_check:
        if missing:
            raise SystemExit(f"--pedprobr-check needs pedprobr: {missing}")
        write_pedprobr_check(pedprobr_check(args.pedprobr_check, args.pedprobr_limit), args.pedprobr_limit)
        return
    if args.isolates_only:
        write_isolates(run_isolates(args.pgmpy_limit, pedprobr_limit), args.pgmpy_limit)
        return
    cases = [("3-generation family", three_generations(), True),
             ("200 members, loop-free", simulate(200, 0.0, 1), True),
             ("1,000 members, cousin marriages", simulate(1000, 0.15, 2), True),
             ("10,000 members, cousin marriages", simulate(10_000, 0.15, 3), False)]
    rows = []
    for name, pedigree, with_pgmpy in cases:
        model = allele_model(pedigree, frequencies=FREQS)
        loops = len(pedigree.consanguineous_couples())
        seconds, result = time_aatd(pedigree, model)
        row = {"name": name, "n": len(pedigree), "loops": loops, "width": result.clique_width, "aatd": seconds}
        if with_pgmpy:
            pg, done, diff = time_pgmpy(pedigree, model, result, args.cap)
            row |= {"pgmpy": pg, "done": done, "diff": diff}
        rows.append(row)
        print(_line(row), flush=True)
    write_results(rows, args.cap)
    write_isolates(run_isolates(args.pgmpy_limit, pedprobr_limit), args.pgmpy_limit)


def _line(row: dict[str, object]) -> str:
    base = f"{row['name']}: {row['n']} members, {row['loops']} consanguineous couples, aatd {row['aatd']:.4f} s"
    if "pgmpy" in row:
        pg, aatd = float(row["pgmpy"]), float(row["aatd"])  # type: ignore[arg-type]
        base += f", pgmpy {pg:.2f} s ({row['done']} queries), ratio {pg / aatd:,.0f}x, max diff {row['diff']:.1e}"
    return base


def write_results(rows: list[dict[str, object]], cap: float) -> None:
    lines = ["# Pedigree inference: aatd vs pgmpy", "",
             f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
             "one core. Command: `.venv/bin/python benchmarks/pedigree.py`"
             f" (pgmpy query cap {cap:g} s per pedigree).", "",
             "| pedigree | members | consanguineous couples | largest clique | aatd (s, all marginals) | "
             "pgmpy (s, all marginals) | pgmpy / aatd | max abs difference |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "pgmpy" in r:
            n, done = int(r["n"]), int(r["done"])  # type: ignore[call-overload]
            pg = float(r["pgmpy"])  # type: ignore[arg-type]
            note = "" if done == n else f" (extrapolated from {done} of {n} queries)"
            pg_text = f"{pg:.2f}{note} | {pg / float(r['aatd']):,.0f}x | {float(r['diff']):.1e}"  # type: ignore[arg-type]
        else:
            pg_text = "not run | - | -"
        lines.append(f"| {r['name']} | {r['n']} | {r['loops']} | {r['width']} | {float(r['aatd']):.4f} | "  # type: ignore[arg-type]
                     f"{pg_text} |")
    lines += ["", "aatd: network, junction tree and both passes, best of 3. pgmpy: VariableElimination, one "
              "exact query per member (evidence as observed likelihood nodes), network build included."]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
