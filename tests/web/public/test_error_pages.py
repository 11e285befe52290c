"""Errors under /public are the patients' own page in their language (menu, contact block, a plain sentence),
never the clinicians' English error page; the API keeps its JSON error shape."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from aatd.web.budget import ComputeBudget, RateLimiter

from .support import build_app


def test_unknown_public_address__is_a_plain_404_page_in_spanish(client: TestClient) -> None:
    response = client.get("/public/no-such-page?lang=es")
    assert response.status_code == 404
    html = response.text
    assert '<html lang="es">' in html and "No encontramos la página" in html
    assert "No hay ninguna página en esta dirección." in html and 'href="/public"' in html
    assert '<nav aria-label="Principal">' in html
    assert "Please correct this" not in html and "Not Found" not in html
    assert "Alpha-1 nurse line" in html  # the contact block is there


def test_unknown_public_address__asking_for_json_keeps_the_error_shape(client: TestClient) -> None:
    response = client.get("/public/no-such-page", headers={"accept": "application/json"})
    assert response.status_code == 404 and response.json()["ok"] is False


def test_too_many_answers__a_plain_429_page_that_says_to_wait(tmp_path: Path) -> None:
    app = build_app(tmp_path)
    app.state.budget = ComputeBudget(limiter=RateLimiter(per_minute=1, burst=1))
    with TestClient(app) as client:
        codes = [client.post("/public/should-i-be-tested?lang=es", data={"submitted": "1"}).status_code
                 for _ in range(2)]
        response = client.post("/public/should-i-be-tested?lang=es", data={"submitted": "1"})
    assert codes[0] == 200 and response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert '<html lang="es">' in response.text and "Espere un momento" in response.text
    assert "too many requests" not in response.text

