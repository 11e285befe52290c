"""Indexed BCF read directly: the CSI index, the BGZF blocks and the GT bytes of a few records.

Why not through htslib: opening a 500,000-sample BCF with cyvcf2 builds a C sample
dictionary and Python strings for the whole header (0.5 s), which is longer than
``bcftools query`` takes for the whole job. Screening needs only the sample names, the
contig and FORMAT dictionaries, and three records, so this module reads exactly that:

- the header text (BCF2.2: ``BCF\\2\\2``, a little-endian length, the VCF header text);
- the CSI index (``.csi``, htslib's binning scheme) to find where the screened positions'
  records start, so only the compressed blocks holding them are inflated (zlib, stdlib);
- each record's shared part (contig, position, ID, alleles) and its FORMAT fields, decoded
  straight into numpy: GT bytes ``(allele + 1) << 1 | phased`` (0 = missing allele,
  int8 -127 = end of a shorter vector), DS/GP as float32 (NaN = missing).

Specification: "The Variant Call Format (VCF) Version 4.3 Specification", section 6 (BCF2),
and "The CSI index format" (samtools hts-specs, CSIv1.pdf). The answers are checked against
cyvcf2/htslib and bcftools on files bcftools wrote (tests/screening/test_bcf.py).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from aatd.errors import InputError
from aatd.screening.calls import calls_from_alleles, quiet_nan
from aatd.screening.model import SampleNames

_BGZF_MAGIC = b"\x1f\x8b\x08\x04"
_INT_END = {1: -127, 2: -32767, 3: -2147483647}
"""htslib's "end of vector" value per integer type (a haploid sample in a diploid GT)."""
_DTYPES: dict[int, type[np.generic]] = {1: np.int8, 2: np.int16, 3: np.int32, 5: np.float32}
_SIZES = {0: 0, 1: 1, 2: 2, 3: 4, 5: 4, 7: 1}
_LIMIT_BLOCKS = 1 << 20
"""At most this many compressed blocks are read for one region (64 GB of text): a guard, never reached."""


class _Blocks:
    """Sequential reader of a BGZF file from a virtual offset, inflating block by block."""

    def __init__(self, handle: BinaryIO, path: str, voffset: int = 0) -> None:
        self._handle = handle
        self._path = path
        self._blocks = 0
        handle.seek(voffset >> 16)
        self._buf = self._block() or b""
        self._pos = voffset & 0xFFFF

    def _block(self) -> bytes | None:
        """The next block's data; None at the end of the file."""
        handle = self._handle
        head = handle.read(18)
        if len(head) < 18:
            return None
        if head[:4] != _BGZF_MAGIC:
            raise InputError("file", self._path, "a BGZF-compressed BCF (written by bcftools or htslib)")
        xlen = struct.unpack_from("<H", head, 10)[0]
        extra = head[12:18] + handle.read(xlen - 6)
        body = handle.read(_bsize(extra, self._path) - 11 - xlen)
        self._blocks += 1
        if self._blocks > _LIMIT_BLOCKS:
            raise InputError("file", self._path, "a BCF whose screened region fits in 64 GB")
        try:
            return zlib.decompress(body[:-8], -15)
        except zlib.error as exc:
            raise InputError("file", self._path, "an intact BGZF block", hint=str(exc)) from exc

    def read(self, n: int) -> bytes | None:
        """Exactly ``n`` bytes, or None at the end of the file."""
        have = len(self._buf) - self._pos
        if have >= n:
            self._pos += n
            return self._buf[self._pos - n:self._pos]
        parts = [self._buf[self._pos:]]
        while have < n:
            data = self._block()
            if data is None:
                if have == 0:
                    return None
                raise InputError("file", self._path, "a complete BCF file", hint="it ends inside a record")
            parts.append(data)
            have += len(data)
        self._buf = b"".join(parts)
        self._pos = n
        return self._buf[:n]


def _bsize(extra: bytes, path: str) -> int:
    i = 0
    while i + 4 <= len(extra):
        si1, si2, slen = extra[i], extra[i + 1], struct.unpack_from("<H", extra, i + 2)[0]
        if si1 == 66 and si2 == 67 and slen == 2:
            return int(struct.unpack_from("<H", extra, i + 4)[0])
        i += 4 + slen
    raise InputError("file", path, "BGZF blocks with their BC size field")


@dataclass(frozen=True, slots=True)
class BcfHeader:
    """What screening needs of a BCF header."""

    text: str
    """The meta-information lines (without the ``#CHROM`` line)."""
    samples: SampleNames
    contigs: list[str]
    """Contig names by their BCF index."""
    strings: dict[int, str]
    """FILTER/INFO/FORMAT IDs by their BCF dictionary index."""


def _dictionaries(lines: list[str]) -> tuple[list[str], dict[int, str]]:
    """Contig and string dictionaries in htslib order (order of definition, PASS first, IDX= wins)."""
    contigs: dict[int, str] = {}
    strings: dict[str, int] = {"PASS": 0}
    for line in lines:
        kind = line[2:line.find("=")] if line.startswith("##") else ""
        if kind not in ("contig", "FILTER", "INFO", "FORMAT"):
            continue
        found = re.search(r"[<,]ID=([^,>]+)", line)
        if found is None:
            continue
        name = found.group(1)
        idx = re.search(r"[<,]IDX=(\d+)", line)
        if kind == "contig":
            contigs[int(idx.group(1)) if idx else len(contigs)] = name
        elif name not in strings:
            strings[name] = int(idx.group(1)) if idx else max(strings.values()) + 1
    ordered = [contigs.get(i, "") for i in range(max(contigs, default=-1) + 1)]  # position = BCF contig index
    return ordered, {v: k for k, v in strings.items()}


def read_header(stream: _Blocks, path: str) -> BcfHeader:
    magic = stream.read(5)
    if magic != b"BCF\x02\x02" and magic != b"BCF\x02\x01":
        raise InputError("file", path, "a BCF 2.x file (magic BCF\\2\\2)")
    size = stream.read(4)
    assert size is not None
    raw = stream.read(struct.unpack("<I", size)[0])
    if raw is None:
        raise InputError("file", path, "a complete BCF header")
    raw = raw.rstrip(b"\0\n")
    cut = raw.rfind(b"\n#CHROM")
    if cut < 0:
        raise InputError("file", path, "a BCF header ending with the #CHROM line")
    meta = raw[:cut].decode("utf-8", errors="replace")
    last = raw[cut + 1:]
    contigs, strings = _dictionaries(meta.split("\n"))
    return BcfHeader(meta, SampleNames(max(last.count(b"\t") - 8, 0), _sample_names, last,
                                                        _joined_sample_names), contigs, strings)


def _sample_names(chrom_line: bytes) -> list[str]:
    """Sample IDs of a ``#CHROM`` line (the columns after FORMAT)."""
    return chrom_line.decode("utf-8", errors="replace").split("\t")[9:]


def _joined_sample_names(chrom_line: bytes) -> bytes:
    """The sample IDs of a ``#CHROM`` line joined by tabs, as :func:`_sample_names` then joined
    would give them: the line's own bytes after the ninth tab when they are ASCII."""
    cut = -1
    for _ in range(9):
        cut = chrom_line.find(b"\t", cut + 1)
        if cut < 0:
            return b""
    names = chrom_line[cut + 1:]
    return names if names.isascii() else names.decode("utf-8", errors="replace").encode("utf-8")


@dataclass(frozen=True, slots=True)
class _Bin:
    loffset: int
    chunks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class CsiIndex:
    """A CSI index: per contig, bin number -> (lowest offset, chunks of virtual offsets)."""

    min_shift: int
    depth: int
    refs: list[dict[int, _Bin]]

    def start(self, tid: int, beg: int, end: int) -> int | None:
        """Virtual offset where reading finds every record overlapping ``[beg, end)`` (0-based)
        of contig ``tid``, or None when the index says there are none (htslib's hts_itr_query)."""
        if tid >= len(self.refs):
            return None
        bins = self.refs[tid]
        chunks = [c for b in self._overlapping(beg, end) if b in bins for c in bins[b].chunks]
        if not chunks:
            return None
        leaf = ((1 << (3 * self.depth + 3)) - 1) // 7 + (beg >> self.min_shift)
        while leaf > 0 and leaf not in bins:
            leaf = (leaf - 1) >> 3
        min_off = bins[leaf].loffset if leaf in bins else 0
        useful = [max(b, min_off) for b, e in chunks if e > min_off]
        return min(useful) if useful else None

    def _overlapping(self, beg: int, end: int) -> Iterator[int]:
        end -= 1
        shift, first = self.min_shift + 3 * self.depth, 0
        for level in range(self.depth + 1):
            yield from range(first + (beg >> shift), first + (end >> shift) + 1)
            shift -= 3
            first += 1 << (3 * level)


def read_csi(path: str) -> CsiIndex:
    """Parse a ``.csi`` index (BGZF-compressed)."""
    with open(path, "rb") as handle:
        data = _inflate_all(handle.read(), path)
    if data[:4] != b"CSI\x01":
        raise InputError("index", path, "a CSI index written by bcftools index")
    min_shift, depth, l_aux = struct.unpack_from("<iii", data, 4)
    o = 16 + l_aux
    (n_ref,) = struct.unpack_from("<i", data, o)
    o += 4
    refs: list[dict[int, _Bin]] = []
    for _ in range(n_ref):
        (n_bin,) = struct.unpack_from("<i", data, o)
        o += 4
        bins: dict[int, _Bin] = {}
        for _ in range(n_bin):
            bin_no, loffset, n_chunk = struct.unpack_from("<IQi", data, o)
            o += 16
            flat = struct.unpack_from(f"<{2 * n_chunk}Q", data, o)
            o += 16 * n_chunk
            bins[bin_no] = _Bin(loffset, tuple(zip(flat[::2], flat[1::2], strict=True)))
        refs.append(bins)
    return CsiIndex(min_shift, depth, refs)


def _inflate_all(raw: bytes, path: str) -> bytes:
    out = []
    o = 0
    while o < len(raw):
        if raw[o:o + 4] != _BGZF_MAGIC:
            raise InputError("index", path, "a BGZF-compressed CSI index")
        xlen = struct.unpack_from("<H", raw, o + 10)[0]
        bsize = _bsize(raw[o + 12:o + 12 + xlen], path)
        out.append(zlib.decompress(raw[o + 12 + xlen:o + bsize - 7], -15))
        o += bsize + 1
    return b"".join(out)


@dataclass(slots=True)
class BcfRecord:
    """One record: contig index, 1-based position, ID, alleles and its raw FORMAT fields."""

    tid: int
    pos: int
    rsid: str
    alleles: tuple[str, ...]
    n_samples: int
    fields: dict[str, tuple[int, int, memoryview]]
    """FORMAT ID -> (type code, values per sample, bytes)."""

    def gt_alleles(self) -> npt.NDArray[np.int32] | None:
        """(samples x ploidy) allele indices as htslib/cyvcf2: -1 missing, -2 end of vector."""
        field = self.fields.get("GT")
        if field is None or field[0] not in _INT_END:
            return None
        kind, width, raw = field
        return _gt_alleles(np.frombuffer(raw, _DTYPES[kind], self.n_samples * width).reshape(self.n_samples, width),
                           kind)

    def gt_calls(self, index: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint8]] | None:
        """Copies of allele ``index`` and call states of diploid one-byte GT values (the usual
        BCF), by one table look-up per sample; None for other GT layouts.

        The table is :func:`calls_from_alleles` of :meth:`gt_alleles` applied to every possible
        pair of GT bytes, so the answer is that of decoding first (tests/screening/test_bcf.py),
        without the dozen passes over every sample that decoding takes.
        """
        field = self.fields.get("GT")
        if field is None or field[0] != 1 or field[1] != 2 or self.n_samples == 0:
            return None
        codes = _pair_table(index)[np.frombuffer(field[2], "<u2", self.n_samples)]
        return (codes & 3).view(np.int8), codes >> 2

    def floats(self, name: str) -> npt.NDArray[np.float32] | None:
        """(samples x values) of a Float FORMAT field (DS, GP); NaN where missing."""
        field = self.fields.get(name)
        if field is None or field[0] != 5:
            return None
        _, width, raw = field
        values = np.frombuffer(raw, np.float32, self.n_samples * width).reshape(self.n_samples, width)
        return quiet_nan(values)


def _gt_alleles(values: npt.NDArray[np.integer], kind: int) -> npt.NDArray[np.int32]:
    """Allele indices of BCF GT values ``(allele + 1) << 1 | phased``: -1 missing, -2 end of vector."""
    alleles = (values.astype(np.int32) >> 1) - 1
    alleles[values == _INT_END[kind]] = -2
    alleles[alleles < -2] = -1  # the integer "missing" value
    return alleles


@cache
def _pair_table(index: int) -> npt.NDArray[np.uint8]:
    """``state << 2 | copies`` of allele ``index`` for each of the 65,536 pairs of one-byte GT
    values, indexed by the pair read as a little-endian uint16 (first value in the low byte)."""
    pairs = np.arange(1 << 16, dtype="<u2").view(np.int8).reshape(-1, 2)
    found = calls_from_alleles(_gt_alleles(pairs, 1), index)
    assert found is not None  # two columns
    copies, state = found
    return ((state << 2) | copies.view(np.uint8)).astype(np.uint8)


def _typed(buf: bytes, o: int) -> tuple[int, int, int]:
    """(type, count, offset after the descriptor) of a typed value."""
    desc = buf[o]
    kind, count = desc & 0x0F, desc >> 4
    o += 1
    if count == 15:
        ckind, _, o = _typed(buf, o)
        size = _SIZES[ckind]
        count = int.from_bytes(buf[o:o + size], "little", signed=True)
        o += size
    return kind, count, o


def _typed_int(buf: bytes, o: int) -> tuple[int, int]:
    kind, _, o = _typed(buf, o)
    size = _SIZES[kind]
    return int.from_bytes(buf[o:o + size], "little", signed=True), o + size


def _string(buf: bytes, o: int) -> tuple[str, int]:
    kind, count, o = _typed(buf, o)
    text = buf[o:o + count * _SIZES[kind]].rstrip(b"\0").decode("ascii", errors="replace")
    return text, o + count * _SIZES[kind]


def _record(shared: bytes, indiv: bytes, strings: dict[int, str], path: str) -> BcfRecord:
    tid, pos0 = struct.unpack_from("<ii", shared, 0)
    n_allele_info, n_fmt_sample = struct.unpack_from("<II", shared, 16)
    n_allele, n_samples, n_fmt = n_allele_info >> 16, n_fmt_sample & 0xFFFFFF, n_fmt_sample >> 24
    rsid, o = _string(shared, 24)
    alleles = []
    for _ in range(n_allele):
        allele, o = _string(shared, o)
        alleles.append(allele)
    fields: dict[str, tuple[int, int, memoryview]] = {}
    view = memoryview(indiv)
    o = 0
    for _ in range(n_fmt):
        key, o = _typed_int(indiv, o)
        kind, width, o = _typed(indiv, o)
        if kind not in _SIZES:
            raise InputError("file", path, "BCF FORMAT values of a known type", hint=f"type code {kind}")
        size = n_samples * width * _SIZES[kind]
        fields[strings.get(key, f"#{key}")] = (kind, width, view[o:o + size])
        o += size
    return BcfRecord(tid, pos0 + 1, "" if rsid == "." else rsid, tuple(alleles), n_samples, fields)


def records_near(path: str, index: CsiIndex, header: BcfHeader, tid: int,
                 beg: int, end: int) -> Iterator[BcfRecord]:
    """Records of contig ``tid`` whose 1-based position is in ``[beg, end]``.

    Only the shared part of other records is parsed; their sample data are skipped."""
    start = index.start(tid, beg - 1, end)
    if start is None:
        return
    with open(path, "rb") as handle:
        stream = _Blocks(handle, path, start)
        while True:
            lengths = stream.read(8)
            if lengths is None:
                return
            l_shared, l_indiv = struct.unpack("<II", lengths)
            shared = stream.read(l_shared)
            indiv = stream.read(l_indiv)
            if shared is None or indiv is None:
                raise InputError("file", path, "a complete BCF file", hint="it ends inside a record")
            rec_tid, pos0 = struct.unpack_from("<ii", shared, 0)
            if rec_tid != tid or pos0 + 1 > end:
                return
            if pos0 + 1 >= beg:
                yield _record(shared, indiv, header.strings, path)


def open_header(path: str) -> BcfHeader:
    """The header of a BGZF-compressed BCF."""
    with open(path, "rb") as handle:
        return read_header(_Blocks(handle, path, 0), path)
