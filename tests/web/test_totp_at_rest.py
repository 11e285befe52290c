"""Two-step login secrets at rest: encrypted with the settings' keys, migrated from plain text on
SQLite and PostgreSQL, keys rotated, and a wrong key answered clearly (503 naming the setting)."""

from __future__ import annotations

import base64
import stat
import time
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.errors import InputError
from aatd.web.app import create_app
from aatd.web.db import downgrade, make_engine, migrate
from aatd.web.security import TotpKeyError, TotpVault, hash_password, new_totp_key
from aatd.web.settings import load_settings
from web.conftest import PASSWORD, World, make_settings, seed_users

LOGIN = {"email": "doc@a.org", "password": PASSWORD}


def _enrol(world: World) -> str:
    """Turn on two-step login for doc@a.org through the API; the base32 secret."""
    doc = world.token("doc@a.org")
    secret = str(world.client.get("/api/v1/me/totp/new", headers=doc).json()["secret"])
    earlier = pyotp.TOTP(secret).at(time.time() - 30)  # the previous step's code, so the login's own code is new
    done = world.client.post("/api/v1/me/totp", json={"secret": secret, "code": earlier},
                             headers=doc)
    assert done.status_code == 204, done.text
    return secret


def _stored(engine_owner: World | object, email: str = "doc@a.org") -> str | None:
    engine = engine_owner.app.state.engine if isinstance(engine_owner, World) else engine_owner
    with engine.connect() as conn:  # type: ignore[attr-defined]
        value = conn.execute(text("SELECT totp_secret_encrypted FROM users WHERE email = :e"), {"e": email}).scalar()
    return None if value is None else str(value)


def test_enrol__raw_column_holds_ciphertext_and_login_needs_the_code(world: World) -> None:
    secret = _enrol(world)
    stored = _stored(world)
    assert stored is not None and secret not in stored and secret.lower() not in stored.lower()
    assert base64.b32encode(base64.b32decode(secret)).decode() not in stored
    assert "totp_secret" not in {c["name"] for c in inspect(world.app.state.engine).get_columns("users")}
    key = world.app.state.settings.totp_key_ring[0]
    assert Fernet(key.encode()).decrypt(stored.encode()).decode() == secret  # the key of the settings opens it
    assert world.client.post("/api/v1/auth/token", json=LOGIN).status_code == 401
    assert world.client.post("/api/v1/auth/token", json=LOGIN | {"code": "000000"}).status_code in (401, 201)
    code = pyotp.TOTP(secret).now()
    assert world.client.post("/api/v1/auth/token", json=LOGIN | {"code": code}).status_code == 201
    # the same code again (seen over a shoulder, replayed from a log) does not open a second session
    assert world.client.post("/api/v1/auth/token", json=LOGIN | {"code": code}).status_code == 401
    earlier = pyotp.TOTP(secret).at(time.time() - 30)
    assert world.client.post("/api/v1/auth/token", json=LOGIN | {"code": earlier}).status_code == 401


def test_vault__same_secret_encrypts_differently_and_tampering_is_a_key_error() -> None:
    vault = TotpVault((new_totp_key(),))
    first, second = vault.seal("JBSWY3DPEHPK3PXP"), vault.seal("JBSWY3DPEHPK3PXP")
    assert first != second and vault.open(first) == vault.open(second) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(TotpKeyError, match="AATD_TOTP_KEYS"):
        vault.open(first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB"))
    with pytest.raises(TotpKeyError):
        TotpVault((new_totp_key(),)).open(first)


def test_wrong_key__login_with_a_code_is_503_naming_the_setting_not_500(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aatd.sqlite3'}"
    app = create_app(make_settings(tmp_path, url, totp_keys=(new_totp_key(),)))
    seed_users(app)
    with TestClient(app) as client:
        secret = _enrol(World(app, client))
    app.state.engine.dispose()
    wrong = create_app(make_settings(tmp_path, url, totp_keys=(new_totp_key(),)))
    with TestClient(wrong, raise_server_exceptions=False) as client:
        api = client.post("/api/v1/auth/token", json=LOGIN | {"code": pyotp.TOTP(secret).now()})
        assert api.status_code == 503 and api.json()["ok"] is False and "AATD_TOTP_KEYS" in api.json()["error"]
        assert secret not in api.text
        form = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        page = client.post("/login", data=LOGIN | {"csrf_token": form, "code": pyotp.TOTP(secret).now()})
        assert page.status_code == 503 and "AATD_TOTP_KEYS" in page.text
        # users without two-step login are not affected
        assert client.post("/api/v1/auth/token", json={"email": "admin@a.org", "password": PASSWORD}).status_code \
            == 201
    wrong.state.engine.dispose()


def test_rotation__new_key_first_then_cli_reencrypts_and_the_old_key_can_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = new_totp_key(), new_totp_key()
    url = f"sqlite:///{tmp_path / 'aatd.sqlite3'}"
    app = create_app(make_settings(tmp_path, url, totp_keys=(old,)))
    seed_users(app)
    with TestClient(app) as client:
        secret = _enrol(World(app, client))
    before = _stored(app.state.engine)
    app.state.engine.dispose()
    monkeypatch.setenv("AATD_DATA_DIR", str(tmp_path / "cli"))
    monkeypatch.setenv("AATD_TOTP_KEYS", new)  # the old key forgotten: nothing changes, the user is named
    refused = CliRunner().invoke(cli_app, ["user", "rotate-totp-keys", "--database", url])
    assert refused.exit_code != 0 and isinstance(refused.exception, TotpKeyError)
    assert "doc@a.org" in str(refused.exception)
    engine = make_engine(url)
    assert _stored(engine) == before
    monkeypatch.setenv("AATD_TOTP_KEYS", f"{new},{old}")
    done = CliRunner().invoke(cli_app, ["user", "rotate-totp-keys", "--database", url])
    assert done.exit_code == 0 and "1 two-step login secrets" in done.stdout
    after = _stored(engine)
    assert after is not None and after != before
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == secret
    engine.dispose()
    only_new = create_app(make_settings(tmp_path, url, totp_keys=(new,)))
    with TestClient(only_new) as client:
        assert client.post("/api/v1/auth/token", json=LOGIN | {"code": pyotp.TOTP(secret).now()}).status_code == 201
    only_new.state.engine.dispose()


def test_cli__new_totp_key_is_a_fernet_key_accepted_in_production(tmp_path: Path) -> None:
    made = CliRunner().invoke(cli_app, ["user", "new-totp-key"])
    key = made.stdout.strip()
    assert made.exit_code == 0 and len(base64.urlsafe_b64decode(key)) == 32
    settings = load_settings({"AATD_ENV": "production", "AATD_SECRET_KEY": "Zq8" + new_totp_key()[:40],
                              "AATD_DATA_DIR": str(tmp_path), "AATD_TOTP_KEYS": f"{key}, {new_totp_key()}"})
    assert settings.totp_keys[0] == key and len(settings.totp_keys) == 2


@pytest.mark.parametrize(("keys", "why"), [
    (None, "explicit keys in production"),
    ("not-a-key", "Fernet keys"),
    (base64.urlsafe_b64encode(bytes(32)).decode(), "in production"),  # a valid key of 32 zero bytes
    (base64.urlsafe_b64encode(b"ab" * 16).decode(), "in production"),
])
def test_production__missing_malformed_or_weak_totp_keys_refused(keys: str | None, why: str, tmp_path: Path) -> None:
    environ = {"AATD_ENV": "production", "AATD_SECRET_KEY": "Zq8" + new_totp_key()[:40],
               "AATD_DATA_DIR": str(tmp_path)}
    with pytest.raises(InputError, match=f"AATD_TOTP_KEYS.*{why}"):
        load_settings(environ | ({"AATD_TOTP_KEYS": keys} if keys is not None else {}))


def test_local__key_file_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    first = load_settings({"AATD_DATA_DIR": str(tmp_path)})
    path = tmp_path / "totp_keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings({"AATD_DATA_DIR": str(tmp_path)}).totp_keys == first.totp_keys
    assert len(first.totp_keys) == 1 and len(base64.urlsafe_b64decode(first.totp_keys[0])) == 32
    with pytest.raises(InputError, match="AATD_TOTP_KEYS"):
        load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_TOTP_KEYS": "short"})


PLAIN = ("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA")


def _users_at_0006(url: str) -> None:
    """Two users with plain-text secrets, and one without, written as aatd 0006 stored them."""
    engine = make_engine(url)
    migrate(engine, revision="0006")
    digest = hash_password(PASSWORD)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (name, name_key, created_at) "
                          "VALUES ('Clinic A', 'clinic a', CURRENT_TIMESTAMP)"))
        for email, secret in (("doc@a.org", PLAIN[0]), ("nurse@a.org", PLAIN[1]), ("admin@a.org", None)):
            conn.execute(text("INSERT INTO users (organisation_id, email, password_hash, role, active, totp_secret, "
                              "created_at) SELECT id, :email, :digest, 'clinician', :on, :secret, CURRENT_TIMESTAMP "
                              "FROM organisations"), {"email": email, "digest": digest, "secret": secret, "on": True})
    engine.dispose()


def test_migration_0007__encrypts_plain_secrets_and_downgrade_decrypts(database_url: str, tmp_path: Path) -> None:
    _users_at_0006(database_url)
    engine = make_engine(database_url)
    with pytest.raises(InputError, match=r"AATD_TOTP_KEYS.*2 stored two-step login secrets"):
        migrate(engine)  # no key: refused, and nothing changed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0006"
    key = new_totp_key()
    migrate(engine, (key,))
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT email, totp_secret_encrypted FROM users")).all())
    assert rows["admin@a.org"] is None
    for email, plain in (("doc@a.org", PLAIN[0]), ("nurse@a.org", PLAIN[1])):
        assert plain not in rows[email] and Fernet(key.encode()).decrypt(rows[email].encode()).decode() == plain
    assert "totp_secret" not in {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
    app = create_app(make_settings(tmp_path, database_url, totp_keys=(key,)))
    with TestClient(app) as client:  # end to end after the migration
        assert client.post("/api/v1/auth/token", json=LOGIN).status_code == 401
        assert client.post("/api/v1/auth/token", json=LOGIN | {"code": pyotp.TOTP(PLAIN[0]).now()}).status_code \
            == 201
    app.state.engine.dispose()
    engine = make_engine(database_url)
    downgrade(engine, "0006", (key,))
    with engine.connect() as conn:
        restored = dict(conn.execute(text("SELECT email, totp_secret FROM users")).all())
    assert restored == {"doc@a.org": PLAIN[0], "nurse@a.org": PLAIN[1], "admin@a.org": None}
    engine.dispose()
