"""The OpenAPI document describes every route, truthfully enough to validate and fuzz."""

from __future__ import annotations

import httpx
from openapi_spec_validator import validate

EXPECTED = {
    ("post", "/api/2.0/clients"),
    ("get", "/api/2.0/clients"),
    ("delete", "/api/2.0/clients"),
    ("delete", "/api/2.0/clients/tenant"),
    ("get", "/api/2.0/clients/info"),
    ("get", "/api/2.0/clients/consents"),
    ("get", "/api/2.0/clients/{client_id}"),
    ("put", "/api/2.0/clients/{client_id}"),
    ("delete", "/api/2.0/clients/{client_id}"),
    ("patch", "/api/2.0/clients/{client_id}/activation"),
    ("patch", "/api/2.0/clients/{client_id}/regenerate"),
    ("delete", "/api/2.0/clients/{client_id}/revoke"),
    ("get", "/api/2.0/clients/{client_id}/info"),
    ("get", "/api/2.0/clients/{client_id}/public/info"),
    ("get", "/api/2.0/scopes"),
}


def test_openapi_lists_every_route_under_both_prefixes(live_server):
    spec = httpx.get(f"{live_server.url}/openapi.json").json()
    validate(spec)
    operations = {(m, p) for p, item in spec["paths"].items() for m in item}
    assert EXPECTED <= operations
    aliases = {
        (m, p.replace("/api/2.0/clients", "/api/2.0/oauth2/clients"))
        for m, p in EXPECTED
        if p.startswith("/api/2.0/clients")
    }
    assert aliases <= operations
    create = spec["paths"]["/api/2.0/clients"]["post"]
    assert "201" in create["responses"]
    assert "application/problem+json" in create["responses"]["400"]["content"]
    schemas = spec["components"]["schemas"]
    assert {"ClientResponse", "ClientInfoResponse", "CreateClientRequest", "Problem"} <= set(
        schemas
    )
    name = schemas["CreateClientRequest"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (3, 256)
