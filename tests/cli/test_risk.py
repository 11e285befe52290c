"""``aatd risk --country``: the life table chosen on the command line, named in the output; a country without a
table is one line on stderr with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

PERSON = ("risk", "--genotype", "ZZ", "--sex", "male", "--age", "50", "--height-cm", "178", "--n", "200")


def aatd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aatd", *args], capture_output=True, text=True, check=False)


def test_risk_cli__country_chooses_the_life_table() -> None:
    out = aatd(*PERSON, "--country", "italy", "--json")
    assert out.returncode == 0, out.stderr
    used = json.loads(out.stdout)["life_table"]
    assert used["country"] == "Italy" and used["source"] == "lifetables_wpp2019"
    text = aatd(*PERSON, "--country", "Italy")
    assert text.returncode == 0 and "Life table: Italy, United Nations World Population Prospects 2019" in text.stdout


def test_risk_cli__a_country_without_a_table_is_one_line_and_exit_2() -> None:
    out = aatd(*PERSON, "--country", "Atlantis")
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aatd: error: country: got 'Atlantis'")
    assert "United Kingdom" in lines[0] and "Traceback" not in out.stderr
