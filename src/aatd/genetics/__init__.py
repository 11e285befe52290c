"""One person's SERPINA1 genetics: alleles, genotype notation, units, serum levels, inheritance, prevalence.

Everything here is about a single genotype or a population of unrelated people; families live in
:mod:`aatd.family`. :mod:`aatd.genetics.answers` holds the typed, JSON-ready answers the shells render.
"""
