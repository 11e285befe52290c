"""Screening benchmark: aatd vs `bcftools query -r` and `plink2 --geno-counts` on the same files.

Generates seeded cohorts (100,000 and 500,000 samples; Z and S among filler SNPs on chr14),
writes them with the real tools (bcftools view -Ob + index, plink2 --make-pgen), checks that
aatd's counts equal both tools', then times each task as the minimum of REPEATS runs and
records peak RSS per process (GNU time). Writes benchmarks/results/screening.md.

    python benchmarks/screening.py [--cohorts 100000:10,100000:1000,500000:10] [--repeats 5]

Each cohort is SAMPLES:FILLERS (filler SNPs besides Z and S); two 100,000-sample files that
differ only in their number of records show whether memory depends on the file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
Z38, S38 = 94378610, 94380925
SEED = 20240601
GT = np.array(["0/0", "0/1", "1/1", "./."])


def write_cohort(path: Path, n: int, fillers: int) -> None:
    """VCF text piped straight into `bcftools view -Ob` (constant memory per record)."""
    rng = np.random.default_rng(SEED)
    positions = np.sort(rng.choice(np.arange(94_000_000, 95_000_000), size=fillers, replace=False))
    targets = {Z38: ("rs28929474", "C", "T", 0.02), S38: ("rs17580", "T", "A", 0.03)}
    sites = sorted([(int(p), (f"f{i}", "A", "G", float(rng.uniform(0.001, 0.5)))) for i, p in enumerate(positions)
                    if p not in targets] + list(targets.items()))
    proc = subprocess.Popen(["bcftools", "view", "-Ob", "-o", str(path), "-"], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    head = ["##fileformat=VCFv4.2", "##reference=GRCh38", "##contig=<ID=chr14,length=107043718>",
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
            "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                       *(f"S{i:06d}" for i in range(n))])]
    proc.stdin.write(("\n".join(head) + "\n").encode())
    for pos, (rsid, ref, alt, af) in sites:
        g = rng.binomial(2, af, n)
        g[rng.random(n) < 0.005] = 3
        line = f"chr14\t{pos}\t{rsid}\t{ref}\t{alt}\t.\tPASS\t.\tGT\t" + "\t".join(GT[g].tolist()) + "\n"
        proc.stdin.write(line.encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("bcftools view failed")
    subprocess.run(["bcftools", "index", "-f", str(path)], check=True)


def _timed(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, peak RSS (MB), CPU seconds (user + system, from GNU time) and stdout of one process.

    On a shared host wall time includes waiting for a CPU; CPU time is the work itself, so
    both are reported."""
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "RSS_KB=%M CPU=%U+%S", *cmd], capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    line = next(line for line in proc.stderr.splitlines() if line.startswith("RSS_KB="))
    rss, cpu = line.split()
    user, system = cpu.split("=")[1].split("+")
    return elapsed, int(rss.split("=")[1]) / 1024, float(user) + float(system), proc.stdout


def best(cmd: list[str], repeats: int) -> tuple[float, float, float]:
    """Minimum wall seconds, peak RSS (MB) and minimum CPU seconds over ``repeats`` runs."""
    runs = [_timed(cmd) for _ in range(repeats)]
    return min(r[0] for r in runs), max(r[1] for r in runs), min(r[2] for r in runs)


INPROC = """
import sys, time
from aatd.screening import screen
path, repeats = sys.argv[1], int(sys.argv[2])
screen([path])  # warm imports
times, cpu = [], []
for _ in range(repeats):
    t, c = time.perf_counter(), time.process_time(); r = screen([path])
    times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
print(min(times), min(cpu))
"""

BARE = "import sys; import aatd.screening"


def inproc(path: Path, repeats: int) -> tuple[float, float, float]:
    """In-process seconds (min over repeats, imports excluded), that process's peak RSS (MB) and
    the CPU seconds of the screen call (min over repeats)."""
    _, rss, _, out = _timed([sys.executable, "-c", INPROC, str(path), str(repeats)])
    wall, cpu = out.split()[-2:]
    return float(wall), rss, float(cpu)


def check_counts(bcf: Path, pfile: Path, work: Path) -> str:
    from aatd.screening import screen

    result = screen([str(bcf)])
    mine = {s["rsid"]: s["files"][0]["counts"] for s in result.sites() if s["files"][0]["seen"]}  # type: ignore[index]
    subprocess.run(["plink2", "--pfile", str(pfile), "--extract", str(work / "snps.txt"), "--geno-counts",
                    "--threads", "1", "--out", str(work / "gc")], check=True, capture_output=True)
    lines = (work / "gc.gcount").read_text().splitlines()
    head = lines[0].lstrip("#").split("\t")
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t"), strict=True))
        c = mine[row["ID"]]
        theirs = (int(row["HOM_REF_CT"]), int(row["HET_REF_ALT_CTS"]), int(row["TWO_ALT_GENO_CTS"]),
                  int(row["MISSING_CT"]))
        if (c["hom_ref"], c["het"], c["hom_alt"], c["missing"]) != theirs:
            raise SystemExit(f"count mismatch at {row['ID']}: aatd {c} vs plink2 {theirs}")
    pgen = screen([str(pfile) + ".pgen"])
    if pgen.summary["genotype_counts"] != result.summary["genotype_counts"]:
        raise SystemExit("BCF and PGEN genotype counts differ")
    return ", ".join(f"{k} {v}" for k, v in result.summary["genotype_counts"].items())  # type: ignore[union-attr]


def bench_size(n: int, fillers: int, repeats: int, work: Path) -> dict[str, object]:
    bcf = work / f"cohort{n}_{fillers}.bcf"
    t0 = time.perf_counter()
    write_cohort(bcf, n, fillers)
    pfile = work / f"cohort{n}_{fillers}"
    subprocess.run(["plink2", "--bcf", str(bcf), "--make-pgen", "--out", str(pfile)], check=True, capture_output=True)
    made = time.perf_counter() - t0
    counts = check_counts(bcf, pfile, work)
    aatd = str(Path(sys.executable).parent / "aatd")
    rows: dict[str, tuple[float, float, float]] = {
        "bcftools query -r (BCF)": best(["bcftools", "query", "-r", f"chr14:{Z38},chr14:{S38}", "-f",
                                         "%ID[\\t%GT]\\n", str(bcf)], repeats),
        "plink2 --geno-counts (PGEN)": best(["plink2", "--pfile", str(pfile), "--extract", str(work / "snps.txt"),
                                             "--geno-counts", "--threads", "1", "--out", str(work / "gc")], repeats),
        "aatd in-process (BCF)": inproc(bcf, repeats),
        "aatd in-process (PGEN)": inproc(Path(str(pfile) + ".pgen"), repeats),
        "aatd screen CLI, TSV out (BCF)": best([aatd, "screen", str(bcf), "--out", str(work / "calls.tsv")], repeats),
        "aatd screen CLI, TSV out (PGEN)": best([aatd, "screen", str(pfile) + ".pgen", "--out",
                                                 str(work / "calls.tsv")], repeats),
        "python start-up + import aatd.screening": best([sys.executable, "-c", BARE], repeats),
        "aatd --help (CLI start-up)": best([aatd, "--help"], repeats),
    }
    return {"n": n, "fillers": fillers, "made_s": made, "counts": counts, "rows": rows,
            "bcf_mb": bcf.stat().st_size / 1e6}


def render(results: list[dict[str, object]], repeats: int) -> str:
    out = ["# Screening benchmark", "",
           "`python benchmarks/screening.py` — aatd vs `bcftools query -r chr14:Z,chr14:S` and "
           "`plink2 --extract --geno-counts --threads 1` on the same seeded files, written by bcftools/plink2 in "
           f"the same run. Times: minimum of {repeats} runs (wall seconds); RSS: peak resident set of the process. "
           "In-process times exclude imports; the start-up rows show the fixed cost of a Python process. "
           "CPU: user + system seconds of the process (of the screen call, in process), minimum over the runs: "
           "on a shared host wall time includes waiting for a CPU, CPU time does not. aatd's modules are "
           "compiled to bytecode first, as pip install does (PYTHONDONTWRITEBYTECODE on the development host "
           "had made earlier runs compile them on every start). "
           f"Load average at start: {LOAD_AT_START:.1f}, at the end: {os.getloadavg()[0]:.1f}, on {os.cpu_count()} "
           "CPUs (shared host).", ""]
    for r in results:
        rows = r["rows"]
        assert isinstance(rows, dict)
        bcf_t, _, bcf_c = rows["bcftools query -r (BCF)"]
        plink_t, _, plink_c = rows["plink2 --geno-counts (PGEN)"]
        out += [f"## {r['n']:,} samples x {int(r['fillers']) + 2:,} records (BCF {r['bcf_mb']:.1f} MB)", "",
                f"Counts checked equal to plink2 --geno-counts and between BCF and PGEN: {r['counts']}.", "",
                "| task | seconds | peak RSS (MB) | vs bcftools | vs plink2 | CPU s | CPU vs bcftools "
                "| CPU vs plink2 |",
                "|---|---|---|---|---|---|---|---|"]
        for name, (t, rss, c) in rows.items():
            out.append(f"| {name} | {t:.3f} | {rss:.0f} | {t / bcf_t:.2f}x | {t / plink_t:.2f}x | {c:.3f} | "
                       f"{c / bcf_c:.2f}x | {c / plink_c:.2f}x |")
        out.append("")
    return "\n".join(out) + "\n"


LOAD_AT_START = os.getloadavg()[0]


def compile_bytecode() -> None:
    """Compile aatd's modules to bytecode, as ``pip install`` does for a release.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on this development host)
    never writes ``__pycache__``, so every run would compile aatd's sources again (about
    0.1 s of CPU), a cost no installed copy pays."""
    import aatd

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(aatd.__file__).parent)], check=True,
                   capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cohorts", default="100000:10,100000:1000,500000:10")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(HERE / "results" / "screening.md"))
    args = parser.parse_args()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="aatd-screen-bench-") as tmp:
        work = Path(tmp)
        (work / "snps.txt").write_text("rs28929474\nrs17580\n")
        results = []
        for spec in args.cohorts.split(","):
            n, fillers = (int(x) for x in spec.split(":"))
            results.append(bench_size(n, fillers, args.repeats, work))
            print(render(results, args.repeats), flush=True)
    Path(args.out).write_text(render(results, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
