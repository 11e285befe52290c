"""The OpenAPI document names the properties of every successful response, so clients can be generated."""

from __future__ import annotations

from typing import Any

from web.conftest import World


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


def _names_properties(schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    schema = _resolve(schema, doc)
    if schema.get("type") == "array":
        return _names_properties(schema["items"], doc)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return all(_names_properties(s, doc) for s in schema[key] if s.get("type") != "null")
    return bool(schema.get("properties"))


def test_openapi__every_success_response_names_its_properties(sqlite_world: World) -> None:
    doc = sqlite_world.client.get("/api/v1/openapi.json").json()
    unnamed = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content", {})
                json_schema = content.get("application/json", {}).get("schema")
                if json_schema is None:
                    if content:  # a file (PDF, SVG, FHIR JSON download) is described by its media type
                        continue
                    unnamed.append(f"{method.upper()} {path} {status}: no schema")
                elif not _names_properties(json_schema, doc):
                    unnamed.append(f"{method.upper()} {path} {status}")
    assert unnamed == []


def test_openapi__clinical_routes_are_documented(sqlite_world: World) -> None:
    paths = sqlite_world.client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/genotype", "/api/v1/inherit", "/api/v1/prevalence", "/api/v1/pedigree",
                 "/api/v1/interpret", "/api/v1/should-test", "/api/v1/risk"):
        assert path in paths
