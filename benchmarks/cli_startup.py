"""CPU time of a short CLI command, beside the floor set by Python and by a bare Typer app.

    python benchmarks/cli_startup.py [RUNS]

Each command runs RUNS times (default 15); the median user+system CPU seconds of the child
process is reported (resource.getrusage), so other load on the machine matters less than wall time.
Results: benchmarks/results/cli_startup.md.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BARE_TYPER = """
import typer
app = typer.Typer()
@app.command()
def hello(name: str) -> None:
    print(name)
@app.command()
def bye(name: str) -> None:
    print(name)
app()
"""


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(runs: int) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE_TYPER, encoding="utf-8")
        aatd = str(Path(sys.executable).with_name("aatd"))
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "bare two-command Typer app": [sys.executable, str(bare), "hello", "x"],
            "aatd genotype ZZ": [aatd, "genotype", "ZZ"],
            "aatd genotype ZZ --json": [aatd, "genotype", "ZZ", "--json"],
            "aatd inherit MZ SZ --json": [aatd, "inherit", "MZ", "SZ", "--json"],
        }
        rows = ["| command | median CPU s | ratio to bare Typer |", "|---|---|---|"]
        medians = {name: statistics.median(cpu_seconds(cmd) for _ in range(runs)) for name, cmd in commands.items()}
    floor = medians["bare two-command Typer app"]
    rows += [f"| `{name}` | {m:.3f} | {m / floor:.2f}x |" for name, m in medians.items()]
    return "\n".join(rows)


if __name__ == "__main__":
    table = main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
    text = ("# CLI start-up (median CPU time of the whole process)\n\n"
            "`python benchmarks/cli_startup.py`\n\n" + table + "\n")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "cli_startup.md").write_text(text, encoding="utf-8")
    print(text)
