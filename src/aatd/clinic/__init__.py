"""The clinic: who should be tested, what a result means, and who may receive augmentation therapy.

Guideline tables (:mod:`~aatd.clinic.guidelines`) drive :mod:`~aatd.clinic.who_to_test`,
:mod:`~aatd.clinic.interpretation` (with its wording in :mod:`~aatd.clinic.wording`) and
:mod:`~aatd.clinic.augmentation`.
"""
