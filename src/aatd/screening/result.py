"""The typed answer of :func:`aatd.screening.screen`: per-sample rows and a cohort summary."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

import numpy as np

from aatd.genetics.alleles import allele_catalogue
from aatd.provenance import Provenance, provenance
from aatd.screening.cohort import NOT_COVERED, Cohort, SampleCalls
from aatd.screening.model import CallState

DISCLAIMER = ("Screening reads only the sites listed; rare and null alleles elsewhere in SERPINA1 are not seen. "
              "'M' means none of the covered alleles. Confirm any result with a clinical AAT level and "
              "genotype test; this supports, and does not replace, clinical judgement.")

TSV_COLUMNS = ("sample", "genotype", "severity", "status", "probability", "copies", "covered", "file", "build")


def not_screened(sites: tuple[str, ...]) -> dict[str, str]:
    """Catalogue alleles no file is read for, and why (no coordinates, or not verified in two sources)."""
    out: dict[str, str] = {}
    for allele in allele_catalogue():
        if allele.allele in sites or allele.allele in ("M", "Null"):
            continue
        if allele.grch38_pos is None or not allele.alt_plus:
            out[allele.allele] = "no genomic coordinates or no single ALT allele in the catalogue"
        else:
            out[allele.allele] = "coordinates not verified in two sources"
    return out


@dataclass(slots=True)
class ScreenResult:
    """Everything :func:`aatd.screening.screen` found.

    ``summary`` is the cohort summary (counts, frequencies, CIs, HWE); ``files`` and
    ``sites`` say what each file could and could not show; per-sample results are read
    with :meth:`rows` or written with :meth:`write_tsv`.
    """

    cohort: Cohort
    calls: SampleCalls
    summary: dict[str, object]
    warnings: list[str] = field(default_factory=list)
    provenance: Provenance = field(default_factory=provenance)

    @property
    def samples(self) -> list[str]:
        return self.cohort.samples

    def genotype_of(self, sample: str) -> str:
        """The canonical genotype of ``sample`` (``""`` when not determined)."""
        return str(self.calls.genotype[self.cohort.samples.index(sample)])

    def sites(self) -> list[dict[str, object]]:
        """Each screened site with, per file, whether it was seen, how, and its call counts."""
        out: list[dict[str, object]] = []
        for site in self.cohort.sites:
            per_file: list[dict[str, object]] = []
            for scan in self.cohort.files:
                seen = next((c for c in scan.seen if c.site.allele == site.allele), None)
                if seen is not None:
                    per_file.append({"file": scan.path, "seen": True, **seen.to_dict()})
                else:
                    note = next((n for n in scan.not_seen if n.site.allele == site.allele), None)
                    per_file.append({"file": scan.path, "seen": False, "reason": note.reason if note else "not read"})
            out.append({**site.to_dict(), "files": per_file})
        return out

    def covered(self) -> list[str]:
        """Catalogue alleles seen in at least one file."""
        return [s.allele for i, s in enumerate(self.cohort.sites) if (self.cohort.state[i] != NOT_COVERED).any()]

    def to_dict(self, *, include_samples: bool = False) -> dict[str, object]:
        """JSON-ready summary (``include_samples`` adds one entry per sample)."""
        data: dict[str, object] = {
            **self.summary,
            "alleles_covered": self.covered(),
            "alleles_not_covered": [s.allele for s in self.cohort.sites if s.allele not in self.covered()],
            "alleles_not_screened": not_screened(tuple(s.allele for s in self.cohort.sites)),
            "genotype_note": "M = none of the covered alleles (not proof of a normal gene)",
            "sites": self.sites(),
            "files": [{k: v for k, v in f.to_dict().items() if k not in {"sites_seen", "sites_not_seen"}}
                      for f in self.cohort.files],
            "warnings": list(self.warnings),
            "disclaimer": DISCLAIMER,
            "provenance": self.provenance,
        }
        if include_samples:
            data["calls"] = list(self.rows())
        return data

    def rows(self) -> Iterator[dict[str, str]]:
        """One mapping per sample with the :data:`TSV_COLUMNS`."""
        for values in zip(*self._columns(), strict=True):
            yield dict(zip(TSV_COLUMNS, values, strict=True))

    def _columns(self) -> list[list[str]]:
        """The TSV columns as lists of text, built column-wise (no per-sample Python objects)."""
        c, k = self.cohort, self.calls
        src = c.source
        covered = [",".join(s.allele for i, s in enumerate(c.sites) if (c.state[i][src == f] != NOT_COVERED).any())
                   for f in range(len(c.files))]

        def per_file(values: list[str]) -> list[str]:
            if len(values) == 1:
                return values * len(src)
            taken: list[str] = np.array(values, dtype=object)[src].tolist()
            return taken

        prob = k.probability
        if np.isnan(prob).all():
            prob_text = [""] * len(c.samples)
        else:
            prob_text = ["" if math.isnan(p) else f"{p:.3f}" for p in prob.tolist()]
        return [list(c.samples), k.genotype.tolist(), k.severity.tolist(), k.status.tolist(), prob_text,
                self._copies_text(), per_file(covered), per_file([f.path for f in c.files]),
                per_file([f.build or "" for f in c.files])]

    def _copies_text(self) -> list[str]:
        """``S=0;Z=1`` per sample (``Z=.`` not called, ``Z>=1`` a half-call with one Z seen).

        Each sample's per-site codes are packed into one integer and each code present is
        written once, so the cost is linear in samples.
        """
        c = self.cohort
        n_codes = 7
        packed = np.zeros(len(c.samples), np.int64)
        for i in range(len(c.sites)):
            state, copies = c.state[i], c.copies[i]
            code = np.where(np.isin(state, [CallState.CALLED, CallState.DOSAGE]), copies.clip(0, 2),
                            np.where(state == NOT_COVERED, 4,
                                     np.where(state == CallState.HALF_CALL, 5 + copies.clip(0, 1), 3)))
            packed += code.astype(np.int64) * n_codes**i
        table: dict[int, str] = {}
        for value in np.unique(packed).tolist():
            parts = []
            for i, site in enumerate(c.sites):
                code = (value // n_codes**i) % n_codes
                text = ("0", "1", "2", ".", "", ">=0", ">=1")[code]
                if code != 4:
                    parts.append(f"{site.allele}={text}" if code < 5 else f"{site.allele}{text}")
            table[value] = ";".join(parts)
        lookup = np.array([table.get(v, "") for v in range(int(packed.max(initial=0)) + 1)], dtype=object)
        texts: list[str] = lookup[packed].tolist()
        return texts

    def write_tsv(self, handle: TextIO) -> None:
        """Write one tab-separated row per sample, with a header row."""
        handle.write("\t".join(TSV_COLUMNS) + "\n")
        columns = self._columns()
        if columns[0]:
            handle.write("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n")
