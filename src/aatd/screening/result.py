"""The typed answer of :func:`aatd.screening.screen`: per-sample rows and a cohort summary."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

import numpy as np
import numpy.typing as npt

from aatd.genetics.alleles import allele_catalogue
from aatd.provenance import Provenance, provenance
from aatd.screening.cohort import NOT_COVERED, PER_SITE, STATUS, Cohort, SampleCalls, distinct, unpack
from aatd.screening.model import CallState, SampleNames, sample_list
from aatd.screening.sites import Site

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
    def samples(self) -> Sequence[str]:
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
        covered = self.covered()
        data: dict[str, object] = {
            **self.summary,
            "alleles_covered": covered,
            "alleles_not_covered": [s.allele for s in self.cohort.sites if s.allele not in covered],
            "alleles_not_screened": not_screened(tuple(s.allele for s in self.cohort.sites)),
            "genotype_note": "M = none of the covered alleles (not proof of a normal gene)",
            "sites": self.sites(),
            "files": [f.to_dict(sites=False) for f in self.cohort.files],
            "warnings": list(self.warnings),
            "disclaimer": DISCLAIMER,
            "provenance": self.provenance,
        }
        if include_samples:
            data["calls"] = list(self.rows())
        return data

    def rows(self) -> Iterator[dict[str, str]]:
        """One mapping per sample with the :data:`TSV_COLUMNS`."""
        patterns, fixed = self._patterns()
        which: list[int] = patterns.tolist()
        prob = self.calls.probability
        for i, name in enumerate(self.cohort.samples):
            genotype, severity, status, copies, covered, file, build = fixed[which[i]]
            p = float(prob[i])
            yield dict(zip(TSV_COLUMNS, (name, genotype, severity, status, "" if math.isnan(p) else f"{p:.3f}",
                                         copies, covered, file, build), strict=True))

    def _patterns(self) -> tuple[npt.NDArray[np.int64], list[tuple[str, ...]]]:
        """Each sample's index into a table of the columns other than name and probability.

        Those columns depend only on the sample's pattern of calls and its file, so each
        (pattern, file) present is written once: linear in samples, no text per sample.
        """
        c, k = self.cohort, self.calls
        n_files = len(c.files)
        key = k.pattern * n_files + c.source
        present, which = distinct(key, PER_SITE ** len(c.sites) * n_files)
        first = np.zeros(len(present), np.int64)
        first[which[::-1]] = np.arange(len(key) - 1, -1, -1)
        codes = k.genotype_code[first].tolist()
        genotypes = [k.genotype_names[g] if g >= 0 else "" for g in codes]
        severities = [k.severity_names[g] if g >= 0 else "" for g in codes]
        statuses = [STATUS[s] for s in k.status_code[first].tolist()]
        covered = [",".join(s.allele for i, s in enumerate(c.sites) if (c.state[i][c.source == f] != NOT_COVERED).any())
                   for f in range(n_files)]
        fixed: list[tuple[str, ...]] = []
        for j, value in enumerate(present.tolist()):
            pattern, f = divmod(value, n_files)
            fixed.append((str(genotypes[j]), str(severities[j]), str(statuses[j]),
                          _copies_text(c.sites, unpack(pattern, len(c.sites))), covered[f], c.files[f].path,
                          c.files[f].build or ""))
        return which, fixed

    def write_tsv(self, handle: TextIO) -> None:
        """Write one tab-separated row per sample, with a header row (text; see :meth:`tsv_chunks`)."""
        for chunk in self.tsv_chunks():
            handle.write(chunk.decode("utf-8"))

    def write_tsv_bytes(self, handle: BinaryIO) -> None:
        """Write the TSV of :meth:`write_tsv` as UTF-8 bytes (the CLI's ``--out``: no text layer)."""
        for chunk in self.tsv_chunks():
            handle.write(chunk)

    def tsv_chunks(self) -> Iterator[bytes]:
        """The TSV as UTF-8 pieces to write in order: the header row, then the rows of the samples.

        A row is the sample's name followed by the text of its (pattern, file), made once per
        pattern (:meth:`_patterns`). Without per-sample probabilities (hard calls: the usual
        case) the rows are made without a Python object per sample (:func:`join_rows`), a few
        thousand samples at a time so the same memory is reused: 500,000 rows take about
        30 ms. Dosage-based probabilities vary per sample and are formatted one by one.
        """
        yield ("\t".join(TSV_COLUMNS) + "\n").encode("utf-8")
        if not self.cohort.samples:
            return
        which, fixed = self._patterns()
        fixed = [(*row[:5], spreadsheet_text(row[5]), *row[6:]) for row in fixed]  # the file's path
        joined = joined_names(self.cohort.samples)
        names: Sequence[str] = self.cohort.samples
        if starts_a_formula(joined):
            names = [spreadsheet_text(name) for name in sample_list(names)]
            joined = "\t".join(names).encode("utf-8")
        prob = self.calls.probability
        if np.isnan(prob).all():
            suffixes = [("\t" + "\t".join((*row[:3], "", *row[3:])) + "\n").encode("utf-8") for row in fixed]
            chunks = join_rows(joined, which, suffixes)
            if chunks is not None:
                yield from chunks
                return
            suffix = np.array([s.decode("utf-8") for s in suffixes], dtype=object)
            text = "".join(name + rest for name, rest in zip(sample_list(names), suffix[which].tolist(), strict=True))
        else:
            pre = ["\t" + "\t".join(row[:3]) + "\t" for row in fixed]
            post = ["\t" + "\t".join(row[3:]) + "\n" for row in fixed]
            text = "".join([name + pre[w] + ("" if math.isnan(p) else f"{p:.3f}") + post[w]
                            for name, w, p in zip(sample_list(names), which.tolist(), prob.tolist(), strict=True)])
        yield text.encode("utf-8")


FORMULA_STARTS = "=+-@"
"""First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula:
a sample named ``=HYPERLINK("http://...")`` in a VCF header would become a live link or command when the
TSV is opened (OWASP, "CSV injection")."""


def spreadsheet_text(cell: str) -> str:
    """``cell`` with a leading apostrophe when it starts with one of :data:`FORMULA_STARTS`, which
    spreadsheets show as text and hide; any other cell as it is."""
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell


_FORMULA_BYTE = np.zeros(256, bool)
_FORMULA_BYTE[list(FORMULA_STARTS.encode())] = True


def starts_a_formula(joined: bytes) -> bool:
    """Whether any of the tab-joined sample names starts with one of :data:`FORMULA_STARTS`: a vectorised look
    at the first byte of each name (about 4-8 ms for 500,000 names), so the usual cohort keeps the fast path
    of :func:`join_rows`."""
    data = np.frombuffer(joined, np.uint8)
    firsts = np.concatenate(([0], np.flatnonzero(data == 9) + 1))
    firsts = firsts[firsts < data.size]
    return bool(_FORMULA_BYTE[data[firsts]].any())


def joined_names(samples: Sequence[str]) -> bytes:
    """Sample names joined by tabs, UTF-8 (from the file's own bytes when it has them)."""
    if isinstance(samples, SampleNames):
        return samples.joined()
    return "\t".join(samples).encode("utf-8")


_CHUNK_SAMPLES = 16_384
"""Rows made per piece of :func:`join_rows` (about 1 MB of text)."""


def join_rows(names: bytes, which: npt.NDArray[np.int64], suffixes: list[bytes],
              chunk: int = _CHUNK_SAMPLES) -> Iterator[bytes] | None:
    """``names[i] + suffixes[which[i]]`` for every sample ``i``, in pieces of ``chunk`` samples;
    None if the names cannot be cut this way (a name holding a tab, or no free byte value).

    ``names`` are the sample names joined by tabs. Each name's tab (and one after the last
    name) is overwritten with a byte value that occurs neither in the names nor in any suffix,
    one value per suffix; then each marker present in a piece is replaced by its suffix, the
    rarest first while the text is short. Linear in the output's length, with no Python object
    per sample: equal to joining the rows one by one (tests/screening/test_tsv.py).
    """
    n = len(which)
    ends = np.flatnonzero(np.frombuffer(names, np.uint8) == 9)
    if len(ends) != n - 1:
        return None
    free = _free_bytes(names, suffixes)
    if len(free) < len(suffixes):
        return None
    marked = np.frombuffer(names + b"\t", np.uint8).copy()
    marked[ends] = free[which[:-1]]
    marked[-1] = free[which[-1]]
    markers = [bytes((int(b),)) for b in free[:len(suffixes)].tolist()]
    order = np.argsort(np.bincount(which, minlength=len(suffixes)), kind="stable")

    return _replace_markers(marked, ends, which, markers, suffixes, order, chunk)


def _free_bytes(names: bytes, suffixes: list[bytes]) -> npt.NDArray[np.intp]:
    """Byte values (not tab) found neither in ``names`` nor in any suffix, ascending."""
    used = np.zeros(256, bool)
    if names.isascii():
        used[:128] = True
    else:
        used |= np.bincount(np.frombuffer(names, np.uint8), minlength=256).astype(bool)
    used[9] = True
    for suffix in suffixes:
        used[np.frombuffer(suffix, np.uint8)] = True
    return np.flatnonzero(~used)


def _replace_markers(marked: npt.NDArray[np.uint8], ends: npt.NDArray[np.intp], which: npt.NDArray[np.int64],
                     markers: list[bytes], suffixes: list[bytes], order: npt.NDArray[np.intp],
                     chunk: int) -> Iterator[bytes]:
    """The marked names, ``chunk`` samples at a time, with each marker replaced by its suffix."""
    n = len(which)
    start = 0
    for first in range(0, n, chunk):
        stop = min(first + chunk, n)
        end = int(ends[stop - 1]) + 1 if stop < n else len(marked)
        text = marked[start:end].tobytes()
        present = np.bincount(which[first:stop], minlength=len(suffixes))
        for j in order.tolist():
            if present[j]:
                text = text.replace(markers[j], suffixes[j])
        start = end
        yield text


def _copies_text(sites: tuple[Site, ...], calls: list[tuple[int, int]]) -> str:
    """``S=0;Z=1`` (``Z=.`` not called, ``Z>=1`` a half-call with one Z seen; sites not covered left out)."""
    parts = []
    for site, (state, copies) in zip(sites, calls, strict=True):
        if state == NOT_COVERED:
            continue
        if state in (CallState.CALLED, CallState.DOSAGE):
            parts.append(f"{site.allele}={copies}")
        elif state == CallState.HALF_CALL:
            parts.append(f"{site.allele}>={min(copies, 1)}")
        else:
            parts.append(f"{site.allele}=.")
    return ";".join(parts)
