"""Lifetime lung and liver risk: FEV1 trajectories, COPD, survival, liver disease, what-if scenarios.

:mod:`~aatd.risk.lung` is the vectorised simulator, :mod:`~aatd.risk.spirometry` the reference
equations, :mod:`~aatd.risk.liver` the liver model and :mod:`~aatd.risk.answers` the typed answer
(:func:`describe_risk`) the shells render; :mod:`~aatd.risk.plots` draws it.
"""
