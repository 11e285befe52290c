"""The interpretation engine: errors, invariants, citations, patient text and the CLI."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from aatd.cli import app
from aatd.clinic.augmentation import ClinicalFacts, LevelEvidence, Smoking, augmentation_eligibility
from aatd.clinic.guidelines import guideline_tables, load_guideline_tables
from aatd.clinic.interpretation import (
    SEVERITY_ORDER,
    describe_interpretation,
    genotype_candidates,
    get_panel,
    interpret_result,
    phenotype_candidates,
)
from aatd.errors import DataError, InputError
from aatd.genetics.genotypes import parse_genotype, parse_phenotype
from aatd.genetics.levels import level_distribution
from aatd.genetics.units import Crp, Level, Unit
from aatd.knowledge import data_directory, knowledge, split_sources


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"level": -3, "unit": "mg/dL"}, "level.value"),
    ({"level": 30, "unit": "furlongs"}, "level.unit"),
    ({"level": 30}, "level.unit"),
    ({"level": 30, "unit": "mg/dL", "method": "guesswork"}, "level.method"),
    ({"genotype": "ZZ", "phenotype": "MM"}, "phenotype"),
    ({"genotype": "ZX"}, "genotype"),
    ({"genotype": "MZ", "panel": "magic"}, "panel"),
    ({"genotype": "Z/Mmalton", "panel": "sz"}, "genotype"),
    ({"phenotype": "MZ", "panel": "sz"}, "panel"),
    ({"level": 30, "unit": "mg/dL", "crp": -1}, "crp"),
    ({"genotype": "ZZ", "fev1_pct": 0}, "fev1_pct"),
    ({"genotype": "ZZ", "smoking": "sometimes"}, "smoking"),
    ({}, "result"),
    ({"unit": "mg/dL"}, "level"),
])
def test_describe_interpretation__impossible_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        describe_interpretation(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")


def test_genotype_candidates__sz_panel_reads_untested_alleles_as_m() -> None:
    found = {g.canonical for g in genotype_candidates(parse_genotype("MZ"), get_panel("sz"))}
    assert {"MZ", "Z/Null", "Z/Mmalton", "Z/I"} <= found
    assert "SZ" not in found and "ZZ" not in found


def test_genotype_candidates__sequencing_leaves_only_the_reported_genotype() -> None:
    assert {g.canonical for g in genotype_candidates(parse_genotype("MZ"), get_panel("sequencing"))} == {"MZ"}


def test_genotype_candidates__alphaid_excludes_its_fourteen_alleles() -> None:
    panel = get_panel("alphaid_14")
    assert len(panel.alleles) == 14
    found = {g.canonical for g in genotype_candidates(parse_genotype("MZ"), panel)}
    assert "Z/Mmalton" not in found and "Z/Null" in found


def test_phenotype_candidates__single_z_band_is_zz_or_z_null() -> None:
    found = {g.canonical for g in phenotype_candidates(parse_phenotype("Z"))}
    assert {"ZZ", "Z/Null"} <= found and "MZ" not in found


def test_interpret_result__z_null_posterior_matches_bayes_by_hand() -> None:
    """Independent check: prior x likelihood for ZZ vs Z/Null computed here from the level model."""
    level = Level(2.0, Unit.UMOL_L)
    interp = interpret_result(level=level, crp=Crp.of(1.0), phenotype=parse_phenotype("Z"))
    z = knowledge().countries["usa"].z
    rare = guideline_tables().parameter("rare_allele_frequency")
    zz = z * z * level_distribution("ZZ").pdf(2.0)
    znull = 2 * z * rare * level_distribution("Z/Null").pdf(2.0)
    probs = interp.genotype_probabilities
    assert probs["Z/Null"] / probs["ZZ"] == pytest.approx(znull / zz, rel=1e-6)


def test_interpret_result__country_changes_the_prior() -> None:
    usa = interpret_result(phenotype=parse_phenotype("Z"), country_name="USA").genotype_probabilities["ZZ"]
    mexico = interpret_result(phenotype=parse_phenotype("Z"), country_name="Mexico").genotype_probabilities["ZZ"]
    assert mexico < usa  # fewer Z alleles make Z/Null relatively more likely


@given(st.floats(min_value=0.5, max_value=50.0), st.floats(min_value=0.5, max_value=50.0))
def test_interpret_result__lowering_a_level_never_lowers_severity_for_level_only(a: float, b: float) -> None:
    """Within the range measured in people (above ~53 umol/L the unit check takes over)."""
    low, high = sorted((a, b))
    sev_low = interpret_result(level=Level(low, Unit.UMOL_L), crp=Crp.of(1.0)).severity
    sev_high = interpret_result(level=Level(high, Unit.UMOL_L), crp=Crp.of(1.0)).severity
    assert SEVERITY_ORDER.index(sev_low) >= SEVERITY_ORDER.index(sev_high)


@given(st.floats(min_value=0.5, max_value=40.0))
def test_interpret_result__genotype_zz_is_never_called_normal(umol: float) -> None:
    interp = interpret_result(level=Level(umol, Unit.UMOL_L), genotype=parse_genotype("ZZ"), crp=Crp.of(1.0))
    assert interp.severity in ("severe", "absent", "indeterminate")


@given(st.sampled_from(["MM", "MS", "MZ", "SZ", "ZZ", "SS"]), st.floats(min_value=0.5, max_value=60.0),
       st.one_of(st.none(), st.floats(min_value=0, max_value=200)))
def test_describe_interpretation__every_claim_and_step_cites_a_known_source(genotype: str, umol: float,
                                                                             crp: float | None) -> None:
    result = describe_interpretation(level=umol, unit="umol/L", genotype=genotype, crp=crp)
    for item in [*result["explanation"], *result["next_step_details"]]:  # type: ignore[misc]
        assert item["source_ids"], item
        assert all(s in knowledge().sources for s in item["source_ids"])
    assert set(result) >= {"severity", "consistent", "next_steps", "explanation", "provenance"}


def test_guideline_tables__every_recommendation_cites_a_guideline_in_the_tables() -> None:
    tables = guideline_tables()
    guideline_sources = {s for g in tables.guidelines.values() for s in split_sources(g.source)}
    for code, step in tables.next_steps.items():
        assert guideline_sources.intersection(split_sources(step.source)) or code in (
            "no_further_testing", "repeat_level", "repeat_level_without_inflammation", "phenotype", "check_unit",
            "repeat_level_after_pregnancy", "resolve_discordance"), code  # laboratory steps (Mayo, Snyder 2006)
    for rule in tables.testing_rules:
        assert tables.guidelines[rule.guideline].source in split_sources(rule.source) or rule.guideline in (
            "gold2018", "ers_bronchiectasis2017", "gina2018")
    for criterion in tables.augmentation:
        assert guideline_sources.intersection(split_sources(criterion.source))


def test_guideline_tables__every_next_step_the_issue_names_exists() -> None:
    required = {"no_further_testing", "repeat_level_without_inflammation", "phenotype", "genotype",
                "sequence_serpina1", "test_relatives", "refer_specialist", "spirometry_and_dlco", "chest_ct",
                "liver_assessment", "consider_augmentation", "smoking_cessation", "avoid_exposures"}
    assert required <= set(guideline_tables().next_steps)


def test_load_guideline_tables__unknown_source_is_a_data_error(tmp_path: pytest.TempPathFactory) -> None:
    directory = tmp_path  # type: ignore[assignment]
    for path in data_directory().glob("*.csv"):
        (directory / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")  # type: ignore[operator]
    steps = directory / "next_steps.csv"  # type: ignore[operator]
    steps.write_text(steps.read_text(encoding="utf-8").replace("snyder2006;kaczor2007", "nobody1999"),
                     encoding="utf-8")
    with pytest.raises(DataError, match="nobody1999"):
        load_guideline_tables(directory)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [
    {"level": 22, "unit": "mg/dL", "genotype": "MZ"},
    {"level": 85, "unit": "mg/dL", "genotype": "MZ", "crp": 1},
    {"level": 130, "unit": "mg/dL", "crp": 50},
    {"genotype": "ZZ", "smoking": "current"},
    {"genotype": "SS", "level": 50, "unit": "mg/dL", "crp": 1},
])
def test_describe_interpretation__patient_text_reads_at_about_age_twelve(kwargs: dict[str, object]) -> None:
    text = " ".join(describe_interpretation(**kwargs)["patient_explanation"])  # type: ignore[arg-type]
    assert _flesch_kincaid_grade(text) <= 8.0, text


def _syllables(word: str) -> int:
    """Vowel groups, less a silent final e (a common approximation; at least one per word)."""
    word = word.lower()
    count = len(re.findall(r"[aeiouy]+", word)) - (word.endswith("e") and not word.endswith("le"))
    return max(1, count)


def _flesch_kincaid_grade(text: str) -> float:
    """Flesch-Kincaid grade: 0.39 words/sentence + 11.8 syllables/word - 15.59 (US grade ~ age - 5)."""
    sentences = max(1, len(re.findall(r"[.!?]+", text)))
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    syllables = sum(_syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59


def test_augmentation_eligibility__cts_boundaries_are_inclusive() -> None:
    facts = ClinicalFacts(LevelEvidence(measured_umol_l=11.0), fev1_pct=25.0, smoking=Smoking.FORMER,
                          emphysema=True, genotype_class="no_normal_allele", lung_disease=True)
    decisions = {v.guideline: v.decision for v in augmentation_eligibility(facts)}
    assert decisions["cts2012"] == "consider"
    assert decisions["a1f2016"] == "not_indicated"  # A1F uses < 11


def test_augmentation_eligibility__missing_values_are_listed() -> None:
    verdicts = augmentation_eligibility(ClinicalFacts(LevelEvidence(measured_umol_l=4.0)))
    cts = next(v for v in verdicts if v.guideline == "cts2012")
    assert cts.decision == "undetermined"
    assert set(cts.missing) == {"FEV1 % predicted", "smoking status", "emphysema on CT",
                                "airflow obstruction (COPD) on lung-function tests",
                                "a genotype (or phenotype) confirming two deficiency alleles"}


def test_cli_interpret__json_has_the_issue_keys() -> None:
    result = CliRunner().invoke(app, ["interpret", "--level", "22", "--unit", "mg/dL", "--genotype", "MZ",
                                      "--panel", "sz", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["severity"] == "severe" and data["consistent"] is False
    assert "sequence_serpina1" in data["next_steps"]


def test_cli_interpret__text_output_mentions_judgement() -> None:
    result = CliRunner().invoke(app, ["interpret", "--level", "140", "--unit", "mg/dL", "--genotype", "MM"])
    assert result.exit_code == 0, result.output
    assert "clinical" in result.stdout and "judgement" in result.stdout


# --- any discordance gets the laboratories' next step (Mayo: IEF, then sequencing) -------------------

def _steps(**kwargs: object) -> list[str]:
    return list(describe_interpretation(**kwargs)["next_steps"])  # type: ignore[arg-type]


def test_discordance__ss_with_a_low_level_gets_ief_then_sequencing_as_well_as_a_repeat() -> None:
    answer = describe_interpretation(genotype="SS", level=50, unit="mg/dL", crp=1)
    assert answer["consistent"] is False
    assert answer["next_steps"][:2] == ["repeat_level", "resolve_discordance"]
    step = next(s for s in answer["next_step_details"] if s["code"] == "resolve_discordance")
    assert step["source_ids"] == ["clinic_mayo_a1alc", "snyder2006"]
    assert "isoelectric-focusing (IEF)" in step["text"] and "sequence the SERPINA1 gene" in step["text"]


def test_discordance__zz_at_10_9_keeps_the_sample_mix_up_rule_and_gets_the_reflex() -> None:
    answer = describe_interpretation(genotype="ZZ", level=10.9, unit="umol/L", crp=1, fev1_pct=45,
                                     smoking="former", lung_disease=True, age=50)
    assert answer["consistent"] is False and "resolve_discordance" in answer["next_steps"]
    ats = next(v for v in answer["eligibility"] if v["guideline"] == "ats_ers2003")
    assert ats["decision"] == "undetermined" and "resolve the discordance first" in ats["missing"][-1]


def test_discordance__a_modelled_hidden_allele_keeps_its_own_ief_and_sequencing_steps() -> None:
    steps = _steps(genotype="MZ", level=4, unit="umol/L", crp=1)
    assert {"phenotype", "sequence_serpina1"} <= set(steps) and "resolve_discordance" not in steps


def test_discordance__after_ief_only_sequencing_is_added() -> None:
    steps = _steps(phenotype="S", level=40, unit="mg/dL", crp=1)
    assert "resolve_discordance" not in steps and "sequence_serpina1" in steps


def test_discordance__a_sequenced_genotype_gets_no_reflex_to_what_it_already_had() -> None:
    steps = _steps(genotype="SS", panel="sequencing", level=50, unit="mg/dL", crp=1)
    assert not {"resolve_discordance", "phenotype", "sequence_serpina1"} & set(steps)


def test_discordance__concordant_results_get_no_reflex() -> None:
    assert "resolve_discordance" not in _steps(genotype="SS", level=110, unit="mg/dL", crp=1)
    assert "resolve_discordance" not in _steps(genotype="ZZ", level=5, unit="umol/L", crp=1)


@given(genotype=st.sampled_from(["SS", "ZZ", "SZ", "MZ", "MS", "MM"]), umol=st.floats(1, 80))
def test_discordance__every_discordant_answer_names_a_way_to_resolve_it(genotype: str, umol: float) -> None:
    answer = describe_interpretation(genotype=genotype, level=umol, unit="umol/L", crp=1)
    if answer["consistent"] is False:
        assert {"resolve_discordance", "phenotype", "sequence_serpina1"} & set(answer["next_steps"])
    else:
        assert "resolve_discordance" not in answer["next_steps"]


# --- CRP in mg/L or mg/dL: the unit is read once, by the core ---------------------------------------------------

CRP_CUTOFF_MG_L = knowledge().constant("crp_inflammation_cutoff_mg_l")
MG_L_PER_MG_DL = knowledge().constant("crp_mg_l_per_mg_dl")
SAME_ANSWER_KEYS = ("severity", "consistent", "next_steps", "next_step_details", "patient_explanation",
                    "discordance_causes", "genotype_probabilities", "eligibility", "inflamed", "measured_class")


def _crp_statement(answer: dict[str, object]) -> str:
    texts = [s["text"] for s in answer["explanation"] if str(s["text"]).startswith("CRP ")]  # type: ignore[attr-defined]
    assert len(texts) == 1
    return str(texts[0])


@pytest.mark.parametrize(("crp", "unit", "raised"), [
    (CRP_CUTOFF_MG_L, "mg/L", True), (CRP_CUTOFF_MG_L / MG_L_PER_MG_DL, "mg/dL", True),
    (CRP_CUTOFF_MG_L - 0.01, "mg/L", False), (CRP_CUTOFF_MG_L / MG_L_PER_MG_DL - 0.001, "mg/dL", False),
])
def test_crp__exactly_at_the_cut_off_is_raised_in_both_units(crp: float, unit: str, raised: bool) -> None:
    """Sanders 2018: CRP >= 5 mg/L is inflammation; 0.5 mg/dL is exactly 5 mg/L, 0.499 mg/dL is 4.99 mg/L."""
    answer = describe_interpretation(level="100", unit="mg/dL", crp=crp, crp_unit=unit)
    assert answer["inflamed"] is raised
    sentence = _crp_statement(dict(answer))
    assert sentence.startswith(f"CRP {crp:g} {unit}")
    assert ("at or above the inflammation cut-off (5 mg/L)" in sentence) is raised
    assert ("below the inflammation cut-off (5 mg/L)" in sentence) is not raised


def test_crp__1_2_mg_dl_is_raised_and_the_level_is_not_taken_at_face_value() -> None:
    """The US report of issue 11's follow-up: 1.2 mg/dL is 12 mg/L. Read as 1.2 mg/L, 100 mg/dL without a genotype
    was called 'intermediate' at face value; it is a level measured during inflammation, to be repeated."""
    us = describe_interpretation(level="100", unit="mg/dL", crp="1.2", crp_unit="mg/dL")
    assert us["inflamed"] is True and us["severity"] == "indeterminate"
    assert "repeat_level_without_inflammation" in us["next_steps"]
    assert _crp_statement(dict(us)).startswith("CRP 1.2 mg/dL (12 mg/L) is at or above the inflammation cut-off")
    assert us["inputs"]["crp"] == 1.2 and us["inputs"]["crp_unit"] == "mg/dL" and us["inputs"]["crp_mg_l"] == 12.0
    same = describe_interpretation(level="100", unit="mg/dL", crp="12", crp_unit="mg/L")
    assert all(us[k] == same[k] for k in SAME_ANSWER_KEYS)  # type: ignore[literal-required]
    misread = describe_interpretation(level="100", unit="mg/dL", crp="1.2")
    assert misread["inflamed"] is False and misread["severity"] == "intermediate"


def test_crp__a_unit_that_is_not_mg_l_or_mg_dl_is_refused_even_without_a_value() -> None:
    for crp in ("3", None):
        with pytest.raises(InputError) as caught:
            describe_interpretation(genotype="MZ", crp=crp, crp_unit="mmol/L")
        assert caught.value.field == "crp_unit"


@given(st.one_of(st.floats(min_value=0, max_value=50, allow_nan=False),
                 st.sampled_from([0.5, 0.49999999, 0.50000001, 0.4999999999999, 0.0, 0.3])),
       st.sampled_from([("MZ", "100"), (None, "100"), ("SZ", "55"), ("ZZ", "20"), ("MM", "60")]))
def test_crp__x_mg_dl_and_10x_mg_l_give_the_same_answer(x: float, case: tuple[str | None, str]) -> None:
    genotype, level = case
    base = {"level": level, "unit": "mg/dL"} | ({"genotype": genotype} if genotype else {})
    in_mg_dl = describe_interpretation(**base, crp=x, crp_unit="mg/dL")  # type: ignore[arg-type]
    in_mg_l = describe_interpretation(**base, crp=MG_L_PER_MG_DL * x, crp_unit="mg/L")  # type: ignore[arg-type]
    assert all(in_mg_dl[k] == in_mg_l[k] for k in SAME_ANSWER_KEYS)  # type: ignore[literal-required]
    assert in_mg_dl["inputs"]["crp_mg_l"] == in_mg_l["inputs"]["crp_mg_l"]
    # the sentence repeats the value as entered, and in mg/L when it was converted, each on its true side
    mg_l = float(in_mg_l["inputs"]["crp_mg_l"])  # type: ignore[arg-type]
    raised = mg_l >= CRP_CUTOFF_MG_L
    said = re.match(r"CRP (\S+) mg/dL \((\S+) mg/L\) (is at or above|is below) ", _crp_statement(dict(in_mg_dl)))
    assert said is not None and (said.group(3) == "is at or above") is raised
    assert float(said.group(1)) == pytest.approx(x, rel=1e-5, abs=1e-9)
    assert float(said.group(2)) == pytest.approx(mg_l, rel=1e-5, abs=1e-9)
    assert (float(said.group(2)) >= CRP_CUTOFF_MG_L) is raised
    assert (float(said.group(1)) >= CRP_CUTOFF_MG_L / MG_L_PER_MG_DL) is raised
    plain = re.match(r"CRP (\S+) mg/L (is at or above|is below) ", _crp_statement(dict(in_mg_l)))
    assert plain is not None and (float(plain.group(1)) >= CRP_CUTOFF_MG_L) is raised


def test_crp__a_value_just_below_the_cut_off_is_never_printed_as_the_cut_off() -> None:
    answer = describe_interpretation(level="100", unit="mg/dL", crp="4.9999999", crp_unit="mg/L")
    assert answer["inflamed"] is False
    assert _crp_statement(dict(answer)).startswith("CRP 4.9999999 mg/L is below")
    answer = describe_interpretation(level="100", unit="mg/dL", crp="0.49999999", crp_unit="mg/dL")
    assert _crp_statement(dict(answer)).startswith("CRP 0.49999999 mg/dL (4.9999999 mg/L) is below")


@pytest.mark.parametrize(("crp", "unit", "said"), [("<5", "mg/L", "CRP <5 mg/L is below"),
                                                   ("<0.5", "mg/dL", "CRP <0.5 mg/dL (<5 mg/L) is below")])
def test_crp__below_the_reporting_limit_is_not_raised(crp: str, unit: str, said: str) -> None:
    answer = describe_interpretation(level="100", unit="mg/dL", crp=crp, crp_unit=unit)
    assert answer["inflamed"] is False and answer["severity"] == "intermediate"
    assert _crp_statement(dict(answer)).startswith(said)


# --- pregnancy (wave 10): the rule reads a cited row -----------------------------------------------------------

PERINATOLOGY_MG_DL = {"non_pregnant": (100, 200), "third_trimester": (327, 487)}
"""Double entry of the reference ranges behind ``pregnancy_third_trimester_rise_factor`` (perinatology.com,
read 2026-11-30): the table's factor is the ratio of the upper limits."""


def test_pregnancy__the_rise_factor_is_the_ratio_of_the_cited_reference_ranges() -> None:
    row = knowledge().constants["pregnancy_third_trimester_rise_factor"]
    assert row.value == round(PERINATOLOGY_MG_DL["third_trimester"][1] / PERINATOLOGY_MG_DL["non_pregnant"][1], 1)
    assert PERINATOLOGY_MG_DL["third_trimester"][0] / PERINATOLOGY_MG_DL["non_pregnant"][0] > row.value > 1
    assert {"clinic_barr1988", "clinic_legge1984", "clinic_perinatology_aat"} == set(split_sources(row.source))


def test_pregnancy__every_pregnancy_text_cites_the_pregnancy_sources_not_the_inflammation_study() -> None:
    """Sanders 2018 is about inflammation; the pregnancy texts cite Barr 1988 (a normal level in pregnancy cannot
    exclude S or SZ), Legge 1984 (AAT rises with gestation) and Senn 2008 (hormone intake)."""
    tables = guideline_tables()
    cited = {"step": tables.next_steps["repeat_level_after_pregnancy"].source,
             "message": tables.messages["pregnancy"].source,
             "cause": tables.discordance["pregnancy_or_oestrogen"].source}
    for where, source in cited.items():
        ids = set(split_sources(source))
        assert "clinic_barr1988" in ids and "sanders2018" not in ids, where
    assert "some months" not in tables.next_steps["repeat_level_after_pregnancy"].clinician_text  # no time is sourced


def test_pregnancy__a_normal_level_is_indeterminate_and_the_statement_quotes_the_row() -> None:
    answer = describe_interpretation(level=120, unit="mg/dL", pregnant=True)
    assert answer["severity"] == "indeterminate"
    assert {"genotype", "repeat_level_after_pregnancy"} <= set(answer["next_steps"])
    statement = next(s for s in answer["explanation"] if s["text"].startswith("The person is pregnant"))
    factor = knowledge().constant("pregnancy_third_trimester_rise_factor")
    assert f"about {factor:g} times the non-pregnant one" in statement["text"]
    assert set(statement["source_ids"]) == set(split_sources(
        knowledge().constants["pregnancy_third_trimester_rise_factor"].source))
    assert describe_interpretation(level=120, unit="mg/dL")["severity"] == "normal"  # not pregnant: reassuring
    low = describe_interpretation(level=20, unit="mg/dL", pregnant=True)
    assert low["severity"] == "severe"  # pregnancy only raises AAT: a low level is real


def test_pregnancy__the_rule_follows_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a rise factor of 1 (no rise) in the table, pregnancy no longer makes a normal level indeterminate:
    the engine reads the row rather than a constant of its own."""
    import aatd.genetics.levels as levels

    monkeypatch.setattr(levels, "pregnancy_rise_factor", lambda: 1.0)
    answer = describe_interpretation(level=120, unit="mg/dL", pregnant=True)
    assert answer["severity"] == "normal"
    assert "repeat_level_after_pregnancy" not in set(answer["next_steps"])
