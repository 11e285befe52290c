"""The clinic's workspace data layer: organisations, users, patients, families, results and the audit log.

Organisation scoping and auditing live here, in one place. This layer raises domain errors only
(:class:`aatd.errors.NotFound`, :class:`~aatd.errors.Forbidden`, :class:`~aatd.errors.Conflict`);
the HTTP edge (:mod:`aatd.web.errors`) maps them to status codes.
"""
