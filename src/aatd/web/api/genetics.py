"""Genetics endpoints (one genotype, two parents, a population): no login, no database writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from aatd import limits
from aatd.genetics import answers as summaries
from aatd.genetics.answers import GenotypeAnswer, InheritanceAnswer, PrevalenceAnswer
from aatd.web.budget import BUDGETED

router = APIRouter(tags=["genetics"], dependencies=BUDGETED)

Finite = Annotated[float, Query(allow_inf_nan=False)]
GenotypeQuery = Annotated[str, Query(min_length=1, max_length=limits.GENOTYPE_TEXT, examples=["MZ"])]


@router.get("/genotype")
def genotype(genotype: GenotypeQuery) -> GenotypeAnswer:
    """Canonical genotype, severity and expected serum level (as ``aatd genotype --json``)."""
    return summaries.describe_genotype(genotype)


@router.get("/inherit")
def inherit(parent1: GenotypeQuery, parent2: GenotypeQuery) -> InheritanceAnswer:
    """Genotype chances of a child of two parents (as ``aatd inherit --json``)."""
    return summaries.describe_inheritance(parent1, parent2)


@router.get("/prevalence")
def prevalence(country: Annotated[str | None, Query(max_length=limits.LABEL)] = None,
               s: Annotated[float | None, Query(allow_inf_nan=False)] = None,
               z: Annotated[float | None, Query(allow_inf_nan=False)] = None,
               population: Annotated[str | None, Query(
                   max_length=limits.LABEL, description="Number of people, a whole number from 1 (default: the "
                   "country survey's); checked by the core, so the API and the CLI refuse the same values")] = None,
               ancestry: Annotated[str | None, Query(max_length=limits.LABEL)] = None) -> PrevalenceAnswer:
    """Hardy-Weinberg genotype frequencies and expected counts (as ``aatd prevalence --json``); ``ancestry`` names
    a genetic ancestry group of the ancestry table instead of a country."""
    return summaries.describe_prevalence(country_name=country, s=s, z=z, population=population,
                                         ancestry_name=ancestry)
