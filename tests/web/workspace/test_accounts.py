"""Accounts: password policy, change and reset, deactivation, scoped expiring tokens, secrets, file modes."""

from __future__ import annotations

import datetime as dt
import secrets
import stat
import time
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.errors import InputError
from aatd.web.db import make_engine, transaction
from aatd.web.models import User
from aatd.web.security import check_password, new_totp_key, weak_secret
from aatd.web.settings import load_settings
from aatd.web.workspace import accounts
from web.conftest import PASSWORD, World

NEW_PASSWORD = "plum cactus lantern orbit"


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", " " * 12, "password1234", "qwertyuiop123", "123456789012",
                                      "doc@a.org2026", "clinicaclinica", "abcdefghijklmnop"])
def test_password_policy__trivial_and_breached_refused(password: str) -> None:
    with pytest.raises(InputError, match="password: got '<hidden>'; expected"):
        check_password(password, ("doc@a.org", "Clinic A"))


def test_password_policy__strong_accepted_and_the_reason_is_named() -> None:
    check_password(NEW_PASSWORD)
    check_password(secrets.token_urlsafe(15))  # what `aatd user create` generates
    with pytest.raises(InputError, match="Repeats"):
        check_password("aaaaaaaaaaaa")


def test_password_policy__api_and_page_refuse_weak_passwords(sqlite_world: World) -> None:
    admin = sqlite_world.token("admin@a.org")
    weak = sqlite_world.client.post("/api/v1/users", json={"email": "new@a.org", "password": "aaaaaaaaaaaa"},
                                    headers=admin)
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    strong = sqlite_world.client.post("/api/v1/users", json={"email": "new@a.org", "password": NEW_PASSWORD},
                                      headers=admin)
    assert strong.status_code == 201


def test_change_password__api_checks_the_current_one_and_revokes_tokens(sqlite_world: World) -> None:
    world = sqlite_world
    doc, other = world.token("doc@a.org"), world.token("doc@a.org")
    wrong = world.client.post("/api/v1/me/password", json={"current_password": "not it at all",
                                                            "new_password": NEW_PASSWORD}, headers=doc)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    weak = world.client.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                           "new_password": "password1234"}, headers=doc)
    assert weak.status_code == 422
    done = world.client.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                           "new_password": NEW_PASSWORD}, headers=doc)
    assert done.status_code == 204
    assert world.client.get("/api/v1/me", headers=other).status_code == 401
    assert world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD}).status_code \
        == 401
    assert world.client.post("/api/v1/auth/token", json={"email": "doc@a.org",
                                                          "password": NEW_PASSWORD}).status_code == 201


def test_change_password__page_keeps_this_session_and_ends_the_others(sqlite_world: World) -> None:
    here, elsewhere = sqlite_world.login("doc@a.org"), sqlite_world.login("doc@a.org")
    csrf = here.get("/account").text.split('name="csrf_token" value="')[1].split('"')[0]
    weak = here.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                "new_password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422 and "hard to guess" in weak.text
    done = here.post("/account/password", data={"csrf_token": csrf, "current_password": PASSWORD,
                                                "new_password": NEW_PASSWORD}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account?done=true"
    assert here.get("/patients", follow_redirects=False).status_code == 200
    assert elsewhere.get("/patients", follow_redirects=False).status_code == 303


def _user_id(world: World, admin: dict[str, str], email: str) -> int:
    return int(next(u["id"] for u in world.client.get("/api/v1/users", headers=admin).json() if u["email"] == email))


def test_admin_reset_and_deactivation__api(sqlite_world: World) -> None:
    world = sqlite_world
    admin, doc = world.token("admin@a.org"), world.token("doc@a.org")
    doc_id = _user_id(world, admin, "doc@a.org")
    off = world.client.patch(f"/api/v1/users/{doc_id}", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert world.client.get("/api/v1/me", headers=doc).status_code == 401
    assert world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD}).status_code \
        == 401
    assert world.client.patch(f"/api/v1/users/{doc_id}", json={"active": True}, headers=admin).status_code == 200
    reset = world.client.post(f"/api/v1/users/{doc_id}/password", json={"new_password": NEW_PASSWORD}, headers=admin)
    assert reset.status_code == 204
    again = world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": NEW_PASSWORD})
    assert again.status_code == 201
    doc = {"Authorization": f"Bearer {again.json()['token']}"}
    admin_id = _user_id(world, admin, "admin@a.org")
    assert world.client.patch(f"/api/v1/users/{admin_id}", json={"active": False}, headers=admin).status_code == 409
    b_admin_target = world.client.patch("/api/v1/users/999999", json={"active": False}, headers=admin)
    assert b_admin_target.status_code == 404
    assert world.client.patch(f"/api/v1/users/{admin_id}", json={"active": False}, headers=doc).status_code == 403
    actions = {e["action"] for e in world.client.get("/api/v1/audit", headers=admin).json()}
    assert {"deactivate", "reactivate", "reset_password"} <= actions


def test_admin_pages__deactivate_and_reset(sqlite_world: World) -> None:
    page = sqlite_world.login("admin@a.org")
    listing = page.get("/admin/users").text
    csrf = listing.split('name="csrf_token" value="')[1].split('"')[0]
    doc_id = _user_id(sqlite_world, sqlite_world.token("admin@a.org"), "doc@a.org")
    assert page.post(f"/admin/users/{doc_id}/active", data={"csrf_token": csrf, "active": "false"},
                     follow_redirects=False).status_code == 303
    assert "deactivated" in page.get("/admin/users").text
    weak = page.post(f"/admin/users/{doc_id}/password", data={"csrf_token": csrf, "new_password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422
    assert page.post(f"/admin/users/{doc_id}/password", data={"csrf_token": csrf, "new_password": NEW_PASSWORD},
                     follow_redirects=False).status_code == 303


def test_tokens__scopes_expiry_listing_and_revocation(sqlite_world: World) -> None:
    world = sqlite_world
    made = world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD,
                                                         "name": "reader", "scope": "read", "expires_in_days": 7})
    assert made.status_code == 201 and made.json()["scope"] == "read"
    reader = {"Authorization": f"Bearer {made.json()['token']}"}
    assert world.client.get("/api/v1/patients", headers=reader).status_code == 200
    refused = world.client.post("/api/v1/patients", json={"label": "P", "sex": "female"}, headers=reader)
    assert refused.status_code == 403 and "read-only" in refused.json()["error"]
    writer = world.token("doc@a.org")
    listed = world.client.get("/api/v1/auth/tokens", headers=writer).json()
    assert [t["name"] for t in listed] == ["api", "reader"] and all("token" not in t for t in listed)
    reader_row = listed[1]
    days = (dt.datetime.fromisoformat(reader_row["expires_at"]) - dt.datetime.fromisoformat(reader_row["created_at"]))
    assert round(days.total_seconds() / 86400) == 7
    assert world.client.delete(f"/api/v1/auth/tokens/{reader_row['id']}", headers=writer).status_code == 204
    assert world.client.get("/api/v1/me", headers=reader).status_code == 401
    assert world.client.delete(f"/api/v1/auth/tokens/{reader_row['id']}",
                               headers=world.token("doc@b.org")).status_code == 404
    with world.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET expires_at = :t"), {"t": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)})
    expired = world.client.get("/api/v1/me", headers=writer)
    assert expired.status_code == 401 and "expired" in expired.json()["error"]
    too_long = world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": PASSWORD,
                                                             "expires_in_days": 1000})
    assert too_long.status_code == 422


def test_organisation_names__one_organisation_whatever_the_case(sqlite_world: World) -> None:
    with transaction(sqlite_world.app.state.sessions) as db:
        first = accounts.organisation(db, "Clinic A")
        assert accounts.organisation(db, "  CLINIC a ", create=True).id == first.id
        assert accounts.organisation(db, "clinic a").name == "Clinic A"
    with pytest.raises(IntegrityError), sqlite_world.app.state.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, name_key, created_at) "
                          "VALUES ('CLINIC A', 'clinic a', '2026-01-01')"))


@pytest.mark.parametrize("secret", ["a" * 32, "ab" * 20, "abcdefghijklmnopqrstuvwxyz012345",
                                    "correct horse battery staple x"])
def test_production__weak_secrets_refused(secret: str, tmp_path: Path) -> None:
    assert weak_secret(secret) is not None
    with pytest.raises(InputError, match="AATD_SECRET_KEY"):
        load_settings({"AATD_ENV": "production", "AATD_SECRET_KEY": secret, "AATD_DATA_DIR": str(tmp_path)})


def test_production__random_secrets_accepted(tmp_path: Path) -> None:
    for secret in (secrets.token_urlsafe(32), secrets.token_urlsafe(48), secrets.token_hex(32)):
        settings = load_settings({"AATD_ENV": "production", "AATD_SECRET_KEY": secret,
                                  "AATD_DATA_DIR": str(tmp_path), "AATD_TOTP_KEYS": new_totp_key()})
        assert settings.secret_key == secret


def test_sqlite_file__private_and_parameters_never_logged(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO t (label) VALUES (:l)"), {"l": "Jane Patient"})
    for part in (path, path.with_name("new.sqlite3-wal")):
        if part.exists():
            assert stat.S_IMODE(part.stat().st_mode) == 0o600, part
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO t (label) VALUES (:l)"), {"l": "Jane Patient"})
    assert "Jane Patient" not in str(caught.value) and "hidden" in str(caught.value)
    engine.dispose()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_cli__set_password_deactivate_reactivate(sqlite_world: World) -> None:
    url = sqlite_world.app.state.settings.database_url
    runner = CliRunner()
    changed = runner.invoke(cli_app, ["user", "set-password", "--email", "DOC@a.org", "--database", url,
                                      "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert changed.exit_code == 0 and NEW_PASSWORD not in changed.stdout
    generated = runner.invoke(cli_app, ["user", "set-password", "--email", "admin@a.org", "--database", url])
    assert generated.exit_code == 0 and "new password (shown once)" in generated.stdout
    assert runner.invoke(cli_app, ["user", "deactivate", "--email", "doc@a.org", "--database", url]).exit_code == 0
    login = {"email": "doc@a.org", "password": NEW_PASSWORD}
    assert sqlite_world.client.post("/api/v1/auth/token", json=login).status_code == 401
    assert runner.invoke(cli_app, ["user", "reactivate", "--email", "doc@a.org", "--database", url]).exit_code == 0
    assert sqlite_world.client.post("/api/v1/auth/token", json=login).status_code == 201
    missing = runner.invoke(cli_app, ["user", "deactivate", "--email", "who@a.org", "--database", url])
    assert missing.exit_code != 0 and "user not found" in str(missing.exception)


def test_totp__api_enrol_login_with_code_and_admin_removal(sqlite_world: World) -> None:
    world = sqlite_world
    doc = world.token("doc@a.org")
    new = world.client.get("/api/v1/me/totp/new", headers=doc).json()
    assert new["uri"].startswith("otpauth://totp/aatd:doc%40a.org?secret=" + new["secret"])
    totp = pyotp.TOTP(new["secret"])
    wrong = world.client.post("/api/v1/me/totp", json={"secret": new["secret"], "code": "000000"}, headers=doc)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "code"
    assert world.client.post("/api/v1/me/totp", json={"secret": new["secret"], "code": totp.at(time.time() - 30)},
                             headers=doc).status_code == 204
    assert world.client.get("/api/v1/me", headers=doc).json()["two_step"] is True
    login = {"email": "doc@a.org", "password": PASSWORD}
    assert world.client.post("/api/v1/auth/token", json=login).status_code == 401  # password alone
    assert world.client.post("/api/v1/auth/token", json=login | {"code": "123456"}).status_code in (401, 201)
    assert world.client.post("/api/v1/auth/token", json=login | {"code": totp.now()}).status_code == 201
    admin = world.token("admin@a.org")
    doc_id = _user_id(world, admin, "doc@a.org")
    assert world.client.delete(f"/api/v1/users/{doc_id}/totp", headers=admin).status_code == 204
    assert world.client.post("/api/v1/auth/token", json=login).status_code == 201
    failed = [e for e in world.client.get("/api/v1/audit", headers=admin).json() if e["action"] == "login_failed"]
    assert failed and {"enable_totp", "disable_totp"} <= {e["action"] for e in
                                                           world.client.get("/api/v1/audit", headers=admin).json()}


def test_totp__page_enrol_then_login_form_needs_the_code(sqlite_world: World) -> None:
    page = sqlite_world.login("doc@a.org")
    account = page.get("/account").text
    csrf = account.split('name="csrf_token" value="')[1].split('"')[0]
    secret = account.split('name="secret" value="')[1].split('"')[0]
    turned_on = page.post("/account/totp", data={"csrf_token": csrf, "secret": secret,
                                                 "code": pyotp.TOTP(secret).at(time.time() - 30)},
                          follow_redirects=False)
    assert turned_on.status_code == 303 and "Two-step login is on" in page.get("/account").text
    fresh = sqlite_world.client
    form = fresh.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    no_code = fresh.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": form})
    assert no_code.status_code == 401
    form = no_code.text.split('name="csrf_token" value="')[1].split('"')[0]
    with_code = fresh.post("/login", data={"email": "doc@a.org", "password": PASSWORD, "csrf_token": form,
                                           "code": pyotp.TOTP(secret).now()}, follow_redirects=False)
    assert with_code.status_code == 303
    url = sqlite_world.app.state.settings.database_url
    assert CliRunner().invoke(cli_app, ["user", "reset-totp", "--email", "doc@a.org", "--database", url]).exit_code \
        == 0
    assert "Two-step login is off" in page.get("/account").text


def test_adding_an_email_in_use__refused_and_seen_by_both_organisations_admins(world: World) -> None:
    with transaction(world.app.state.sessions) as db:
        accounts.create_user(db, accounts.organisation(db, "Clinic B"), "admin@b.org", PASSWORD, "admin")
    admin_a, admin_b = world.token("admin@a.org"), world.token("admin@b.org")
    other = world.client.post("/api/v1/users", json={"email": "doc@b.org", "password": NEW_PASSWORD}, headers=admin_a)
    own = world.client.post("/api/v1/users", json={"email": "doc@a.org", "password": NEW_PASSWORD}, headers=admin_a)
    assert other.status_code == own.status_code == 409
    seen_a = [e for e in world.client.get("/api/v1/audit", headers=admin_a).json() if e["action"] == "create_refused"]
    seen_b = [e for e in world.client.get("/api/v1/audit", headers=admin_b).json() if e["action"] == "create_refused"]
    assert [e["detail"]["in_this_organisation"] for e in seen_a] == [True, False]  # newest first
    assert seen_a[1]["entity_id"] is None  # the other organisation's user id is not shown to A
    assert len(seen_b) == 1 and seen_b[0]["actor"] == "admin@a.org"
    assert seen_b[0]["detail"]["by_organisation"] == "Clinic A"
    assert _user_id(world, admin_b, "doc@b.org") == seen_b[0]["entity_id"]
    assert world.client.get("/api/v1/audit/verify", headers=admin_a).json()["ok"] is True
    with transaction(world.app.state.sessions) as db:  # nothing else of the refused requests was kept
        assert {u.email for u in db.scalars(select(User))} == {"admin@a.org", "doc@a.org", "doc@b.org", "admin@b.org"}
