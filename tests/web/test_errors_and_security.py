"""One error shape for every status; security headers; login throttling; settings safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from aatd.errors import InputError
from aatd.web.settings import load_settings
from web.conftest import World


def _shape(body: dict[str, object], status: int) -> None:
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/api/v1/patients", 401),
    ("GET", "/api/v1/nothing-here", 404),
    ("PUT", "/api/v1/genotype", 405),
    ("GET", "/api/v1/genotype?genotype=QQ", 422),
    ("GET", "/api/v1/genotype", 422),
    ("GET", "/api/v1/prevalence?s=nan&z=0.1", 422),
    ("GET", "/api/v1/prevalence", 422),
    ("GET", "/api/v1/prevalence?ancestry=Atlantean", 422),
    ("GET", "/api/v1/inherit?parent1=MZ&parent2=", 422),
])
def test_error_shape__same_everywhere(sqlite_world: World, method: str, url: str, status: int) -> None:
    response = sqlite_world.client.request(method, url)
    assert response.status_code == status
    _shape(response.json(), status)


def test_error_shape__403_and_validation_fields(sqlite_world: World) -> None:
    doc = sqlite_world.token("doc@a.org")
    _shape(sqlite_world.client.get("/api/v1/audit", headers=doc).json(), 403)
    bad = sqlite_world.client.post("/api/v1/patients", json={"label": "", "sex": "other", "extra": 1}, headers=doc)
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"label", "sex", "extra"} <= fields


def test_bearer__invalid_token_is_401(sqlite_world: World) -> None:
    response = sqlite_world.client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    _shape(response.json(), 401)


def test_bearer__revoked_token_stops_working(sqlite_world: World) -> None:
    headers = sqlite_world.token("doc@a.org")
    assert sqlite_world.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert sqlite_world.client.get("/api/v1/me", headers=headers).status_code == 401


def test_login_throttle__429_after_repeated_failures(sqlite_world: World) -> None:
    for _ in range(5):
        wrong = sqlite_world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": "wrong"})
        assert wrong.status_code == 401
    blocked = sqlite_world.client.post("/api/v1/auth/token", json={"email": "doc@a.org", "password": "wrong"})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    _shape(blocked.json(), 429)


def test_security_headers__on_pages_and_api(sqlite_world: World) -> None:
    for url in ("/login", "/api/v1/health"):
        headers = sqlite_world.client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_templates__no_inline_scripts_or_styles() -> None:
    root = Path(__file__).parents[2] / "src" / "aatd" / "web" / "clinician" / "templates"
    for template in root.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and "style=" not in text and "<style" not in text, template.name
        assert " on" + "click=" not in text, template.name


def test_load_settings__secret_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"AATD_DATA_DIR": str(tmp_path)})
    second = load_settings({"AATD_DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'aatd.sqlite3'}"


@pytest.mark.parametrize(("environ", "field"), [
    ({"AATD_ENV": "production"}, "AATD_SECRET_KEY"),
    ({"AATD_ENV": "production", "AATD_SECRET_KEY": "short"}, "AATD_SECRET_KEY"),
    ({"AATD_ENV": "production", "AATD_SECRET_KEY": "k" * 40, "AATD_COOKIE_SECURE": "0"}, "AATD_COOKIE_SECURE"),
    ({"AATD_DATABASE_URL": "mysql://x/y"}, "AATD_DATABASE_URL"),
    ({"AATD_ENV": "staging"}, "AATD_ENV"),
])
def test_load_settings__unsafe_settings_refused(tmp_path: Path, environ: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as info:
        load_settings({"AATD_DATA_DIR": str(tmp_path), **environ})
    assert info.value.field == field


def test_load_settings__postgres_url_uses_psycopg3(tmp_path: Path) -> None:
    settings = load_settings({"AATD_DATA_DIR": str(tmp_path), "AATD_DATABASE_URL": "postgresql://u@127.0.0.1/db"})
    assert settings.database_url == "postgresql+psycopg://u@127.0.0.1/db"


def test_body_limit__oversized_request_is_413(sqlite_world: World) -> None:
    response = sqlite_world.client.post("/api/v1/families/import", content=b"x" * 4_000_001,
                                        headers={"content-type": "application/json"})
    assert response.status_code == 413
    _shape(response.json(), 413)


def test_login__forged_unsigned_form_token_refused(sqlite_world: World) -> None:
    client = sqlite_world.client
    client.cookies.set("aatd_login_csrf", "forged", path="/login")
    response = client.post("/login", data={"email": "doc@a.org", "password": "x" * 12, "csrf_token": "forged"})
    assert response.status_code == 403
