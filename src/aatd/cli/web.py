"""Commands of the web app: ``aatd serve`` and ``aatd user create``."""

from __future__ import annotations

import dataclasses
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aatd.cli._common import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from aatd.web.models import User
from aatd.errors import Conflict

user_app = typer.Typer(help="Manage workspace users.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the workspace audit log.", no_args_is_help=True)
db_app = typer.Typer(help="Set up the workspace database.", no_args_is_help=True)
family_app = typer.Typer(help="Export and import workspace families (pedigree JSON with every result).",
                         no_args_is_help=True)
result_app = typer.Typer(help="List, correct and retract a workspace patient's results (audited, as the web).",
                         no_args_is_help=True)



def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in AATD_DATA_DIR).")] = None,
    one_process: Annotated[bool, typer.Option(
        "--one-process", help="Answer HTTP in the process that runs the app (as before the tenth wave).")] = False,
) -> None:
    """Start the web app; on first start create the data directory and database.

    By default HTTP is answered by one process and the app runs in another (aatd.web.front), so that the
    process answering HTTP never waits for the app's worker thread."""
    from aatd.web.settings import LOCAL_HOSTS, load_settings

    settings = load_settings(database_url=database)
    if host not in ("127.0.0.1", "localhost", "::1") and settings.env != "production":
        fail(f"--host {host} exposes the app beyond this machine; set AATD_ENV=production "
             "(with AATD_SECRET_KEY and https) to allow it")
    if not settings.allowed_hosts and settings.env != "production":
        settings = dataclasses.replace(settings, allowed_hosts=LOCAL_HOSTS)  # no DNS rebinding on loopback
    sys.stdout.write(f"aatd: data directory {settings.data_dir}\n")
    sys.stdout.flush()

    def announce(has_users: bool) -> None:
        if not has_users:
            sys.stdout.write(
                "aatd: no user exists yet. Create the first admin in another terminal:\n"
                f"    AATD_DATA_DIR={shlex.quote(str(settings.data_dir))} {_executable()} user create"
                " --org 'My clinic' --email you@example.org --admin"
                f"{'' if database is None else ' --database ' + repr(database)}\n"
                f"  (it prints a generated password once), then open http://{host}:{port}/login\n")
        sys.stdout.write(f"aatd: serving on http://{host}:{port}/ (Ctrl+C to stop)\n")
        sys.stdout.flush()

    if one_process:
        _serve_in_one_process(settings, host, port, announce)
    else:
        _serve_in_two_processes(settings, host, port, announce)


def _serve_in_one_process(settings: Any, host: str, port: int, announce: Callable[[bool], None]) -> None:
    import uvicorn

    from aatd.web.app import create_app, prepare_to_serve
    from aatd.web.db import has_users

    app = create_app(settings)
    announce(has_users(app.state.engine))
    prepare_to_serve(app)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)


def _serve_in_two_processes(settings: Any, host: str, port: int, announce: Callable[[bool], None]) -> None:
    import gc

    import uvicorn

    from aatd.web.front import Front

    front = Front(settings, announce=announce)
    server = uvicorn.Server(uvicorn.Config(front, host=host, port=port, log_level="info", proxy_headers=False,
                                           lifespan="on"))

    def stop_server() -> None:
        server.should_exit = True

    front.stop_server = stop_server
    gc.collect()
    gc.freeze()
    server.run()
    if not server.started or front.exit_code:
        raise typer.Exit(front.exit_code or 1)


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
    migrate(engine, settings.totp_key_ring)
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


Database = Annotated[str | None, typer.Option(help="Database URL (default: SQLite in AATD_DATA_DIR).")]
Email = Annotated[str, typer.Option("--email", help="The user's email (login name).")]


def _with_user(database: str | None, email: str, change: Callable[[Session, User], str]) -> None:
    """Run ``change`` on the user with ``email`` in one transaction and print what it says."""
    from aatd.web.db import make_engine, migrate, session_factory, transaction
    from aatd.web.settings import load_settings
    from aatd.web.workspace import accounts

    settings = load_settings(database_url=database)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine, settings.totp_key_ring)
        with transaction(session_factory(engine)) as db:
            message = change(db, accounts.user_by_email(db, email))
    finally:
        engine.dispose()
    sys.stdout.write(f"aatd: {message}\n")


def set_password(
    email: Email,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    database: Database = None,
) -> None:
    """Set a user's password (prints a generated one once unless given on stdin); signs them out everywhere."""
    from aatd.web.security import generate_password
    from aatd.web.workspace import accounts

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()

    def change(db: Session, user: User) -> str:
        accounts.set_password(db, user, password)
        return f"password of {user.email} changed; their sessions and API tokens have ended"

    _with_user(database, email, change)
    if not password_stdin:
        sys.stdout.write(f"aatd: new password (shown once): {password}\n")


def deactivate(email: Email, database: Database = None) -> None:
    """Deactivate a user: their sessions end, API tokens are revoked and logins are refused."""
    from aatd.web.workspace import accounts

    def change(db: Session, user: User) -> str:
        accounts.set_active(db, user, False)
        return f"{user.email} deactivated"

    _with_user(database, email, change)


def reactivate(email: Email, database: Database = None) -> None:
    """Let a deactivated user log in again."""
    from aatd.web.workspace import accounts

    def change(db: Session, user: User) -> str:
        accounts.set_active(db, user, True)
        return f"{user.email} reactivated"

    _with_user(database, email, change)


def unlock(email: Email, database: Database = None) -> None:
    """Clear the failed logins counted against a user (the login throttle lets them in again)."""
    from aatd.web.workspace import accounts

    def change(db: Session, user: User) -> str:
        return f"{user.email} unlocked ({accounts.unlock(db, user)} failed attempts cleared)"

    _with_user(database, email, change)


def reset_totp(email: Email, database: Database = None) -> None:
    """Remove a user's two-step login (a lost phone); they can set it up again on their account page."""
    from aatd.web.workspace import accounts

    def change(db: Session, user: User) -> str:
        accounts.disable_totp(db, user)
        return f"two-step login of {user.email} removed"

    _with_user(database, email, change)


def new_totp_key() -> None:
    """Print a fresh random key for AATD_TOTP_KEYS (put it first; keep the old key after it until
    'aatd user rotate-totp-keys' has run)."""
    from aatd.web.security import new_totp_key as make_key

    sys.stdout.write(make_key() + "\n")


def rotate_totp_keys(database: Database = None) -> None:
    """Encrypt every stored two-step login secret again under the first key of AATD_TOTP_KEYS.

    Run after putting a new key first (old keys after it); then the old keys can be removed.
    Nothing changes when one secret cannot be decrypted: the command names its user and exits 2.
    """
    from aatd.web.db import make_engine, migrate, session_factory, transaction
    from aatd.web.settings import load_settings
    from aatd.web.workspace import accounts

    settings = load_settings(database_url=database)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine, settings.totp_key_ring)
        with transaction(session_factory(engine)) as db:
            count = accounts.rotate_totp_secrets(db, settings.totp_key_ring)
    finally:
        engine.dispose()
    sys.stdout.write(f"aatd: {count} two-step login secrets encrypted under the newest key; "
                     "older keys may now be removed from AATD_TOTP_KEYS\n")


def _anchor(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        from aatd.errors import InputError

        raise InputError("anchor", text, "SEQ:HASH, an event number and its 64-character hex hash")
    return int(seq), digest


def verify(
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite in AATD_DATA_DIR).")] = None,
    anchor: Annotated[list[str] | None, typer.Option(
        help="SEQ:HASH printed by an earlier run (kept elsewhere); catches a log rewritten from that event on.")]
    = None,
) -> None:
    """Recompute the audit log's hash chain; exit 1 naming the first event that was edited, deleted or inserted."""
    from aatd.web.db import make_engine, migrate, session_factory, transaction
    from aatd.web.settings import load_settings
    from aatd.web.workspace import audit

    anchors = dict(_anchor(a) for a in anchor or [])
    settings = load_settings(database_url=database)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine, settings.totp_key_ring)  # a no-op at the newest revision
        with transaction(session_factory(engine)) as db:
            report = audit.verify(db, anchors)
    finally:
        engine.dispose()
    if not report.ok:
        where = f"event {report.first_bad_seq}" + (f" (id {report.first_bad_id})" if report.first_bad_id else "")
        fail(f"audit log broken at {where}: {report.problem}; the {report.events} events before it verify",
             code=1)
    sys.stdout.write(f"aatd: audit log intact: {report.events} events; head {report.head_seq}:{report.head_hash}\n")


def grant(
    app_role: Annotated[str, typer.Option("--app-role", help="The role 'aatd serve' connects as.")],
    database: Annotated[str, typer.Option(help="postgresql:// URL of the table OWNER (it also migrates).")],
) -> None:
    """PostgreSQL: migrate as the owner, then give the app role data access but no way to rewrite the audit log."""
    import os

    from aatd.web.db import grant_app_role, make_engine, migrate
    from aatd.web.security import TOTP_KEYS_VARIABLE, parse_totp_keys
    from aatd.web.settings import normalise_database_url

    # Only migration 0007 needs keys, and only for secrets stored in plain text; it names the variable if so.
    given = os.environ.get(TOTP_KEYS_VARIABLE, "").strip()
    keys = parse_totp_keys(given, production=False) if given else ()
    engine = make_engine(normalise_database_url(database))
    try:
        migrate(engine, keys)
        grant_app_role(engine, app_role)
    finally:
        engine.dispose()
    sys.stdout.write(f"aatd: {app_role} may read and write the workspace; the audit log is insert-only for it\n")


def _as_user(database: str | None, email: str, work: Callable[[Session, User], str]) -> str:
    """Run ``work`` as the user with ``email`` (their organisation's records, audited) in one transaction."""
    from aatd.web.db import make_engine, migrate, session_factory, transaction
    from aatd.web.settings import load_settings
    from aatd.web.workspace import accounts

    settings = load_settings(database_url=database)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine, settings.totp_key_ring)
        with transaction(session_factory(engine)) as db:
            return work(db, accounts.user_by_email(db, email))
    finally:
        engine.dispose()


def family_export(
    family_id: Annotated[int, typer.Argument(min=1, help="The family's id.")],
    email: Annotated[str, typer.Option("--as", help="Export as this user (their organisation; audited).")],
    database: Database = None,
) -> None:
    """Print a family as pedigree JSON with every result (``aatd pedigree`` reads it as it is)."""
    import json

    from aatd.web.workspace.family_json import export_family
    from aatd.web.workspace.repository import Workspace

    def work(db: Session, user: User) -> str:
        ws = Workspace(db, user)
        family = ws.family(family_id, audit_read=False)
        ws.record("export", "family", family.id)
        return json.dumps(export_family(ws, family), indent=1, ensure_ascii=False)

    sys.stdout.write(_as_user(database, email, work) + "\n")


def family_import(
    file: Annotated[Path, typer.Argument(help="A pedigree JSON file (an export, or a plain aatd pedigree).")],
    email: Annotated[str, typer.Option("--as", help="Import as this user (their organisation; audited).")],
    database: Database = None,
) -> None:
    """Create a family from a pedigree JSON file (all or nothing; what cannot be stored is refused, naming
    the field)."""
    from aatd.limits import load_json, read_file
    from aatd.web.workspace.family_json import import_family
    from aatd.web.workspace.repository import Workspace

    doc = load_json(read_file(file, "file"), "file", source=str(file))

    def work(db: Session, user: User) -> str:
        family = import_family(Workspace(db, user), doc)
        return f"aatd: family {family.id} ({family.name}) imported\n"

    sys.stdout.write(_as_user(database, email, work))


PatientArg = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The patient's id.")]
ResultArg = Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The result's id ('aatd result list').")]
AsUser = Annotated[str, typer.Option("--as", help="Act as this user (their organisation; audited).")]
Reason = Annotated[str, typer.Option("--reason", help="Why the result is changed (3-500 characters; audited).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the stored result(s) as the API returns them.")]


def _result_line(result: object) -> str:
    """One result as a line: id, date, kind, value, and its correction or retraction."""
    from aatd.web.clinician.labels import readable
    from aatd.web.workspace.result_values import describe

    r: Any = result
    shown = describe(r.kind, r.value, r.below, r.unit, r.method, r.text, r.panel, r.fev1_l, r.fvc_l)
    state = (f"  RETRACTED: {r.retraction_reason}" if r.retracted_at is not None
             else "  (corrected)" if r.updated_at is not None else "")
    return f"{r.id}\t{r.taken_on.isoformat()}\t{readable(r.kind)}\t{shown}{state}"


def _results_out(results: list[object], as_json: bool) -> str:
    import json

    from aatd.web.schemas import ResultOut

    if as_json:
        return json.dumps([ResultOut.model_validate(r).model_dump(mode="json") for r in results], indent=1,
                          ensure_ascii=False)
    return "\n".join(_result_line(r) for r in results)


def result_list(patient_id: PatientArg, email: AsUser, as_json: AsJson = False, database: Database = None) -> None:
    """A patient's results, oldest first, retracted ones included (as GET /api/v1/patients/ID/results)."""
    from aatd.web.workspace.repository import Workspace

    def work(db: Session, user: User) -> str:
        ws = Workspace(db, user)
        return _results_out(list(ws.results(ws.patient(patient_id), include_retracted=True)), as_json)

    sys.stdout.write(_as_user(database, email, work) + "\n")


def result_correct(
    patient_id: PatientArg, result_id: ResultArg, email: AsUser, reason: Reason,
    value: Annotated[str | None, typer.Option(help="Level or CRP value ('<20' for below the assay's limit).")]
    = None,
    unit: Annotated[str | None, typer.Option(help="Level unit: mg/dL, g/L or umol/L; CRP unit: mg/L or mg/dL.")] = None,
    method: Annotated[str | None, typer.Option(help="Level assay: nephelometry, turbidimetry, ...")] = None,
    text: Annotated[str | None, typer.Option(help="Genotype or phenotype (ZZ, MZ, Z/Null...).")] = None,
    panel: Annotated[str | None, typer.Option(help="Genotyping panel.")] = None,
    fev1: Annotated[float | None, typer.Option("--fev1", help="FEV1 in litres.")] = None,
    fvc: Annotated[float | None, typer.Option("--fvc", help="FVC in litres.")] = None,
    note: Annotated[str | None, typer.Option(help="Note.")] = None,
    taken_on: Annotated[str | None, typer.Option(help="Date of the test, YYYY-MM-DD.")] = None,
    as_json: AsJson = False,
    database: Database = None,
) -> None:
    """Correct a result with a reason: the values given replace the stored ones (same kind, validated as a
    new result); the audit log keeps the old and new values and the reason (as PATCH .../results/ID)."""
    from aatd.web.workspace.repository import Workspace

    given = {"value": value, "unit": unit, "method": method, "text": text, "panel": panel, "fev1_l": fev1,
             "fvc_l": fvc, "note": note, "taken_on": taken_on}
    changes = {key: v for key, v in given.items() if v is not None}

    def work(db: Session, user: User) -> str:
        return _results_out([Workspace(db, user).correct_result(patient_id, result_id, changes, reason)], as_json)

    sys.stdout.write(_as_user(database, email, work) + "\n")


def result_retract(patient_id: PatientArg, result_id: ResultArg, email: AsUser, reason: Reason,
                   as_json: AsJson = False, database: Database = None) -> None:
    """Retract a result with a reason: it stays on record, marked retracted, and leaves every answer
    (as POST .../results/ID/retract)."""
    from aatd.web.workspace.repository import Workspace

    def work(db: Session, user: User) -> str:
        return _results_out([Workspace(db, user).retract_result(patient_id, result_id, reason)], as_json)

    sys.stdout.write(_as_user(database, email, work) + "\n")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    user_app.command("create")(create)
    user_app.command("set-password")(set_password)
    user_app.command("deactivate")(deactivate)
    user_app.command("reactivate")(reactivate)
    user_app.command("unlock")(unlock)
    user_app.command("reset-totp")(reset_totp)
    user_app.command("new-totp-key")(new_totp_key)
    user_app.command("rotate-totp-keys")(rotate_totp_keys)
    app.add_typer(user_app, name="user")
    audit_app.command("verify")(verify)
    app.add_typer(audit_app, name="audit")
    db_app.command("grant")(grant)
    app.add_typer(db_app, name="db")
    family_app.command("export")(family_export)
    family_app.command("import")(family_import)
    app.add_typer(family_app, name="family")
    result_app.command("list")(result_list)
    result_app.command("correct")(result_correct)
    result_app.command("retract")(result_retract)
    app.add_typer(result_app, name="result")
