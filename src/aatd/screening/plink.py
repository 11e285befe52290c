"""PLINK 2 (.pgen/.pvar/.psam) and PLINK 1 (.bed/.bim/.fam) through pgenlib.

The variant table (.pvar/.bim) is streamed once to find the screened positions (constant
memory); pgenlib then reads just those variants. PLINK 1 has no REF: column 5 (A1) is the
counted allele and may be either allele (plink1.9 makes the minor allele A1 unless told
``--keep-allele-order``), so alleles are matched as a set: a swapped C/T order is safe, an
A/T site in swapped order is refused.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from aatd.errors import InputError
from aatd.screening.build import BuildEvidence, builds_named, choose_build
from aatd.screening.calls import fill_from_alleles, fill_from_counts
from aatd.screening.model import CallState, FileScan, SampleNames, SiteCalls, SiteNote, empty_calls
from aatd.screening.sites import BUILDS, CHROMOSOME_14_NAMES, Site, is_ambiguous, locate


@dataclass(frozen=True, slots=True)
class _Variant:
    index: int
    contig: str
    position: int
    alleles: tuple[str, ...]  # first = REF (pvar) or A2 (bim); the rest ALT(s) / A1
    rsid: str = ""


def _pgenlib() -> Any:
    try:
        return importlib.import_module("pgenlib")
    except ImportError as exc:  # pragma: no cover
        raise InputError("format", "plink", "pgenlib installed (pip install 'aatd[screening]')") from exc


def _stem(path: str, ext: str) -> str:
    return path[: -len(ext)] if path.endswith(ext) else path


def _need(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise InputError("file", path, f"the {what} next to the genotype file (same name, different extension)")
    return path


def _open_text(path: str) -> Any:
    if path.endswith(".zst"):
        raise InputError("file", path, "an uncompressed .pvar (decompress with 'zstd -d')")
    return open(path, encoding="utf-8", errors="strict")


def _scan_variants(path: str, bim: bool, positions: set[int]) -> tuple[list[_Variant], set[str], list[tuple[int, int]],
                                                                        int, set[str]]:
    """Stream a .pvar/.bim: variants at ``positions`` on chromosome 14, declared builds,
    (index, allele count) of multi-allelic variants, the variant count, contig names seen."""
    hits: list[_Variant] = []
    declared: set[str] = set()
    multi: list[tuple[int, int]] = []
    contigs: set[str] = set()
    cols = {"#CHROM": 0, "POS": 1, "ID": 2, "REF": 3, "ALT": 4}
    index = 0
    with _open_text(path) as handle:
        for line in handle:
            if not bim and line.startswith("##"):
                if line.startswith(("##contig", "##reference", "##assembly")):
                    declared |= builds_named([line])
                continue
            if not bim and line.startswith("#"):
                names = line.rstrip("\n").split("\t")
                cols = {name: i for i, name in enumerate(names)}
                continue
            fields = line.rstrip("\n").split() if bim else line.rstrip("\n").split("\t")
            if bim:
                contig, pos, alleles, vid = fields[0], int(fields[3]), (fields[5], fields[4]), fields[1]
            else:
                contig, pos = fields[cols["#CHROM"]], int(fields[cols["POS"]])
                vid = fields[cols["ID"]] if "ID" in cols else ""
                alts = fields[cols["ALT"]].split(",")
                alleles = (fields[cols["REF"]], *alts)
                if len(alts) > 1:
                    multi.append((index, len(alleles)))
            if len(contigs) < 64:
                contigs.add(contig)
            if pos in positions and contig in CHROMOSOME_14_NAMES:
                hits.append(_Variant(index, contig, pos, alleles, vid))
            index += 1
    return hits, declared, multi, index, contigs


_CHUNK_BYTES = 1 << 24
"""The .pvar is scanned in pieces of this many bytes (cut at line ends): memory stays constant."""
_PVAR_COLUMNS = [b"#CHROM", b"POS", b"ID", b"REF", b"ALT"]

VariantScan = tuple[list[_Variant], set[str], list[tuple[int, int]], int, set[str]]


def _scan_pvar_fast(path: str, positions: set[int], chunk_bytes: int = _CHUNK_BYTES) -> VariantScan | None:
    """:func:`_scan_variants` for a .pvar in C-speed passes over its bytes, or None when the
    file is not in plink2's column order (then the line-by-line scan runs).

    A biobank .pvar has millions of lines; parsing each in Python takes seconds. Here each
    piece is searched for ``TAB position TAB`` (only lines whose second column matches are
    parsed), line numbers come from counting line breaks, and only lines holding a comma are
    parsed to find multi-allelic variants (pgenlib needs their allele counts).
    """
    declared: set[str] = set()
    with open(path, "rb") as handle:
        while True:
            line = handle.readline()
            if line.startswith(b"##"):
                if line.startswith((b"##contig", b"##reference", b"##assembly")):
                    declared |= builds_named([line.decode("utf-8", errors="replace")])
                continue
            if not line.startswith(b"#") or line.rstrip(b"\r\n").split(b"\t")[:5] != _PVAR_COLUMNS:
                return None
            break
        patterns = [b"\t%d\t" % pos for pos in sorted(positions)]
        hits: list[_Variant] = []
        multi: list[tuple[int, int]] = []
        contigs: set[str] = set()
        index, rest = 0, b""
        while True:
            block = handle.read(chunk_bytes)
            data = rest + block
            cut = data.rfind(b"\n") + 1 if block else len(data)
            data, rest = data[:cut], data[cut:]
            if data and not data.endswith(b"\n"):
                data += b"\n"
            if data:
                _scan_piece(data, index, patterns, hits, multi, contigs)
                index += data.count(b"\n")
            if not block:
                break
    hits.sort(key=lambda v: v.index)
    return hits, declared, multi, index, contigs


def _scan_piece(data: bytes, first: int, patterns: list[bytes], hits: list[_Variant],
                multi: list[tuple[int, int]], contigs: set[str]) -> None:
    """Hits, multi-allelic variants and contig names of one piece of whole .pvar lines."""
    if len(contigs) < 64:
        contigs.add(data[:data.find(b"\t")].decode("utf-8", errors="replace"))
    for name in CHROMOSOME_14_NAMES:
        marker = name.encode() + b"\t"
        if data.startswith(marker) or b"\n" + marker in data:
            contigs.add(name)
    for pattern in patterns:
        for start, fields in _lines_with(data, pattern):
            if b"\t" in data[start:data.find(pattern, start)] or fields[0] not in CHROMOSOME_14_NAMES:
                continue  # the position is not this line's POS column, or not chromosome 14
            alleles = (fields[3], *fields[4].split(","))
            hits.append(_Variant(first + data.count(b"\n", 0, start), fields[0], int(fields[1]), alleles,
                                 fields[2]))
    if b"," in data:
        counted, at = 0, 0
        for start, fields in _lines_with(data, b","):
            counted += data.count(b"\n", at, start)
            at = start
            if "," in fields[4]:
                multi.append((first + counted, 2 + fields[4].count(",")))  # REF + ALTs


def _lines_with(data: bytes, needle: bytes) -> Iterator[tuple[int, list[str]]]:
    """(start offset, tab-separated fields) of each line of ``data`` containing ``needle``, once each."""
    found = data.find(needle)
    while found >= 0:
        start = data.rfind(b"\n", 0, found) + 1
        end = data.find(b"\n", found)
        yield start, data[start:end].rstrip(b"\r").decode("utf-8", errors="replace").split("\t")
        found = data.find(needle, end)


def _offsets(multi: list[tuple[int, int]], count: int) -> Any:
    if not multi:
        return None
    sizes = np.full(count, 2, np.uintp)
    for index, n_alleles in multi:
        sizes[index] = n_alleles
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.uintp)


def _samples(path: str, fam: bool, expected: int | None = None) -> SampleNames:
    """Sample IDs (IID) of a .fam or .psam: whitespace-separated, one row per sample.

    Counted in one C-level pass over the bytes (rows = line breaks) and split into names
    only when they are read (the TSV): counting genotypes needs only their number. A table
    with blank lines or CR line ends, or whose count differs from ``expected`` (the .pgen
    header's), is split at once so the count is exact.
    """
    with open(path, "rb") as handle:
        raw = handle.read()
    split = _split_fam if fam else _split_psam
    rows = raw.count(b"\n") + (0 if raw.endswith(b"\n") or not raw else 1) - (not fam and raw.startswith(b"#"))
    if b"\r" in raw or (expected is not None and rows != expected) or (expected is None and b"\n\n" in raw):
        try:
            names = split(raw)
        except UnicodeDecodeError as exc:
            raise InputError("file", path, "a UTF-8 sample table", hint=str(exc)) from exc
        rows = len(names)
    return SampleNames(rows, split, raw, _join_fam if fam else _join_psam)


def plink_sample_count(path: str) -> int | None:
    """Samples of a .pgen (its header) or .bed (lines of its .fam); None if unreadable."""
    try:
        if path.endswith(".bed"):
            return len(_samples(_need(_stem(path, ".bed") + ".fam", ".fam"), fam=True))
        return _pgen_sample_count(path if path.endswith(".pgen") else path + ".pgen")
    except (OSError, InputError):
        return None


def _pgen_sample_count(path: str) -> int | None:
    """The sample count a .pgen header states (PGEN spec: magic 6C 1B, mode, variant count
    u32, sample count u32, little-endian); None for modes without it."""
    with open(path, "rb") as handle:
        head = handle.read(11)
    if len(head) == 11 and head[:2] == b"\x6c\x1b" and head[2] in (0x02, 0x03, 0x10, 0x11):
        return int.from_bytes(head[7:11], "little")
    return None


def _split_fam(raw: bytes) -> list[str]:
    """IIDs (column 2) of a .fam."""
    return _split_table(raw.decode("utf-8"), fam=True)


def _split_psam(raw: bytes) -> list[str]:
    """IIDs of a .psam (the IID column of its header, else the first column)."""
    return _split_table(raw.decode("utf-8"), fam=False)


def _join_fam(raw: bytes) -> bytes:
    """IIDs of a .fam joined by tabs (:func:`joined_iids`)."""
    return joined_iids(raw, fam=True)


def _join_psam(raw: bytes) -> bytes:
    """IIDs of a .psam joined by tabs (:func:`joined_iids`)."""
    return joined_iids(raw, fam=False)


_WHITESPACE = np.zeros(256, bool)
_WHITESPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
"""The ASCII characters ``str.split()`` splits on."""


def joined_iids(raw: bytes, fam: bool) -> bytes:
    """The IIDs of a .fam or .psam joined by tabs, equal to ``"\\t".join`` of what
    :func:`_split_table` gives, for the TSV: in a few passes over the bytes (numpy), without
    a Python string per sample, for the usual ASCII table with the same columns on every row;
    any other table is split and joined."""
    header: list[str] = []
    body = raw
    if not fam and raw.startswith(b"#"):
        first, _, body = raw.partition(b"\n")
        header = first.decode("utf-8").lstrip("#").split()
    width = len(header) if header else (6 if fam else 0)
    iid = header.index("IID") if "IID" in header else (1 if fam else 0)
    rows = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
    if not body.isascii() or not width or not rows:
        return "\t".join(_split_table(raw.decode("utf-8"), fam)).encode("utf-8")
    data = np.frombuffer(body + b"\n", np.uint8)
    space = data <= 32  # whitespace, when every such byte is a tab, a line end or a space (counted in C)
    if int(np.count_nonzero(space)) != body.count(b"\t") + body.count(b"\n") + body.count(b" ") + 1:
        space = _WHITESPACE[data]
    flips = np.flatnonzero(space[1:] != space[:-1]) + 1  # where a token starts or ends, alternately
    if not space[0]:
        flips = np.concatenate(([0], flips))
    starts, ends = flips[0::2], flips[1::2]
    if len(starts) != width * rows or len(ends) != len(starts):
        return "\t".join(_split_table(raw.decode("utf-8"), fam)).encode("utf-8")
    first_byte, after = starts[iid::width], ends[iid::width] + 1  # each IID and the whitespace after it
    mark = np.zeros(len(data) + 1, np.int8)
    mark[first_byte] += 1
    mark[after] -= 1
    kept = data[np.cumsum(mark[:-1], dtype=np.int8).view(bool)]
    kept[np.cumsum(after - first_byte) - 1] = 9
    joined: bytes = kept[:-1].tobytes()
    return joined


def _split_table(text: str, fam: bool) -> list[str]:
    header: list[str] = []
    if not fam and text.startswith("#"):
        first, _, text = text.partition("\n")
        header = first.lstrip("#").split()
    width = len(header) if header else (6 if fam else 0)
    iid = header.index("IID") if "IID" in header else (1 if fam else 0)
    rows = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    tokens = text.split()
    if width and len(tokens) == width * rows:
        return tokens[iid::width]
    return [line.split()[iid] for line in text.splitlines() if line.strip()]


def read_plink(path: str, sites: tuple[Site, ...], build: str = "auto") -> FileScan:
    """Screen a PLINK 2 ``.pgen`` or PLINK 1 ``.bed`` fileset (give the .pgen/.bed, or the prefix)."""
    bed = path.endswith(".bed")
    stem = _stem(path, ".bed" if bed else ".pgen")
    geno = _need(path, "genotype file")
    variants = _need(stem + (".bim" if bed else ".pvar"), ".bim" if bed else ".pvar")
    samples = _samples(_need(stem + (".fam" if bed else ".psam"), ".fam" if bed else ".psam"), fam=bed,
                       expected=None if bed else _pgen_sample_count(geno))
    pgenlib = _pgenlib()
    wanted: dict[int, list[tuple[Site, str]]] = {}
    for site in sites:
        for b in BUILDS:
            wanted.setdefault(site.position(b), []).append((site, b))
    fast = None if bed or variants.endswith(".zst") else _scan_pvar_fast(variants, set(wanted))
    hits, declared, multi, count, contigs = fast or _scan_variants(variants, bed, set(wanted))
    if not contigs & set(CHROMOSOME_14_NAMES):
        raise InputError("contig", f"{variants}: {', '.join(sorted(contigs)[:8])}",
                         "chromosome 14 variants (contig 14 or chr14)")
    scan = FileScan(path, "plink1" if bed else "plink2", None, samples,
                    reader=f"pgenlib {getattr(pgenlib, '__version__', '')}".strip())
    try:
        reader = pgenlib.PgenReader(geno.encode(), raw_sample_ct=len(samples),
                                    allele_idx_offsets=_offsets(multi, count))
    except RuntimeError as exc:
        raise InputError("file", geno, "a PLINK genotype file matching its sample table", hint=str(exc)) from exc
    try:
        _read_hits(scan, reader, hits, wanted, declared, sites, build)
    finally:
        reader.close()
    return scan


def _read_hits(scan: FileScan, reader: Any, hits: list[_Variant], wanted: dict[int, list[tuple[Site, str]]],
               declared: set[str], sites: tuple[Site, ...], build: str) -> None:
    evidence = BuildEvidence()
    found: dict[tuple[str, str], SiteCalls] = {}
    notes: dict[tuple[str, str], str] = {}
    n = len(scan.samples)
    for var in hits:
        for site, b in wanted[var.position]:
            key = (site.allele, b)
            located = locate(site, var.alleles, reference_anchored=False)
            if located is None:
                if is_ambiguous(site, var.alleles):
                    evidence.add(b, site.label(b), True)
                    notes[key] = (f"refused: alleles {'/'.join(var.alleles[::-1])} (A1 first) at {var.contig}:"
                                  f"{var.position} list the A/T site in reverse order, so its strand cannot be "
                                  "known; it is never flipped")
                else:
                    notes.setdefault(key, f"other alleles only at {var.contig}:{var.position} "
                                          f"({'/'.join(var.alleles)})")
                continue
            evidence.add(b, site.label(b), True, same_id=var.rsid == site.rsid)
            if key in found:
                continue
            calls = empty_calls(site, located.match, var.contig, var.position, var.alleles, n)
            _fill(reader, calls, var, located.index)
            found[key] = calls
            if located.match != "exact":
                scan.warnings.append(f"{scan.path}: {site.label(b)} read from alleles "
                                     f"{'/'.join(var.alleles)} ({located.match.value})")
    chosen, how = choose_build(scan.path, build, declared, evidence)
    scan.build, scan.build_basis = chosen, how
    for site in sites:
        key = (site.allele, chosen or "")
        if key in found:
            scan.seen.append(found[key])
            scan.contig = found[key].contig
        else:
            where = f"14:{site.position(chosen)}" if chosen else "either build's position"
            scan.not_seen.append(SiteNote(site, notes.get(key, f"no variant at {where}")))


def _fill(reader: Any, calls: SiteCalls, var: _Variant, index: int) -> None:
    n = len(calls.copies)
    if len(var.alleles) > 2:
        alleles = np.empty(2 * n, np.int32)
        reader.read_alleles(var.index, alleles)
        alleles[alleles < 0] = -1
        fill_from_alleles(calls, alleles.reshape(n, 2), index)
        return
    counts = np.empty(n, np.int8)
    reader.read(var.index, counts)
    fill_from_counts(calls, counts, counted_is_alt=index == 1)
    dosages = np.empty(n, np.float64)
    reader.read_dosages(var.index, dosages)
    soft = (dosages >= 0) & (np.abs(dosages - np.rint(dosages)) > 1e-6)
    if soft.any():
        calls.dosage = np.where(dosages >= 0, dosages if index == 1 else 2 - dosages, np.nan).astype(np.float32)
        calls.state = np.where(soft & (calls.state == CallState.CALLED), CallState.DOSAGE, calls.state).astype(np.uint8)
