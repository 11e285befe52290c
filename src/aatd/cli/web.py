"""Commands of the web app: ``aatd serve`` and ``aatd user create``."""

from __future__ import annotations

import dataclasses
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from aatd.cli._common import fail
from aatd.errors import Conflict

user_app = typer.Typer(help="Manage workspace users.", no_args_is_help=True)



def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in AATD_DATA_DIR).")] = None,
) -> None:
    """Start the web app; on first start create the data directory and database."""
    import uvicorn

    from aatd.web.app import create_app
    from aatd.web.db import has_users
    from aatd.web.settings import LOCAL_HOSTS, load_settings

    settings = load_settings(database_url=database)
    if host not in ("127.0.0.1", "localhost", "::1") and settings.env != "production":
        fail(f"--host {host} exposes the app beyond this machine; set AATD_ENV=production "
             "(with AATD_SECRET_KEY and https) to allow it")
    if not settings.allowed_hosts and settings.env != "production":
        settings = dataclasses.replace(settings, allowed_hosts=LOCAL_HOSTS)  # no DNS rebinding on loopback
    app = create_app(settings)
    sys.stdout.write(f"aatd: data directory {settings.data_dir}\n")
    if not has_users(app.state.engine):
        sys.stdout.write(
            "aatd: no user exists yet. Create the first admin in another terminal:\n"
            f"    AATD_DATA_DIR={shlex.quote(str(settings.data_dir))} {_executable()} user create"
            " --org 'My clinic' --email you@example.org --admin"
            f"{'' if database is None else ' --database ' + repr(database)}\n"
            f"  (it prints a generated password once), then open http://{host}:{port}/login\n")
    sys.stdout.write(f"aatd: serving on http://{host}:{port}/ (Ctrl+C to stop)\n")
    sys.stdout.flush()
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def _executable() -> str:
    """How to run this ``aatd`` again from any folder (the venv need not be active)."""
    exe = Path(sys.argv[0])
    return shlex.quote(str(exe.resolve())) if exe.name == "aatd" and exe.exists() else "aatd"


def create(
    org: Annotated[str, typer.Option("--org", help="Organisation name (created if new).")],
    email: Annotated[str, typer.Option("--email", help="The user's email (login name).")],
    admin: Annotated[bool, typer.Option("--admin", help="Give the admin role.")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in AATD_DATA_DIR).")] = None,
) -> None:
    """Create a user (and the organisation); prints a generated password once unless given on stdin."""
    from aatd.web.db import make_engine, migrate, session_factory, transaction
    from aatd.web.security import generate_password
    from aatd.web.settings import load_settings
    from aatd.web.workspace import accounts

    settings = load_settings(database_url=database)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()
    engine = make_engine(settings.database_url)
    migrate(engine)
    try:
        with transaction(session_factory(engine)) as db:
            organisation = accounts.organisation(db, org, create=True)
            user = accounts.create_user(db, organisation, email, password, "admin" if admin else "clinician")
            address, role = user.email, user.role
    except Conflict as exc:
        fail(str(exc))
    finally:
        engine.dispose()
    sys.stdout.write(f"aatd: created {role} {address} in organisation {org!r}\n")
    if not password_stdin:
        sys.stdout.write(f"aatd: password (shown once, change it after logging in): {password}\n")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    user_app.command("create")(create)
    app.add_typer(user_app, name="user")
