"""Input limits and strict JSON (aatd.limits) and the shortened values in errors (aatd.errors)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aatd import limits
from aatd.errors import InputError, json_value, shown
from aatd.genetics import genotypes
from aatd.genetics.alleles import allele_catalogue, find_allele, fold_name
from aatd.genetics.genotypes import parse_genotype, parse_phenotype, parse_result


@pytest.mark.parametrize("parse", [parse_genotype, parse_phenotype, parse_result])
def test_genotype_text__over_the_limit_is_refused_in_one_short_line(parse: object) -> None:
    text = "Z" * 1_000_000
    with pytest.raises(InputError) as caught:
        parse(text)  # type: ignore[operator]
    message = str(caught.value)
    assert f"at most {limits.GENOTYPE_TEXT} characters (got 1,000,000)" in message
    assert "(1,000,000 characters)" in message
    assert len(message) < 250


def test_genotype_text__at_the_limit_is_parsed() -> None:
    text = "PI*" + " " * (limits.GENOTYPE_TEXT - 6) + "Z/Z"
    assert len(text) == limits.GENOTYPE_TEXT
    assert parse_genotype(text).canonical == "ZZ"


def _all_cuts(token: str) -> set[tuple[str, str]]:
    """The old reading: every cut of the token (quadratic), kept as the reference."""
    found = set()
    for cut in range(1, len(token)):
        a, b = find_allele(token[:cut]), find_allele(token[cut:])
        if a is not None and b is not None:
            found.add((a.allele, b.allele))
    return found


NAMES = sorted({fold_name(n) for a in allele_catalogue() for n in (a.allele, a.display_name, *a.aliases)})


@given(st.lists(st.sampled_from([*NAMES, "x", "q", "0", "m"]), min_size=1, max_size=4))
def test_split_joined__bounded_cuts_find_what_every_cut_finds(pieces: list[str]) -> None:
    token = "".join(pieces)
    fast = {(a.allele, b.allele) for a, b in genotypes._split_joined(token)}
    assert fast == _all_cuts(token)


def test_cuts__do_not_grow_with_the_token() -> None:
    assert len(genotypes._cuts(10_000_000)) == 0
    assert len(genotypes._cuts(2 * genotypes._longest_name())) == 1


@pytest.mark.parametrize(("text", "problem"), [
    ("NaN", "NaN and Infinity are not JSON"), ('{"a": Infinity}', "NaN and Infinity"),
    ('[-Infinity]', "NaN and Infinity"), ('{"level": 1e999}', "overflows"), ("-1e400", "overflows"),
    ("1" * 5000, "at most 30 digits (got 5,000)"), ("[" * 100_000 + "]" * 100_000, "nested at most"),
    ("[" * 40 + "]" * 40, "nested at most 32"), ('{"a": ', "a UTF-8 JSON document"),
    (b"\xff\xfe", "a UTF-8 JSON document"),
])
def test_load_json__refuses_what_python_json_lets_through(text: str | bytes, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        limits.load_json(text, "file")
    assert caught.value.field == "file"
    assert problem in str(caught.value)
    json.dumps(caught.value.as_dict(), allow_nan=False)


def test_load_json__accepts_ordinary_documents() -> None:
    doc = {"members": [{"id": "a", "level": {"value": 85.5, "unit": "mg/dL"}, "age": 40}], "n": 10**20}
    assert limits.load_json(json.dumps(doc)) == doc
    assert limits.load_json("[" * 32 + "]" * 32) is not None


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 10**5000, "x" * 10_000, [[[[[1]]]]],
                                   {"k": 10**5000}, b"\x00" * 100, "a\x00b"],
                         ids=["nan", "inf", "-inf", "bigint", "long", "nested", "dict-bigint", "bytes", "nul"])
def test_error_values__are_json_safe_and_short(value: object) -> None:
    exc = InputError("field", value, "something")
    entry = exc.as_dict()
    text = json.dumps(entry, allow_nan=False)
    assert len(text) < 600
    assert len(str(exc)) < 200
    assert isinstance(json_value(value), str | int | float | None)


def test_shown__keeps_short_values_as_repr() -> None:
    assert shown("ZX") == "'ZX'"
    assert shown(3.5) == "3.5"
    assert str(InputError("genotype", "ZX", "two alleles")) == "genotype: got 'ZX'; expected two alleles"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(alphabet="ab\\u0{[\x00\x01é", max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet="k\x00[", max_size=3), inner,
                                                                 max_size=3),
    max_leaves=60)


@given(_JSON_VALUES)
def test_load_json__refuses_deep_nesting_exactly_when_the_walk_finds_it(doc: object) -> None:
    """The bracket count lets most documents skip the walk of the parsed value; it must never let a document
    nested deeper than the limit through (brackets inside strings only make the count larger)."""
    text = json.dumps(doc)
    if limits._depth(doc) > limits.JSON_DEPTH:
        assert limits._could_nest_deeper(text)
        with pytest.raises(InputError):
            limits.load_json(text)
    else:
        assert limits.load_json(text) == doc


def test_load_json__deep_nesting_found_past_the_bracket_count() -> None:
    deep = "[" * 33 + "]" * 33
    assert limits._could_nest_deeper(deep)
    with pytest.raises(InputError, match="nested at most 32"):
        limits.load_json(deep)
    assert not limits._could_nest_deeper('{"a": [1, 2, {"b": []}]}')


@pytest.mark.parametrize(("text", "source", "said"), [
    ("hello", "notes.txt", "'notes.txt' is not JSON: expecting a value at line 1, column 1"),
    ('{"a": 1}\n{"b": 2}', None, "the document is not JSON: more after the end of the document at line 2, column 1"),
    ('{"a": 1,}', "x.json", "'x.json' is not JSON: expecting a name in double quotes at line 1, column 9"),
    ('{"a": 1 "b": 2}', None, "the document is not JSON: expecting ',' delimiter at line 1, column 9"),
    (b"\x80", "a.json", "'a.json' is not UTF-8 text: byte 0x80 at position 0"),
])
def test_load_json__says_which_document_is_not_json_and_why_in_words(text: str | bytes, source: str | None,
                                                                      said: str) -> None:
    """The page import said "file: got 'line 1 column 1'; expected a UTF-8 JSON document" (second review)."""
    with pytest.raises(InputError) as refused:
        limits.load_json(text, "file", source=source)
    assert refused.value.field == "file" and said in str(refused.value)
    if source is not None:
        assert refused.value.value == source


def test_time_budget_at_most__keeps_a_sooner_deadline_and_sets_one_otherwise() -> None:
    """A step's budget cannot extend the request's: inside a spent budget it still stops; alone it bounds."""
    from aatd.limits import TimeBudgetExceeded, check_time_budget, time_budget, time_budget_at_most

    with time_budget(0.0), time_budget_at_most(60.0), pytest.raises(TimeBudgetExceeded) as spent:
        check_time_budget("step")
    assert spent.value.seconds == 0.0 and spent.value.stage == "step"
    with time_budget_at_most(0.0), pytest.raises(TimeBudgetExceeded):
        check_time_budget("step")
    with time_budget(60.0), time_budget_at_most(0.0), pytest.raises(TimeBudgetExceeded) as sooner:
        check_time_budget("step")
    assert sooner.value.seconds == 0.0
    check_time_budget("no budget outside")  # nothing set here: no error
