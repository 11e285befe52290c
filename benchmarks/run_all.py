"""Run every benchmark in one go (``make bench``); each writes its table to benchmarks/results/.

Each benchmark runs aatd side by side with its peer (pgmpy for pedigrees, a per-person loop
for the risk model, a trivial endpoint of the same app for the web API) and reports ratios.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["pedigree.py"],
    ["progression.py", "1000000", "2000"],
    ["load.py", "--seconds", "20", "--users", "50"],
    ["interop.py"],
]


def main() -> int:
    failed = 0
    for args in RUNS:
        print(f"\n=== {' '.join(args)}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
