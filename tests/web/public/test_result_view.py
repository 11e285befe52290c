"""The "my result" headline never contradicts the sentence about the level (review 2, wave 8)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from aatd.clinic.guidelines import guideline_tables
from aatd.web.public.result_view import ResultInput, interpret

SHORT = {"normal": "Your result shows no shortage of alpha-1.",
         "intermediate": "Your result is a bit lower than usual.", "severe": "Your result is very low.",
         "absent": "Your body makes almost no alpha-1."}
LEVEL_SENTENCE = {"normal": "Your alpha-1 level is in the usual range.",
                  "intermediate": "Your alpha-1 level is a bit below the usual range.",
                  "severe": "Your alpha-1 level is very low."}


def _severity_sentence(severity: str) -> str:
    return guideline_tables().messages[f"severity_{severity}"].text


def test_headline__zz_with_a_level_in_the_usual_range_is_not_called_very_low() -> None:
    view = interpret(ResultInput(level="150", unit="mg/dL", result="ZZ", crp="2"))
    assert view["severity"] == "severe"
    assert LEVEL_SENTENCE["normal"] in view["meaning"]
    assert view["headline"] != SHORT["severe"]
    # inconsistent (a ZZ level is never this high): the headline says the two results do not agree
    assert view["consistent"] is False and view["headline"].startswith("Your results do not agree.")


def test_headline__mz_with_a_normal_level_is_not_called_lower_than_usual() -> None:
    view = interpret(ResultInput(level="150", unit="mg/dL", result="MZ", crp="2"))
    assert view["severity"] == "intermediate" and LEVEL_SENTENCE["normal"] in view["meaning"]
    assert view["headline"] == _severity_sentence("intermediate")


def test_headline__a_level_of_the_same_class_keeps_the_short_headline_a_genotype_alone_does_not() -> None:
    assert interpret(ResultInput(level="20", unit="mg/dL", result="ZZ"))["headline"] == SHORT["severe"]
    assert interpret(ResultInput(level="150", unit="mg/dL", crp="1"))["headline"] == SHORT["normal"]
    assert interpret(ResultInput(result="MZ"))["headline"] == _severity_sentence("intermediate")  # no level
    assert interpret(ResultInput(result="SZ"))["headline"] == _severity_sentence("severe")  # not "very low"


@settings(max_examples=60)
@given(mg_dl=st.floats(3.0, 300.0), genotype=st.sampled_from(["", "MM", "MS", "MZ", "SS", "SZ", "ZZ"]))
def test_headline__never_contradicts_the_level_sentence(mg_dl: float, genotype: str) -> None:
    view = interpret(ResultInput(level=f"{mg_dl:.1f}", unit="mg/dL", result=genotype, crp="1"))
    said = [cls for cls, sentence in LEVEL_SENTENCE.items() if sentence in view["meaning"]]
    for cls in said:
        short = {c: s for c, s in SHORT.items() if c != cls}
        assert view["headline"] not in short.values(), (view["headline"], cls)


def test_my_result_page__shows_the_headline_true_of_the_level(client: TestClient) -> None:
    form = {"submitted": "1", "level": "150", "unit": "mg/dL", "kind": "genotype", "result": "ZZ", "crp": "2"}
    page = client.post("/public/my-result", data=form).text
    main = re.sub(r"\s+", " ", page)
    assert SHORT["severe"] not in main and "Your results do not agree." in main


def test_step_text__every_next_step_of_the_core_has_words_marked_for_translation() -> None:
    """A code without words fell back to the core's English text, so the Spanish page showed English
    (check_unit, repeat_level_after_pregnancy, paediatric_follow_up)."""
    from aatd.web.public.result_view import step_text

    for code in guideline_tables().next_steps:
        assert step_text(code, "CORE TEXT", False, None) != "CORE TEXT", code


def test_my_result_in_spanish__the_unit_check_step_is_in_spanish(client: TestClient) -> None:
    page = client.post("/public/my-result?lang=es", data={"submitted": "1", "level": "120", "unit": "g/L"}).text
    assert "Pida a su médico que compruebe con el laboratorio la unidad de su resultado." in page
    assert "Your doctor will check the unit" not in page


def test_my_result_in_spanish__a_discordant_ss_result_asks_about_more_lab_tests(client: TestClient) -> None:
    """SS with 50 mg/dL (CRP 1): the level and the genes disagree; the next step names the tests laboratories
    add (IEF, then sequencing), in Spanish on the Spanish page."""
    data = {"submitted": "1", "level": "50", "unit": "mg/dL", "crp": "1", "kind": "genotype", "result": "SS"}
    page = client.post("/public/my-result?lang=es", data=data).text
    assert "Pregunte a su médico por más pruebas de laboratorio para saber por qué" in page
    assert "Your level and your gene result do not match" not in page
    english = client.post("/public/my-result?lang=en", data=data).text
    assert "Your level and your gene result do not match. Ask your doctor about more lab tests" in english


def test_my_result__a_pregnancy_repeat_says_the_result_should_be_checked_again() -> None:
    view = interpret(ResultInput(level="120", unit="mg/dL", pregnant="yes"))
    assert "repeat_level_after_pregnancy" in {s["code"] for s in view["steps"]}
    assert view["repeat"] is True


def test_my_result__the_pregnancy_repeat_names_no_time_no_source_gives(client: TestClient) -> None:
    """Wave 10: 'some months after your baby is born' had no source; the step now says after the birth, in
    English and Spanish, and the sentence on the level is the cited one (Barr 1988)."""
    import html

    data = {"submitted": "1", "level": "120", "unit": "mg/dL", "pregnant": "yes"}
    english = html.unescape(client.post("/public/my-result?lang=en", data=data).text)
    assert "Ask your doctor about testing the level again after your baby is born." in english
    assert guideline_tables().messages["pregnancy"].text in english
    assert "some months" not in english
    spanish = html.unescape(client.post("/public/my-result?lang=es", data=data).text)
    assert "Pregunte a su médico por repetir el nivel después de que nazca su bebé." in spanish
    assert "unos meses" not in spanish


def test_level_above_the_usual_range__is_not_called_the_usual_range() -> None:
    """Review 2 (wave 8): 400 mg/dL (77 umol/L, above the highest published MM upper limit) was 'in the usual
    range'; the headline now says no shortage, and the level sentence says above the usual range."""
    view = interpret(ResultInput(level="400", unit="mg/dL", crp="1"))
    high = guideline_tables().messages["level_high"].text
    assert high in view["meaning"] and LEVEL_SENTENCE["normal"] not in view["meaning"]
    assert view["headline"] == SHORT["normal"]
    usual = interpret(ResultInput(level="270", unit="mg/dL", crp="1"))  # 51.9 umol/L: within Donato's MM range
    assert LEVEL_SENTENCE["normal"] in usual["meaning"] and high not in usual["meaning"]


def test_our_family__the_plan_sentence_is_true_when_no_one_can_have_a_severe_type(client: TestClient) -> None:
    """Review 2 (wave 8): 'The first person on the list has the highest chance of a severe type' was printed
    when every chance was 0 (the order then comes from carrier chance)."""
    first = "The first person on the list has the highest chance of a severe type."
    none = "No one on the list can have a severe type from these results."
    carriers = {"tree": "1", "country": "USA", "m0_name": "Mum", "m0_sex": "female", "m0_result": "MM",
                "m1_name": "Dad", "m1_sex": "male", "m1_result": "MS",
                "m2_name": "Ben", "m2_sex": "male", "m2_father": "Dad", "m2_mother": "Mum"}
    page = re.sub(r"\s+", " ", client.post("/public/our-family", data=carriers).text)
    assert none in page and first not in page
    severe = {**carriers, "m0_result": "MZ", "m1_result": "MZ"}
    page = re.sub(r"\s+", " ", client.post("/public/our-family", data=severe).text)
    assert first in page and none not in page


# --- CRP unit (mg/L or mg/dL) -----------------------------------------------------------------------------------

US_CRP = {"submitted": "1", "level": "100", "unit": "mg/dL", "kind": "genotype", "result": "", "crp": "1.2",
          "crp_unit": "mg/dL"}


def test_my_result__a_crp_in_mg_dl_is_raised_and_repeated_as_entered_and_in_mg_l(client: TestClient) -> None:
    """1.2 mg/dL is 12 mg/L: raised. Read as mg/L it was 'normal' and the level was taken at face value."""
    from web.clinician.test_documents import pdf_text

    page = client.post("/public/my-result", data=US_CRP).text
    entered = page.split("What you entered", 1)[1].split("What it means", 1)[0]
    assert "1.2 mg/dL (12 mg/L)" in entered
    assert "Your CRP is raised" in page
    assert 'name="crp_unit" value="mg/dL"' in page  # carried to the PDF with the value
    assert re.search(r'<option value="mg/dL" selected>mg/dL</option>', page)
    as_mg_l = client.post("/public/my-result", data=US_CRP | {"crp_unit": "mg/L"}).text
    assert "Your CRP is raised" not in as_mg_l and "1.2 mg/L" in as_mg_l
    sheet = client.post("/public/my-result.pdf", data=US_CRP)
    assert sheet.status_code == 200 and "1.2 mg/dL (12 mg/L)" in re.sub(r"\s+", " ", pdf_text(sheet.content))


def test_my_result__the_crp_unit_select_and_its_errors_are_in_spanish(client: TestClient) -> None:
    form = client.get("/public/my-result?lang=es").text
    assert "Su PCR (si está en su informe)" in form and "Unidad (como en su informe)" in form
    assert '<select id="crp_unit" name="crp_unit"' in form
    wrong_unit = client.post("/public/my-result?lang=es", data=US_CRP | {"crp_unit": "mmol/L"})
    assert wrong_unit.status_code == 422 and 'id="crp_unit-error"' in wrong_unit.text
    assert "mg/L o mg/dL, la unidad de su informe" in wrong_unit.text
    negative = client.post("/public/my-result?lang=es", data=US_CRP | {"crp": "-1"})
    assert negative.status_code == 422 and 'id="crp-error"' in negative.text
    assert "una PCR de cero o más, en mg/dL" in negative.text


def test_my_result__a_spanish_crp_with_a_decimal_comma_is_repeated_as_typed(client: TestClient) -> None:
    page = client.post("/public/my-result?lang=es", data=US_CRP | {"crp": "1,2"}).text
    entered = page.split("Lo que escribió", 1)[1].split("Lo que significa", 1)[0]
    assert "1,2 mg/dL (12 mg/L)" in entered and "Su PCR está alta" in page
