"""Alembic migrations of the web app's database, run programmatically by :func:`aatd.web.db.migrate`."""
