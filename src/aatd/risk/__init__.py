"""Lifetime lung and liver risk: FEV1 trajectories, COPD, survival, liver disease, what-if scenarios.

:mod:`~aatd.risk.lung` is the vectorised simulator (with :mod:`~aatd.risk._kernel`, its compiled twin),
:mod:`~aatd.risk.parameters` the parameter table and its two-level uncertainty, :mod:`~aatd.risk.mortality`
the competing causes of death, :mod:`~aatd.risk.spirometry` the reference equations, :mod:`~aatd.risk.liver`
the liver model, :mod:`~aatd.risk.answers` the typed answer (:func:`describe_risk`) the shells render and
:mod:`~aatd.risk.tables` the generated documentation tables; :mod:`~aatd.risk.plots` draws the answer.
"""
