"""The login throttle: by account and address, behind trusted proxies, bounded, unlockable by an admin."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from aatd.cli import app as cli_app
from aatd.web.app import create_app
from aatd.web.db import transaction
from aatd.web.security import client_address, parse_trusted_proxies, throttle_address
from aatd.web.workspace.throttle import LoginThrottle, ThrottlePolicy
from web.conftest import PASSWORD, World, make_settings, seed_users

PROXY = "127.0.0.1"


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[World]:
    """An app behind a trusted proxy at 127.0.0.1, with small limits: 3 per pair, 5 per address, 6 per account."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'aatd.sqlite3'}", trusted_proxies=(PROXY,),
                             login_attempts=3, login_address_attempts=5, login_account_attempts=6)
    app = create_app(settings)
    seed_users(app)
    with TestClient(app, client=(PROXY, 40000)) as client:
        yield World(app, client)
    app.state.engine.dispose()


def _token(world: World, email: str, password: str, address: str) -> int:
    response = world.client.post("/api/v1/auth/token", json={"email": email, "password": password},
                                 headers={"X-Forwarded-For": f"{address}, {PROXY}"})
    return response.status_code


def test_client_address__forwarded_only_by_trusted_proxies() -> None:
    proxies = parse_trusted_proxies("10.0.0.0/8, 127.0.0.1")
    assert client_address("203.0.113.5", "6.6.6.6", proxies) == "203.0.113.5"  # not a proxy: header ignored
    assert client_address("10.0.0.2", "198.51.100.7", proxies) == "198.51.100.7"
    # the client may prepend anything; the nearest untrusted hop, read from the right, counts
    assert client_address("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", proxies) == "198.51.100.7"
    assert client_address("10.0.0.2", "not-an-ip, 10.0.0.9", proxies) == "10.0.0.9"
    assert client_address("10.0.0.2", None, proxies) == "10.0.0.2"
    assert client_address("10.0.0.2", "198.51.100.7", ()) == "10.0.0.2"  # no proxies configured


def test_throttle_address__ipv6_counted_by_its_64_block() -> None:
    assert throttle_address("2001:db8:1:2:aaaa::1") == throttle_address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert throttle_address("198.51.100.7") == "198.51.100.7"
    assert throttle_address("testclient") == "testclient"


def test_trusted_proxies__bad_entry_named() -> None:
    with pytest.raises(ValueError, match=r"AATD_TRUSTED_PROXIES: got 'example\.org'"):
        parse_trusted_proxies("10.0.0.0/8,example.org")


_PROXIES = parse_trusted_proxies("10.0.0.0/8")


@given(st.ip_addresses(v=4).filter(lambda a: a not in _PROXIES[0]), st.lists(st.ip_addresses(v=4), max_size=5))
def test_client_address__untrusted_peer_can_never_choose_its_address(peer: ipaddress.IPv4Address,
                                                                     hops: list[ipaddress.IPv4Address]) -> None:
    assert client_address(str(peer), ", ".join(str(h) for h in hops), _PROXIES) == str(peer)


def test_throttle__attacker_locks_only_themselves_out(proxied: World) -> None:
    for _ in range(3):
        assert _token(proxied, "doc@a.org", "wrong password", "198.51.100.66") == 401
    assert _token(proxied, "doc@a.org", "wrong password", "198.51.100.66") == 429
    assert _token(proxied, "doc@a.org", PASSWORD, "198.51.100.66") == 429
    # the real user, from their own address behind the same proxy, is not affected
    assert _token(proxied, "doc@a.org", PASSWORD, "203.0.113.10") == 201


def test_throttle__account_ceiling_spares_the_users_familiar_address(proxied: World) -> None:
    assert _token(proxied, "doc@a.org", PASSWORD, "203.0.113.10") == 201  # the user's usual address
    for i in range(6):  # a distributed attack: 6 addresses, one guess each
        assert _token(proxied, "doc@a.org", "wrong password", f"198.51.100.{i + 1}") == 401
    assert _token(proxied, "doc@a.org", PASSWORD, "192.0.2.200") == 429  # an unfamiliar address backs off
    assert _token(proxied, "doc@a.org", PASSWORD, "203.0.113.10") == 201


def test_throttle__password_spraying_from_one_address(proxied: World) -> None:
    for i in range(5):
        assert _token(proxied, f"user{i}@a.org", "Winter2026!", "198.51.100.99") == 401
    assert _token(proxied, "admin@a.org", "Winter2026!", "198.51.100.99") == 429
    assert _token(proxied, "admin@a.org", PASSWORD, "203.0.113.11") == 201


def test_throttle__admin_unlock_by_api_page_and_cli(proxied: World) -> None:
    def lock() -> None:
        for _ in range(3):
            _token(proxied, "doc@a.org", "wrong password", "198.51.100.5")
        assert _token(proxied, "doc@a.org", PASSWORD, "198.51.100.5") == 429

    admin = proxied.token("admin@a.org")
    doc_id = next(u["id"] for u in proxied.client.get("/api/v1/users", headers=admin).json()
                  if u["email"] == "doc@a.org")
    lock()
    assert proxied.client.post(f"/api/v1/users/{doc_id}/unlock", headers=admin).status_code == 204
    assert _token(proxied, "doc@a.org", PASSWORD, "198.51.100.5") == 201
    lock()
    page = proxied.login("admin@a.org")
    csrf = page.get("/admin/users").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert page.post(f"/admin/users/{doc_id}/unlock", data={"csrf_token": csrf},
                     follow_redirects=False).status_code == 303
    assert _token(proxied, "doc@a.org", PASSWORD, "198.51.100.5") == 201
    lock()
    url = proxied.app.state.settings.database_url
    done = CliRunner().invoke(cli_app, ["user", "unlock", "--email", "doc@a.org", "--database", url])
    assert done.exit_code == 0 and "3 failed attempts cleared" in done.stdout
    assert _token(proxied, "doc@a.org", PASSWORD, "198.51.100.5") == 201
    other = proxied.token("doc@b.org")
    assert proxied.client.post(f"/api/v1/users/{doc_id}/unlock", headers=other).status_code == 403
    b_admin_view = proxied.client.post("/api/v1/users/999999/unlock", headers=admin)
    assert b_admin_view.status_code == 404


def test_throttle__memory_bounded_old_failures_pruned(sqlite_world: World) -> None:
    policy = ThrottlePolicy(window_s=0.5)
    with transaction(sqlite_world.app.state.sessions) as db:
        gate = LoginThrottle(db, policy)
        for i in range(300):
            gate.failed(f"someone{i}@example.org", "198.51.100.1")
    time.sleep(0.6)
    with transaction(sqlite_world.app.state.sessions) as db:
        LoginThrottle(db, policy).failed("last@example.org", "198.51.100.1")
        assert db.execute(text("SELECT COUNT(*) FROM login_attempts")).scalar() == 1
