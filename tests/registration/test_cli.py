"""`docspace-oauth registration`: an operator opens a tenant and hands out a token."""

from __future__ import annotations

import json
import random

import httpx

from tests.conftest import LiveServer, run_cli_here
from tests.registration.conftest import web_metadata


def test_the_cli_sets_a_policy_and_issues_a_token_that_registers(live_server: LiveServer) -> None:
    tenant = str(random.randint(10_000, 2_000_000_000))
    policy = run_cli_here(
        live_server.env, "--format", "json", "registration", "policy", "token", "--tenant", tenant
    )
    assert policy.returncode == 0, policy.stderr
    assert json.loads(policy.stdout)["mode"] == "token"

    issued = run_cli_here(
        live_server.env, "registration", "token", "--tenant", tenant, "--uses", "2"
    )
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]

    url = f"{live_server.url}/oauth2/tenants/{tenant}/register"
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        assert httpx.post(url, json=web_metadata(), headers=headers).status_code == 201
    spent = httpx.post(url, json=web_metadata(), headers=headers)
    assert spent.status_code == 401

    refused = run_cli_here(live_server.env, "registration", "policy", "sometimes")
    assert refused.returncode != 0
