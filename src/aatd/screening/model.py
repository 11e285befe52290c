"""What a reader returns: per-site calls for every sample of one file.

Calls are kept column-wise (one numpy array per site) so 500,000 samples cost a few MB
and no Python object per sample. Memory depends on the number of samples and screened
sites only, never on the number of records in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import overload

import numpy as np
import numpy.typing as npt

from aatd.screening.sites import Match, Site

Int8Array = npt.NDArray[np.int8]
UInt8Array = npt.NDArray[np.uint8]
Float32Array = npt.NDArray[np.float32]


class CallState(IntEnum):
    """Quality of one sample's call at one site."""

    CALLED = 0
    """Hard call with both alleles."""
    MISSING = 1
    """No call (``./.``, ``--``, ``00``, PLINK missing)."""
    HALF_CALL = 2
    """One allele called, the other missing (``./1``): the copies counted are a lower bound."""
    DOSAGE = 3
    """Hard call derived from an imputed dosage (DS) or genotype probabilities (GP)."""
    UNCERTAIN = 4
    """Dosage too far from a whole number to call (plink2's hard-call rule); treated as missing."""
    HAPLOID = 5
    """A single allele on chromosome 14 (an autosome): treated as missing."""


RESOLVED = (CallState.CALLED, CallState.DOSAGE)


def call_table(state: UInt8Array, copies: Int8Array) -> npt.NDArray[np.intp]:
    """Samples per (call state, copies) pair, as a 256 x 256 table indexed ``[state, copies]``
    (copies read as an unsigned byte), counted in one pass over the samples."""
    key = (state.astype(np.intp) << 8) | copies.view(np.uint8)
    return np.bincount(key, minlength=1 << 16).reshape(256, 256)


@dataclass(slots=True)
class SiteCalls:
    """Calls of one screened site in one file.

    ``copies[i]``: copies of the site's ALT allele (the deficiency allele) carried by sample
    ``i``; for a half-call, the copies among the allele that was called. ``state[i]`` is a
    :class:`CallState`. ``probability[i]`` is the probability of the call where the file
    gives genotype probabilities (GP), else NaN; ``dosage`` the expected ALT count where
    the file gives one (DS or GP), else NaN.
    """

    site: Site
    match: Match
    contig: str
    position: int
    file_alleles: tuple[str, ...]
    copies: Int8Array
    state: UInt8Array
    probability: Float32Array | None = None
    dosage: Float32Array | None = None

    def counts(self) -> dict[str, int]:
        """Hard-call genotype counts: hom-ref, het, hom-alt, half-calls and missing."""
        table = call_table(self.state, self.copies)
        resolved = table[list(map(int, RESOLVED))].sum(axis=0)
        hom_ref, het, hom_alt = (int(v) for v in resolved[:3])
        half = int(table[CallState.HALF_CALL].sum())
        return {"hom_ref": hom_ref, "het": het, "hom_alt": hom_alt, "half_call": half,
                "missing": len(self.state) - int(resolved.sum()) - half}

    def to_dict(self) -> dict[str, object]:
        return {"allele": self.site.allele, "rsid": self.site.rsid, "contig": self.contig,
                "position": self.position, "file_alleles": list(self.file_alleles),
                "match": self.match.value, "counts": self.counts()}


@dataclass(frozen=True, slots=True)
class SiteNote:
    """A screened site this file could not show, and why."""

    site: Site
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"allele": self.site.allele, "rsid": self.site.rsid, "reason": self.reason}


class SampleNames(Sequence[str]):
    """Sample IDs of a file, split into Python strings only when first read.

    A 500,000-sample file holds 500,000 names; counting genotypes needs only their number,
    and splitting them costs longer than reading the genotypes. ``count`` must be exact
    (a reader counts separators in one C-level pass); ``split(source)`` returns the list
    and ``join(source)``, if given, the names joined by tabs (for the TSV); both must be
    module-level functions so the object can travel to Dask workers.
    """

    __slots__ = ("_count", "_join", "_names", "_source", "_split")

    def __init__(self, count: int, split: Callable[[bytes], list[str]], source: bytes,
                 join: Callable[[bytes], bytes] | None = None) -> None:
        self._count, self._split, self._source, self._join = count, split, source, join
        self._names: list[str] | None = None

    def names(self) -> list[str]:
        """The IDs as a list (split once, then kept)."""
        if self._names is None:
            names = self._split(self._source)
            if len(names) != self._count:
                raise ValueError(f"sample table split into {len(names)} names, expected {self._count}")
            self._names, self._source = names, b""
        return self._names

    def joined(self) -> bytes:
        """The IDs joined by tabs, UTF-8: ``"\\t".join(names()).encode()``, taken from the
        file's bytes without splitting when the reader gave a ``join`` (``source`` -> bytes)."""
        if self._names is None and self._join is not None:
            return self._join(self._source)
        return "\t".join(self.names()).encode("utf-8")

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        return self.names()[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SampleNames):
            return self._count == other._count and self.names() == other.names()
        if isinstance(other, list):
            return self.names() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._count)


def sample_list(samples: Sequence[str]) -> list[str]:
    """``samples`` as a list (no copy for :class:`SampleNames` already split)."""
    return samples.names() if isinstance(samples, SampleNames) else list(samples)


@dataclass(slots=True)
class FileScan:
    """Everything read from one file: samples, the sites seen and not seen, and warnings."""

    path: str
    format: str
    build: str | None
    samples: Sequence[str]
    build_basis: str = ""
    seen: list[SiteCalls] = field(default_factory=list)
    not_seen: list[SiteNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reader: str = ""
    contig: str | None = None

    def to_dict(self, *, sites: bool = True) -> dict[str, object]:
        """JSON-ready description; ``sites=False`` leaves out the sites seen and not seen."""
        out: dict[str, object] = {"path": self.path, "format": self.format, "build": self.build,
                                  "build_basis": self.build_basis, "contig": self.contig,
                                  "samples": len(self.samples), "reader": self.reader}
        if sites:
            out["sites_seen"] = [s.to_dict() for s in self.seen]
            out["sites_not_seen"] = [s.to_dict() for s in self.not_seen]
        out["warnings"] = list(self.warnings)
        return out


def empty_calls(site: Site, match: Match, contig: str, position: int, alleles: tuple[str, ...],
                n: int) -> SiteCalls:
    """A :class:`SiteCalls` for ``n`` samples, all missing, to be filled by a reader."""
    return SiteCalls(site, match, contig, position, alleles, np.zeros(n, np.int8),
                     np.full(n, CallState.MISSING, np.uint8))
