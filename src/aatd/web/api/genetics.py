"""Genetics endpoints (one genotype, two parents, a population): no login, no database writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from aatd.genetics import answers as summaries
from aatd.genetics.answers import GenotypeAnswer, InheritanceAnswer, PrevalenceAnswer

router = APIRouter(tags=["genetics"])

Finite = Annotated[float, Query(allow_inf_nan=False)]


@router.get("/genotype")
def genotype(genotype: Annotated[str, Query(min_length=1, max_length=100, examples=["ZZ"])]) -> GenotypeAnswer:
    """Canonical genotype, severity and expected serum level (as ``aatd genotype --json``)."""
    return summaries.describe_genotype(genotype)


@router.get("/inherit")
def inherit(parent1: Annotated[str, Query(min_length=1, max_length=100, examples=["MZ"])],
            parent2: Annotated[str, Query(min_length=1, max_length=100, examples=["MZ"])]) -> InheritanceAnswer:
    """Genotype chances of a child of two parents (as ``aatd inherit --json``)."""
    return summaries.describe_inheritance(parent1, parent2)


@router.get("/prevalence")
def prevalence(country: Annotated[str | None, Query(max_length=100)] = None,
               s: Annotated[float | None, Query(allow_inf_nan=False)] = None,
               z: Annotated[float | None, Query(allow_inf_nan=False)] = None,
               population: Annotated[float | None, Query(allow_inf_nan=False)] = None) -> PrevalenceAnswer:
    """Hardy-Weinberg genotype frequencies and expected counts (as ``aatd prevalence --json``)."""
    return summaries.describe_prevalence(country_name=country, s=s, z=z, population=population)
