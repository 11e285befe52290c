"""The per-sample TSV: the vectorised writer equals joining the rows one by one, and the fast
``aatd screen`` (no Typer) writes byte for byte what the Typer command writes, on files the
real tools wrote (bcftools BCF and bgzipped VCF, plink2 .pgen and .bed, imputed dosages)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd.cli import _common, app
from aatd.cli.screen_fast import fast_screen
from aatd.screening import TSV_COLUMNS, ScreenResult, screen
from aatd.screening import result as result_module
from aatd.screening.result import join_rows

from .conftest import S38, Z38, Cohort, Record, cohort_records, run, samples, tool

NAME = st.text(st.characters(codec="utf-8", exclude_characters="\t"), min_size=1, max_size=12)


def _row_by_row(names: list[str], which: list[int], suffixes: list[str]) -> bytes:
    return "".join(name + suffixes[w] for name, w in zip(names, which, strict=True)).encode("utf-8")


@given(st.lists(NAME, min_size=1, max_size=60), st.lists(st.text(max_size=20), min_size=1, max_size=8),
       st.data())
def test_join_rows_equals_joining_row_by_row(names: list[str], suffixes: list[str], data: st.DataObject) -> None:
    which = data.draw(st.lists(st.integers(0, len(suffixes) - 1), min_size=len(names), max_size=len(names)))
    pieces = join_rows("\t".join(names).encode("utf-8"), np.array(which, np.int64),
                       [s.encode("utf-8") for s in suffixes], chunk=data.draw(st.integers(1, 70)))
    joined = None if pieces is None else b"".join(pieces)
    assert joined is None or joined == _row_by_row(names, which, suffixes)
    if all(name.isascii() and name.isalnum() for name in names) and all(s.isascii() for s in suffixes):
        assert joined == _row_by_row(names, which, suffixes)  # printable ASCII names leave 128+ byte values free


def test_join_rows_declines_a_name_holding_a_tab_or_no_free_marker() -> None:
    which = np.zeros(2, np.int64)
    assert join_rows(b"a\tb\tc", which, [b"\t1\n"]) is None  # three tab-separated pieces for two samples
    every_byte = bytes(b for b in range(256) if b != 9)
    assert join_rows(every_byte + b"\tx", which, [b"\n"]) is None
    pieces = join_rows(b"a\tb", which, [b"\t1\n"])
    assert pieces is not None and b"".join(pieces) == b"a\t1\nb\t1\n"


def _tsv_from_rows(result: ScreenResult) -> bytes:
    """The reference TSV: one Python string per sample from :meth:`ScreenResult.rows`."""
    lines = ["\t".join(TSV_COLUMNS)] + ["\t".join(row[c] for c in TSV_COLUMNS) for row in result.rows()]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def real_files(cohort: Cohort, no_half_cohort: Cohort, make_vcf: Callable[..., Path],
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Files written by bcftools, tabix and plink2, and the screen arguments for each."""
    d = tmp_path_factory.mktemp("tsv")
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-pgen", "--out", d / "p")
    run(tool("plink2"), "--bcf", no_half_cohort.bcf, "--make-bed", "--out", d / "b")
    rng = np.random.default_rng(7)
    accented = [f"Zoë-José_{i}" for i in range(40)]  # UTF-8 names: the BCF reader's non-ASCII path
    gts = ["./.", "./.", "0/1", "./.", "1/1", "0/0"] * 5
    extra = ["0.95:0.04,0.95,0.01", "1.5:0.2,0.1,0.7", "1:0,1,0", "1.92:0.0,0.08,0.92", "2:0,0,1", "0:1,0,0"] * 5
    dosage = make_vcf([Record(Z38, "rs28929474", "C", "T", gts, extra),
                       Record(S38, "rs17580", "T", "A", ["0/0"] * 30, ["0:1,0,0"] * 30)], samples(30), fmt="GT:DS:GP")
    return {
        "bcf": [str(cohort.bcf)],
        "vcf.gz (cyvcf2)": [str(cohort.vcf_gz)],
        "pgen": [str(d / "p.pgen")],
        "bed": [str(d / "b.bed")],
        "bcf, UTF-8 names": [str(make_vcf(cohort_records(rng, len(accented)), accented))],
        "imputed DS/GP": [str(dosage)],
        "two batches": [str(no_half_cohort.bcf), str(make_vcf(cohort_records(rng, 25), samples(25, "B")))],
    }


KINDS = ("bcf", "vcf.gz (cyvcf2)", "pgen", "bed", "bcf, UTF-8 names", "imputed DS/GP", "two batches")


@pytest.mark.parametrize("kind", KINDS)
def test_vectorised_tsv_equals_the_rows_one_by_one(real_files: dict[str, list[str]], kind: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = screen(real_files[kind])
    written = b"".join(result.tsv_chunks())
    assert written == _tsv_from_rows(result)
    assert written.count(b"\n") == len(result.samples) + 1
    if kind == "imputed DS/GP":  # per-sample probabilities: the one-row-at-a-time branch
        assert not np.isnan(result.calls.probability).all() and b"\t0.950\t" in written
    if kind == "bcf, UTF-8 names":
        assert "Zoë-José_39\t".encode() in written
    monkeypatch.setattr(result_module, "join_rows", lambda *args: None)  # the fallback, one row at a time
    assert b"".join(result.tsv_chunks()) == written


@pytest.mark.parametrize("kind", KINDS)
def test_fast_cli_writes_what_the_typer_command_writes(real_files: dict[str, list[str]], kind: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    fast, slow = tmp_path / "fast.tsv", tmp_path / "slow.tsv"
    assert fast_screen([*real_files[kind], "--out", str(fast), "--json"])
    fast_json = capsys.readouterr().out
    _common.run(app, ["screen", *real_files[kind], "--out", str(slow), "--json"])
    slow_json = capsys.readouterr().out
    assert fast.read_bytes() == slow.read_bytes() == _tsv_from_rows(screen(real_files[kind]))
    assert fast_json == slow_json and json.loads(fast_json)["samples"] > 0
    assert fast_screen([*real_files[kind], "--out", str(fast)])
    fast_summary = capsys.readouterr().out
    _common.run(app, ["screen", *real_files[kind], "--out", str(slow)])
    assert fast_summary == capsys.readouterr().out and fast_summary.startswith("Samples: ")


def test_tsv_to_stdout_is_the_same_through_both_paths(cohort: Cohort, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out -`` writes the rows to stdout (binary when it has a buffer, else as text) and no summary."""
    expected = _tsv_from_rows(screen([str(cohort.bcf)])).decode("utf-8")
    assert fast_screen([str(cohort.bcf), "--out", "-"])
    assert capsys.readouterr().out == expected
    _common.run(app, ["screen", str(cohort.bcf), "--out", "-"])
    assert capsys.readouterr().out == expected
    text_only = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text_only)
    assert fast_screen([str(cohort.bcf), "--out", "-"])
    assert text_only.getvalue() == expected
