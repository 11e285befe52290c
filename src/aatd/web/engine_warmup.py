"""Warms the engine processes up: importing this module runs each engine once on a tiny input.

The fork server of :class:`aatd.web.budget.EnginePool` imports it (:data:`aatd.web.budget.ENGINE_PRELOAD`)
before it forks the engine processes, so that they start with the knowledge tables read and the
engines' caches filled. Without it the first risk request of each process spent about 1.5 s of
its time budget reading tables (far more on a busy machine, where the engine processes run at a
lower priority). A failure here is not fatal: the engines then warm up on first use.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Run the interpretation, risk and pedigree engines once each, on tiny inputs."""
    try:
        from aatd.clinic.interpretation import describe_interpretation
        from aatd.family.answers import pedigree_report
        from aatd.risk.answers import describe_risk

        describe_interpretation(genotype="MZ", level="90", unit="mg/dL", crp="2")
        describe_risk(genotype="ZZ", sex="female", age=40, height_cm=165, n=100, seed=0)
        pedigree_report({"country": "USA", "members": [{"id": "a", "sex": "female", "genotype": "MZ"}]}, plan=True)
    except Exception:  # warming up is an optimisation only
        log.exception("engine warm-up failed; the engines will warm up on first use")


warm_up()
