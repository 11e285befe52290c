"""The workspace DNA-file import in a real headless Chromium (Debian's /usr/bin/chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.clinician.test_browser import _login, _shot, browser, server  # noqa: F401  (fixtures)

from .test_dna_import import NO_SITES, RAW

pytestmark = pytest.mark.browser


def test_import_a_raw_data_file_from_the_patient_page(server: str, browser: object,  # noqa: F811
                                                      tmp_path: Path) -> None:
    page = _login(browser, server, "admin@a.org")
    page.get_by_label("Name or label", exact=True).fill("DNA Ann")  # type: ignore[attr-defined]
    page.get_by_label("Sex").select_option("female")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create patient and family").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/families/*")  # type: ignore[attr-defined]
    page.get_by_role("link", name="DNA Ann", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("link", name="Import a DNA file (VCF or raw data)").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Import a DNA file for DNA Ann").wait_for()  # type: ignore[attr-defined]
    empty = tmp_path / "no_sites.txt"
    empty.write_text(NO_SITES)
    page.get_by_label("DNA file").set_input_files(str(empty))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Import and save the genotype").click()  # type: ignore[attr-defined]
    alert = page.get_by_role("alert")  # type: ignore[attr-defined]
    alert.wait_for()
    assert "screened SERPINA1 site" in alert.inner_text()
    raw = tmp_path / "genome_DNA_Ann_v5.txt"
    raw.write_text(RAW)
    page.get_by_label("DNA file").set_input_files(str(raw))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Import and save the genotype").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Genotype MZ").wait_for()  # type: ignore[attr-defined]
    assert page.get_by_role("cell", name="MZ (panel: 23andMe raw data file: S (rs17580), "  # type: ignore[attr-defined]
                            "Z (rs28929474))").is_visible()
    _shot(page, "dna-import")
