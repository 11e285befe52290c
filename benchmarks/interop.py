"""Time aatd's FHIR reader and writer and a CDS Hooks call, side by side with fhir.resources.

Run: ``.venv/bin/python benchmarks/interop.py``. The peer is ``fhir.resources`` 8 (R4B models):
parsing and validating the same Bundle with ``Bundle.model_validate`` (which every FHIR client
that uses it pays before it can read a value). aatd's reader maps the Bundle onto its inputs
without a model layer. Sizes: the report Bundle aatd writes for an SZ result (16 entries), and
that Bundle padded with unrelated Observations to 1,000 and to 5,000 (aatd's cap) entries.
Minimum of 7 runs (3 for the largest). Results go to ``benchmarks/results/interop.md``.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from aatd.interop.cds_hooks import call_service
from aatd.interop.fhir_in import read_results
from aatd.interop.fhir_out import inputs_from_text, results_bundle

RESULTS = Path(__file__).parent / "results" / "interop.md"


def best(fn: Callable[[], object], runs: int) -> float:
    """Fastest of ``runs`` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def padded(bundle: dict[str, Any], size: int) -> dict[str, Any]:
    filler = [{"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}", "resource": {
        "resourceType": "Observation", "id": f"bp{i}", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
        "valueQuantity": {"value": 120, "unit": "mm[Hg]", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}}
        for i in range(size - len(bundle["entry"]))]
    return bundle | {"entry": filler + bundle["entry"]}


def main() -> None:
    inputs = inputs_from_text(level="55", unit="mg/dL", method="nephelometry", crp=2.0, genotype="SZ", panel="sz")
    created = "2025-02-04T09:00:00+00:00"
    report = results_bundle(inputs, created=created)
    rows = [("write the SZ report Bundle (with interpretation)", best(lambda: results_bundle(inputs, created=created),
                                                                     7), None)]
    for size in (len(report["entry"]), 1000, 5000):
        doc = padded(report, size)
        runs = 3 if size >= 5000 else 7
        ours = best(lambda doc=doc: read_results(doc), runs)
        peer = best(lambda doc=doc: Bundle.model_validate(doc), runs)
        rows.append((f"read a {size:,}-entry Bundle", ours, peer))
    request = {"hook": "patient-view", "hookInstance": "bench", "context": {"patientId": "p"},
               "prefetch": {"results": report, "lung": None}}
    rows.append(("CDS Hooks aatd-interpret call (in process)", best(lambda: call_service("aatd-interpret", request),
                                                                    7), None))
    lines = ["# FHIR and CDS Hooks", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
             "(shared host: compare ratios, not absolute times).", "",
             "| task | aatd (ms) | fhir.resources R4B `Bundle.model_validate` (ms) | aatd / peer |",
             "|---|---|---|---|"]
    for task, ours, peer in rows:
        lines.append(f"| {task} | {ours:.2f} | {peer:.2f} | {ours / peer:.2f} |" if peer
                     else f"| {task} | {ours:.2f} | - | - |")
    lines += ["", "Command: `.venv/bin/python benchmarks/interop.py`.", ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
