"""The aatd web app: REST API and clinician workspace (FastAPI, SQLAlchemy, Jinja2).

Start it with ``aatd serve``; build an app object with :func:`aatd.web.app.create_app`.
See ``docs/web.md`` for the architecture, settings and security model.
"""
