"""Write src/aatd/data/life_tables_abridged.csv from the UN World Population Prospects 2019 files.

    python scripts/life_tables_from_wpp.py DIR   # DIR holds mxF.txt, mxM.txt, e0F.txt, e0M.txt

The four files are the tab-separated data of the wpp2019 R package (United Nations Population
Division, CC BY 3.0 IGO; ``data/`` of the package as released on CRAN, 2020-01-31). The script
copies, for the period 2015-2020 and each country of the allele-frequency table (its UN code from
src/aatd/data/places.csv) other than the
USA (which keeps its single-year national table), the central death rates nMx of the abridged
table (ages 0, 1, 5, ..., 95, 100+) and the published life expectancy at birth, unchanged. It
computes nothing: the single-year expansion is done, and tested, in aatd.knowledge.life_tables.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from aatd.knowledge.places import place_codes

PERIOD = "2015-2020"
SOURCE = "lifetables_wpp2019"
NATIONAL = {"USA"}
"""Places that keep a national single-year table instead of the UN's."""
OUT = Path(__file__).resolve().parents[1] / "src" / "aatd" / "data" / "life_tables_abridged.csv"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def main(directory: Path) -> None:
    rows: list[list[str]] = []
    for sex, letter in (("female", "F"), ("male", "M")):
        rates = _read(directory / f"mx{letter}.txt")
        e0 = {int(r["country_code"]): r for r in _read(directory / f"e0{letter}.txt")}
        for country, code in sorted((c, int(m49)) for c, m49 in place_codes().items() if c not in NATIONAL):
            mine = [r for r in rates if int(r["country_code"]) == code]
            if len(mine) != 22:
                raise SystemExit(f"{country}: {len(mine)} age groups in mx{letter}.txt, expected 22")
            for r in mine:
                first = r["age"] == "0"
                note = (f"UN location {code} ({r['name']}); nMx {PERIOD}; published e0 from e0{letter}.txt"
                        if first else "")
                rows.append([country, sex, r["age"], r[PERIOD], e0[code][PERIOD] if first else "", SOURCE, note])
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["country", "sex", "age", "mx", "published_e0", "source", "notes"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
