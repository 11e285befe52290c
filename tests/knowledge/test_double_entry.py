"""Double-entry QC for the knowledge tables.

Every expected value below was typed a second time, by hand, from the primary text that
was read during curation (abstracts and table pages), independently of the CSV files.
A mismatch means one of the two transcriptions is wrong: go back to the cited table.
Only the standard library ``csv`` module and pytest are used; the aatd package is not
imported.
"""

from __future__ import annotations

import csv
import pathlib

import pytest

DATA = pathlib.Path(__file__).parents[2] / "src/aatd/data"


def _rows(table: str) -> list[dict[str, str]]:
    with (DATA / table).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _level(genotype: str, statistic: str, unit: str, source: str, population_prefix: str = "",
           exact: bool = False) -> dict[str, str]:
    hits = [
        r for r in _rows("genotype_levels.csv")
        if r["genotype"] == genotype and r["statistic"] == statistic and r["unit"] == unit
        and source in r["source"].split(";")
        and (r["population"] == population_prefix if exact else r["population"].startswith(population_prefix))
    ]
    assert len(hits) == 1, (genotype, statistic, unit, source, population_prefix, len(hits))
    return hits[0]


def _allele(name: str) -> dict[str, str]:
    hits = [r for r in _rows("alleles.csv") if r["allele"] == name]
    assert len(hits) == 1, name
    return hits[0]


def _country(name: str) -> dict[str, str]:
    hits = [r for r in _rows("allele_frequencies.csv") if r["country"] == name]
    assert len(hits) == 1, name
    return hits[0]


def _source(source_id: str) -> dict[str, str]:
    hits = [r for r in _rows("sources.csv") if r["source_id"] == source_id]
    assert len(hits) == 1, source_id
    return hits[0]


# Ferrarotti 2012 Thorax, abstract: 5th-95th percentiles in g/L (SAPALDIA, unadjusted).
@pytest.mark.parametrize(
    ("genotype", "low", "high"),
    [
        ("MM", 1.050, 1.640),  # Ferrarotti 2012 abstract / Table 2
        ("MS", 0.880, 1.369),  # Ferrarotti 2012 abstract / Table 2
        ("SS", 0.730, 1.060),  # Ferrarotti 2012 abstract / Table 2
        ("MZ", 0.660, 0.997),  # Ferrarotti 2012 abstract / Table 2
        ("SZ", 0.490, 0.660),  # Ferrarotti 2012 abstract / Table 2
    ],
)
def test_ferrarotti_percentiles(genotype: str, low: float, high: float) -> None:
    row = _level(genotype, "p5_p95", "g/L", "ferrarotti2012", "general population, Switzerland (SAPALDIA)", exact=True)
    assert float(row["low"]) == pytest.approx(low)
    assert float(row["high"]) == pytest.approx(high)


def test_ferrarotti_mz_mean_sd() -> None:
    # Ferrarotti 2012 Table 2, unadjusted: MZ n=143, mean 0.805, SD 0.11 g/L.
    row = _level("MZ", "mean_sd", "g/L", "ferrarotti2012")
    assert (float(row["mean"]), float(row["sd"]), int(row["n"])) == (pytest.approx(0.805), pytest.approx(0.11), 143)


@pytest.mark.parametrize(
    ("genotype", "unit", "low", "high"),
    [
        ("MM", "mg/dL", 150, 350),  # ATS/ERS 2003 via PMC8367212 Table 2 (commercial standard)
        ("MZ", "mg/dL", 90, 210),  # ATS/ERS 2003 via PMC8367212 Table 2
        ("SZ", "mg/dL", 75, 120),  # ATS/ERS 2003 via PMC8367212 Table 2
        ("ZZ", "mg/dL", 20, 45),  # ATS/ERS 2003 via PMC8367212 Tables 1-2
        ("MM", "umol/L", 20, 48),  # ATS/ERS 2003 via Ferrarotti 2012 Table 3 (purified standard)
        ("SZ", "umol/L", 8, 16),  # ATS/ERS 2003 via Ferrarotti 2012 Table 3
        ("ZZ", "umol/L", 2.5, 7),  # ATS/ERS 2003 via PMC8367212 Table 1 (Z row)
    ],
)
def test_ats_ers_ranges(genotype: str, unit: str, low: float, high: float) -> None:
    row = _level(genotype, "range", unit, "ats_ers2003")
    assert float(row["low"]) == pytest.approx(low)
    assert float(row["high"]) == pytest.approx(high)


@pytest.mark.parametrize(
    ("genotype", "population", "median"),
    [
        ("MM", "US national", 142),  # Sanders 2018 abstract, no inflammation
        ("MZ", "US national", 85),  # Sanders 2018 abstract, no inflammation
        ("SS", "US national", 96),  # Sanders 2018 abstract, no inflammation
        ("SZ", "US national", 54),  # Sanders 2018 abstract, no inflammation
        ("MZ", "inflamed (CRP>=5 mg/L)", 104),  # Sanders 2018 abstract, CRP >= 5 mg/L
    ],
)
def test_sanders_medians(genotype: str, population: str, median: float) -> None:
    hits = [
        r for r in _rows("genotype_levels.csv")
        if r["genotype"] == genotype and r["statistic"] == "median" and r["source"] == "sanders2018"
        and (r["population"] == population or (population == "US national" and r["population"].startswith(population)))
    ]
    assert len(hits) == 1
    assert float(hits[0]["median"]) == pytest.approx(median)


def test_brantly_zz_purified() -> None:
    # Brantly 1991 Chest abstract: ZZ 3.4 to 7.0 umol/L (5th-95th, purified standard).
    row = _level("ZZ", "p5_p95", "umol/L", "brantly1991")
    assert (float(row["low"]), float(row["high"])) == (pytest.approx(3.4), pytest.approx(7.0))


def test_donato_adult_mm() -> None:
    # Donato 2012 abstract: adult M/M 95% range 100 to 273 mg/dL.
    row = _level("MM", "p2.5_p97.5", "mg/dL", "donato2012", "adults")
    assert (float(row["low"]), float(row["high"])) == (100, 273)


def test_z_coordinates() -> None:
    # Z anchor: rs28929474, GRCh38 chr14:94378610 C>T, GRCh37 94844947 (brief; SHERLOCK script).
    row = _allele("Z")
    assert (row["rsid"], row["grch38_pos"], row["grch37_pos"], row["ref_plus"], row["alt_plus"]) == (
        "rs28929474", "94378610", "94844947", "C", "T")


def test_s_coordinates() -> None:
    # S anchor: rs17580, GRCh38 NC_000014.9:g.94380925T>A.
    row = _allele("S")
    assert (row["rsid"], row["grch38_pos"], row["ref_plus"], row["alt_plus"]) == ("rs17580", "94380925", "T", "A")


def test_i_coordinates_clinvar() -> None:
    # ClinVar RCV000148875: NC_000014.9:g.94383051G>A and NC_000014.8:g.94849388G>A.
    row = _allele("I")
    assert (row["grch38_pos"], row["grch37_pos"], row["ref_plus"], row["alt_plus"]) == (
        "94383051", "94849388", "G", "A")


@pytest.mark.parametrize(
    ("country", "s", "z", "est_sz"),
    [
        ("Canada", 39, 14, 38997),  # Blanco 2017 (PMC5473482) Table 2
        ("USA", 31, 15, 254641),  # Blanco 2017 Table 2
        ("Mexico", 36, 6, 49590),  # Blanco 2017 Table 2
        ("Costa Rica", 45, 8, 3387),  # Blanco 2017 Table 2
        ("Cuba", 41, 7, 6496),  # Blanco 2017 Table 2
        ("Dominican Republic", 37, 6, 4971),  # Blanco 2017 Table 2
        ("El Salvador", 40, 7, 3256),  # Blanco 2017 Table 2
        ("Guatemala", 33, 6, 5681),  # Blanco 2017 Table 2
        ("Honduras", 37, 6, 4168),  # Blanco 2017 Table 2
        ("Nicaragua", 37, 6, 2809),  # Blanco 2017 Table 2
        ("Panama", 35, 6, 1541),  # Blanco 2017 Table 2
        ("Argentina", 33, 6, 18133),  # Blanco 2017 Table 2
    ],
)
def test_blanco_sz_countries(country: str, s: float, z: float, est_sz: int) -> None:
    row = _country(country)
    assert float(row["pi_s_per_1000"]) == s
    assert float(row["pi_z_per_1000"]) == z
    assert int(row["est_sz"]) == est_sz


def test_finland_haggblom() -> None:
    # Haggblom 2015 abstract: PI*Z 19.7/1000, PI*S 10.2/1000.
    row = _country("Finland")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"])) == (10.2, 19.7)


def test_italy_north_italian_donors() -> None:
    # Ferrarotti 2015 ERS congress abstract: 1,009 donors; allelic frequencies S 0.99%, Z 0.35%.
    row = _country("Italy")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"]), int(row["sample_size"])) == (9.9, 3.5, 1009)


def test_iceland_by_allele_counting() -> None:
    # Olafsson & Hjaltadottir, Laeknabladid 1996;82:293-6, Table 1: 511 Icelanders, MM 458, MF 6, MS 35, MZ 10,
    # SS 1, SZ 1, ZZ 0; the paper rounds to S 0.037 and Z 0.011.
    row = _country("Iceland")
    alleles = 2 * 511
    assert float(row["pi_s_per_1000"]) == pytest.approx(1000 * (35 + 2 * 1 + 1) / alleles, abs=0.005)
    assert float(row["pi_z_per_1000"]) == pytest.approx(1000 * (10 + 1) / alleles, abs=0.005)
    assert round(float(row["pi_s_per_1000"]) / 1000, 3) == 0.037
    assert round(float(row["pi_z_per_1000"]) / 1000, 3) == 0.011


def test_iran_tehran_students() -> None:
    # Lotfi 2005, J Rafsanjan Univ Med Sci 4(1):35 (journal.rums.ac.ir/article-1-7-en.html): 318 sera, 8 MS and
    # 6 MZ; allele frequencies S 0.0126 and Z 0.0094 (= 8/636 and 6/636).
    row = _country("Iran")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"]), int(row["sample_size"])) == (12.6, 9.4, 318)
    assert float(row["pi_s_per_1000"]) == pytest.approx(1000 * 8 / 636, abs=0.05)
    assert float(row["pi_z_per_1000"]) == pytest.approx(1000 * 6 / 636, abs=0.05)
    assert _source(row["source"])["url"] == "https://journal.rums.ac.ir/article-1-7-en.html"


def test_japan_by_phenotype_percentages() -> None:
    # Harada & Omoto 1970, Jinruigaku Zasshi 78:22 (J-STAGE): 973 Japanese (134 + 659 + 180), MM 96.8%, MF 2.5%,
    # MS 0.5%, MX 0.1%, FF 0.1%, no Z; 5 MS of 973 is the only count giving 0.5%.
    row = _country("Japan")
    people = 134 + 659 + 180
    assert int(row["sample_size"]) == people
    assert round(100 * 5 / people, 1) == 0.5
    assert float(row["pi_s_per_1000"]) == pytest.approx(1000 * 5 / (2 * people), abs=0.005)
    assert float(row["pi_z_per_1000"]) == 0


def test_tunisia_controls() -> None:
    # PubMed 18725338: 318 control subjects, PiS 0.006 and PiZ 0.0000; PubMed 18031952: Z never found in controls.
    row = _country("Tunisia")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"]), int(row["sample_size"])) == (6.0, 0, 318)
    assert _source(row["source"])["pmid"] == "18031952"


def test_india_zero_row_has_its_upper_limit() -> None:
    # Arora et al., Indian Pediatr 2010 (PubMed 20453271): no S or Z in 1,700 children, 450 of them controls.
    row = _country("India")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"]), int(row["sample_size"])) == (0, 0, 450)
    # Wilson upper limit for 0 of 900 alleles: z^2 / (n + z^2), per 1000.
    z2 = 1.959963984540054 ** 2
    assert float(row["pi_z_ci_high"]) == pytest.approx(1000 * z2 / (900 + z2), abs=0.05)


def test_hong_kong_donors() -> None:
    # Lee et al., J Clin Pathol 2001;54:798 (PubMed 11577132): 1085 healthy blood donors, isoelectric focusing;
    # "the frequency of allelic variants was only 0.007, and deficiency variants were absent" (E, L, N, P, S).
    row = _country("Hong Kong")
    assert (float(row["pi_s_per_1000"]), float(row["pi_z_per_1000"]), int(row["sample_size"])) == (7.0, 0, 1085)
    assert row["basis"] == "derived" and "UPPER value for S" in row["notes"]
    assert _source(row["source"])["pmid"] == "11577132" and _source(row["source"])["doi"] == "10.1136/jcp.54.10.798"


def test_white_british_uk_biobank_z_by_allele_counting() -> None:
    # Hakim et al., Hepatol Commun 2021 (doi 10.1002/hep4.1718), abstract: "12,603 Z allele heterozygotes, and 129 Z
    # allele homozygotes among 312,671 unrelated white British participants" of UK Biobank; S not given.
    hits = [r for r in _rows("ancestry_frequencies.csv") if r["group"] == "White British"]
    assert len(hits) == 1
    row = hits[0]
    assert (int(row["people"]), int(row["allele_number"]), int(row["z_count"])) == (312671, 2 * 312671, 12603 + 2 * 129)
    assert float(row["pi_z_per_1000"]) == pytest.approx(1000 * (12603 + 2 * 129) / (2 * 312671), abs=0.005)
    assert row["pi_s_per_1000"] == "" and row["basis"] == "derived"
    assert _source(row["source"])["doi"] == "10.1002/hep4.1718"


def test_usa_population_as_used() -> None:
    # Blanco 2017 Table 2: USA total population 259,196,422.
    assert float(_country("USA")["population_millions"]) == pytest.approx(259.196422)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("protective_threshold_umol_l", 11),  # Stoller 1996 abstract
        ("protective_threshold_mg_dl_rid", 80),  # Stoller 1996 abstract (commercial standard)
        ("crp_inflammation_cutoff_mg_l", 5),  # Sanders 2018 abstract
        ("immunoassay_detection_limit_mg_dl", 20),  # PMC8367212 Table 2 footnote
        ("aat_molecular_weight_kda", 52),  # Brantly 1991 abstract
    ],
)
def test_constants(name: str, value: float) -> None:
    hits = [r for r in _rows("constants.csv") if r["name"] == name]
    assert len(hits) == 1
    assert float(hits[0]["value"]) == pytest.approx(value)


def test_denmark_mz_count_z_only() -> None:
    # Dahl 2002, Ann Intern Med 136:270 (PubMed 11848724), abstract: 9,187 adults randomly selected from the
    # Danish general population; 451 (4.9%) carried MZ. S was not counted in the abstract, so the row has none.
    row = _country("Denmark")
    assert row["pi_s_per_1000"] == "" and "S NOT PUBLISHED" in row["notes"]
    assert int(row["sample_size"]) == 9187 and round(451 / 9187, 3) == 0.049
    assert float(row["pi_z_per_1000"]) == pytest.approx(1000 * 451 / (2 * 9187), abs=0.005)
    # the interval runs from the Wilson lower limit on 451/18,374 to the Hardy-Weinberg Z with S = 50 per 1000 at the
    # Wilson upper limit of the MZ share (2z(1 - z - s) = share), both worked out here independently of the table
    zc, n, k = 1.959963984540054, 18_374, 451
    p = k / n
    low = ((p + zc**2 / (2 * n)) - zc * (p * (1 - p) / n + zc**2 / (4 * n * n)) ** 0.5) / (1 + zc**2 / n)
    people, share = 9187, 451 / 9187
    high_share = ((share + zc**2 / (2 * people)) + zc * (share * (1 - share) / people
                                                       + zc**2 / (4 * people**2)) ** 0.5) / (1 + zc**2 / people)
    s = 0.05
    high = ((1 - s) - ((1 - s) ** 2 - 2 * high_share) ** 0.5) / 2
    assert float(row["pi_z_ci_low"]) == pytest.approx(1000 * low, abs=0.005)
    assert float(row["pi_z_ci_high"]) == pytest.approx(1000 * high, abs=0.005)
