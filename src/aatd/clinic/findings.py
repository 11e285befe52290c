"""What an interpretation is made of: statements, next steps, causes, the evidence and the answer.

The data types shared by :mod:`aatd.clinic.interpretation` (which reasons) and
:mod:`aatd.clinic.wording` (which words the reasoning), kept apart so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aatd.clinic.augmentation import EligibilityVerdict
from aatd.clinic.guidelines import Panel
from aatd.genetics.genotypes import Genotype, Phenotype
from aatd.genetics.units import Crp, Level, UnitCheck

DEFAULT_COUNTRY = "USA"
"""Population whose S and Z frequencies give the genotype prior when no country is named."""
INDETERMINATE = "indeterminate"
MAX_FEV1_PCT = 200.0
MAX_AGE_YEARS = 130.0
ADULT_AGE_YEARS = 18.0
"""Age from which the augmentation guidelines apply (every one is written for adults)."""
SEVERITY_ORDER = ("normal", "intermediate", "severe", "absent")
TESTING_STEPS = frozenset({"genotype", "phenotype", "sequence_serpina1", "repeat_level",
                           "repeat_level_without_inflammation", "measure_level", "check_unit",
                           "repeat_level_after_pregnancy", "resolve_discordance"})


@dataclass(frozen=True, slots=True)
class Statement:
    """One claim of the explanation and the ``source`` field (source ids) that supports it."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class NextStep:
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Cause:
    """A ranked explanation of a discordance; ``probability`` when the model can compute it."""

    code: str
    probability: float | None
    note: str


@dataclass(frozen=True, slots=True)
class Interpretation:
    """The structured interpretation of a result (see the module docstring)."""

    severity: str
    consistent: bool | None
    next_steps: tuple[NextStep, ...]
    explanation: tuple[Statement, ...]
    patient_explanation: tuple[str, ...]
    causes: tuple[Cause, ...]
    genotype_probabilities: dict[str, float]
    eligibility: tuple[EligibilityVerdict, ...]
    reported_genotype: str | None
    panel: str | None
    level_umol_l: float | None
    inflamed: bool | None
    direction: str | None = None
    assumptions: tuple[str, ...] = field(default=())
    unit_check: UnitCheck | None = None
    pregnant: bool = False
    age_years: float | None = None
    measured_class: str | None = None

    @property
    def next_step_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.next_steps)


@dataclass(frozen=True, slots=True)
class Evidence:
    """The validated inputs of one interpretation (level, CRP, phenotype, genotype and panel, context)."""

    level: Level | None
    crp: Crp | None
    """The CRP as entered, with its value in mg/L (converted once, in :meth:`Crp.parse`)."""
    phenotype: Phenotype | None
    genotype: Genotype | None
    panel: Panel | None
    panel_assumed: bool
    on_augmentation: bool
    country: str
    unit_check: UnitCheck | None = None
    pregnant: bool = False
    age_years: float | None = None

    @property
    def level_usable(self) -> bool:
        """Whether the measured level can be read as this person's level (not during augmentation,
        and not a value whose unit is in doubt)."""
        return self.level is not None and not self.on_augmentation and self.unit_check is None
