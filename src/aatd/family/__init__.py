"""Families: the pedigree model and its file formats, exact genotype probabilities, whom to test next.

:mod:`~aatd.family.pedigree` holds the data model, :mod:`~aatd.family.inference` the exact
junction-tree inference (kernel in :mod:`~aatd.family._junction_tree`),
:mod:`~aatd.family.cascade` the cascade-testing plan and report, and :mod:`~aatd.family.drawing`
the pedigree drawing in standard nomenclature.
"""
