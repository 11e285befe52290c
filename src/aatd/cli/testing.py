"""Commands for testing: ``aatd interpret`` (what a result means) and ``aatd should-test``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from aatd.cli._common import console, print_json
from aatd.cli._fhir import FormatOption, read_fhir_file, wants_fhir
from aatd.errors import InputError

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def interpret(
    level: Annotated[str | None, typer.Option(help="Serum AAT level, e.g. 85 or '<20'.")] = None,
    unit: Annotated[str | None, typer.Option(help="Unit of the level: mg/dL, g/L or umol/L.")] = None,
    method: Annotated[str | None, typer.Option(help="nephelometry, immunoturbidimetry or RID.")] = None,
    crp: Annotated[str | None, typer.Option(help="C-reactive protein, in --crp-unit (mg/L unless given).")] = None,
    crp_unit: Annotated[str | None, typer.Option(
        "--crp-unit", help="Unit of --crp as on the report: mg/L (default) or mg/dL (1 mg/dL = 10 mg/L).")] = None,
    phenotype: Annotated[str | None, typer.Option(help="IEF phenotype, e.g. Z or MZ.")] = None,
    genotype: Annotated[str | None, typer.Option(help="Genotype, e.g. MZ or Z/Null.")] = None,
    panel: Annotated[str | None, typer.Option(help="Genotyping panel: sz, alphaid_14, sequencing.")] = None,
    fev1_pct: Annotated[str | None, typer.Option("--fev1-pct", help="FEV1, % predicted.")] = None,
    smoking: Annotated[str | None, typer.Option(help="never, former or current.")] = None,
    on_augmentation: Annotated[bool, typer.Option("--on-augmentation", help="Receives augmentation.")] = False,
    emphysema: Annotated[bool | None, typer.Option("--emphysema/--no-emphysema", help="Emphysema on CT.")] = None,
    ct_decline: Annotated[bool | None, typer.Option("--ct-decline/--no-ct-decline",
                                                    help="CT lung density declining.")] = None,
    country: Annotated[str | None, typer.Option(help="Population for genotype priors (default USA).")] = None,
    age: Annotated[str | None, typer.Option(help="Age in years (children: paediatric and liver path).")] = None,
    pregnant: Annotated[bool, typer.Option("--pregnant", help="Pregnant (AAT rises: levels unreliable).")] = False,
    lung_disease: Annotated[bool | None, typer.Option(
        "--lung-disease/--no-lung-disease", help="Airflow obstruction (COPD) on lung-function tests.")] = None,
    panniculitis: Annotated[bool | None, typer.Option("--panniculitis/--no-panniculitis",
                                                      help="Necrotising panniculitis.")] = None,
    fev1_l: Annotated[float | None, typer.Option(
        "--fev1-l", help="Spirometry: FEV1 in litres (with --fvc-l, --sex, --height-cm; gives FEV1 % predicted and "
        "airflow obstruction).")] = None,
    fvc_l: Annotated[float | None, typer.Option("--fvc-l", help="Spirometry: FVC in litres.")] = None,
    sex: Annotated[str | None, typer.Option(help="Spirometry: female or male (GLI Global 2022).")] = None,
    height_cm: Annotated[float | None, typer.Option("--height-cm", help="Spirometry: height in cm.")] = None,
    spirometry_age: Annotated[float | None, typer.Option(
        "--spirometry-age", help="Spirometry: age in years at the test (default: --age).")] = None,
    post_bronchodilator: Annotated[bool | None, typer.Option(
        "--post-bronchodilator/--not-post-bronchodilator", help="Spirometry measured after a bronchodilator.")] = None,
    fhir: Annotated[Path | None, typer.Option("--fhir", help="Read the results from a FHIR R4 Bundle or "
                                              "Observation (JSON) instead of the options above.")] = None,
    json_: JsonFlag = False,
    format_: FormatOption = None,
) -> None:
    """What a serum level, phenotype and genotype mean, and what to do next."""
    from aatd.interop.fhir_in import read_results
    from aatd.interop.fhir_out import inputs_from_text, interpretation_arguments, results_bundle

    results: dict[str, Any] = {"level": level, "unit": unit, "method": method, "crp": crp, "crp_unit": crp_unit,
                               "phenotype": phenotype, "genotype": genotype, "panel": panel, "fev1_pct": fev1_pct,
                               "smoking": smoking}
    options: dict[str, Any] = {"on_augmentation": on_augmentation, "emphysema": emphysema,
                               "ct_density_decline": ct_decline, "country_name": country, "age": age,
                               "pregnant": pregnant, "lung_disease": lung_disease, "panniculitis": panniculitis}
    spirometry = {k: v for k, v in {"fev1_l": fev1_l, "fvc_l": fvc_l, "sex": sex, "height_cm": height_cm,
                                    "age": spirometry_age, "post_bronchodilator": post_bronchodilator}.items()
                  if v is not None} or None
    imported = None
    if fhir is not None:
        given = sorted(k for k, v in results.items() if v is not None)
        if given:
            raise InputError("--fhir", str(fhir), "either --fhir or the result options, not both",
                             hint="also given: " + ", ".join(given))
        imported = read_results(read_fhir_file(fhir))
        inputs = imported.inputs
        if inputs.empty:
            raise InputError("--fhir", str(fhir), "a serum AAT level, a phenotype or a genotype in the FHIR file",
                             hint="; ".join(imported.ignored[:3]))
    else:
        inputs = inputs_from_text(**results)
    if wants_fhir(format_):
        if spirometry is not None:
            raise InputError("--fev1-l", fev1_l, "no spirometry options with --format fhir (the bundle holds the "
                             "AATD results only)")
        print_json(results_bundle(inputs, options=options))
        return
    from aatd.risk.lung_function import describe_interpretation_with_spirometry

    data = describe_interpretation_with_spirometry(**interpretation_arguments(inputs), **options,
                                                   spirometry=spirometry)
    if json_:
        extra = {} if imported is None else {"fhir_import": {"subject": imported.subject, "notes": list(imported.notes),
                                                              "ignored": list(imported.ignored)}}
        print_json({**data, **extra})
        return
    if imported is not None:
        for note in (*imported.notes, *imported.ignored):
            console.print(f"[dim]FHIR: {note}[/dim]")
    consistent = {True: "yes", False: "NO", None: "not assessable"}[data["consistent"]]
    console.print(f"[bold]Severity:[/bold] {data['severity']}   [bold]Consistent:[/bold] {consistent}")
    for item in data["explanation"]:
        console.print(f"- {item['text']} [dim]({'; '.join(item['sources'])})[/dim]")
    table = Table("next step", "what to do", title="Next steps")
    for step in data["next_step_details"]:
        table.add_row(step["code"], step["text"])
    console.print(table)
    elig = Table("guideline", "augmentation", "missing", title="Augmentation eligibility")
    for e in data["eligibility"]:
        elig.add_row(e["name"], e["decision"], "; ".join(filter(None, (", ".join(e["missing"]), e["note"]))))
    console.print(elig)
    console.print(f"[dim]{data['disclaimer']}[/dim]")


def should_test(
    finding: Annotated[list[str] | None, typer.Option("--finding", help="A clinical finding (repeatable).")] = None,
    age: Annotated[float | None, typer.Option(help="Age in years.")] = None,
    pack_years: Annotated[float | None, typer.Option("--pack-years", help="Smoking pack-years.")] = None,
    json_: JsonFlag = False,
) -> None:
    """Whether each guideline recommends AATD testing for these findings."""
    from aatd.clinic.who_to_test import describe_should_test

    data = describe_should_test(finding or [], age=age, pack_years=pack_years)
    if json_:
        print_json(data)
        return
    table = Table("guideline", "testing", "because", title=f"Overall: {data['overall']}")
    for g in data["guidelines"]:
        because = "; ".join(r["criterion"] for r in g["triggered_by"]) or (
            "" if g["outside_age_bounds"] else "no criterion matched")
        if g["outside_age_bounds"]:
            because += ("; " if because else "") + "written for older people: " + "; ".join(
                f"{r['criterion']} (from {r['limits']['min_age']:g} years)" for r in g["outside_age_bounds"])
        if g["would_apply_if_known"]:
            because += " (also if known: " + "; ".join(
                f"{r['criterion']} [{r['missing']}]" for r in g["would_apply_if_known"]) + ")"
        table.add_row(g["name"], g["recommendation"], because)
    console.print(table)
    console.print(f"[dim]{data['disclaimer']}[/dim]")


def register(app: typer.Typer) -> None:
    app.command()(interpret)
    app.command("should-test")(should_test)
