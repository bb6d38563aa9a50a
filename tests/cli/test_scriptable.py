"""The CLI as scripts use it (issue 14): formats, ids only, files, global options anywhere,
every field of the API, and output a pipe can read whole. Against the live server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import Cli
from tests.cli.test_clients_live import LINKS, create, create_args, unique_name


def test_show_json_is_the_api_object_field_for_field(cli: Cli, live_server: Any) -> None:
    created = create(cli, None, "--allow-pkce", "--grant-type", "authorization_code")
    client_id = created["client_id"]
    for command in ("show", "get"):
        result = cli("clients", command, client_id, "--format", "json")
        assert result.exit_code == 0, result.output
        with live_server.client(live_server.owner_key) as http:
            api = http.get(f"/api/2.0/clients/{client_id}").json()
        assert json.loads(result.stdout) == api
    assert {"allow_pkce", "grant_types", "logout_redirect_uris"} <= set(api)


def test_yaml_is_the_same_object(cli: Cli) -> None:
    created = create(cli)
    as_json = json.loads(cli("clients", "show", created["client_id"], "--json").stdout)
    result = cli("clients", "show", created["client_id"], "-o", "yaml")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout) == as_json


def test_global_options_anywhere_on_the_line(cli: Cli, live_server: Any) -> None:
    created = create(cli)
    no_env = cli.as_key("")
    key = live_server.owner_key
    lines = [
        ["--api-key", key, "--format", "json", "clients", "show", created["client_id"]],
        ["clients", "--api-key", key, "show", "--format=json", created["client_id"]],
        ["clients", "show", created["client_id"], "--json", f"--api-key={key}"],
    ]
    for line in lines:
        result = no_env(*line)
        assert result.exit_code == 0, (line, result.output)
        assert json.loads(result.stdout)["client_id"] == created["client_id"]


def test_quiet_prints_ids_only(new_user_cli: Any) -> None:
    user = new_user_cli()
    made = user(*create_args(unique_name()), "-q")
    assert made.exit_code == 0, made.output
    client_id = made.stdout.strip()
    assert "secret" in made.stderr  # the one chance to see it was declined, and it says so
    second = create(user)["client_id"]
    listed = user("-q", "clients", "list")
    assert listed.stdout.split() == [second, client_id]


def test_a_pipe_gets_tab_separated_rows_without_truncation(new_user_cli: Any) -> None:
    user = new_user_cli()
    name = "A rather long client name that a narrow table would cut " + unique_name()
    created = create(user, name, "--scope", "rooms:write", "--scope", "accounts.self:read")
    result = user("clients", "list", columns=40)
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split("\t") == ["Client ID", "Name", "Enabled", "Public", "Scopes", "Created"]
    cells = row.split("\t")
    assert cells[:4] == [created["client_id"], name, "yes", "no"]
    assert cells[4] == "files:read openid rooms:write accounts.self:read"
    assert "…" not in result.stdout


def test_empty_list_says_so(new_user_cli: Any) -> None:
    result = new_user_cli()("clients", "list")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No clients." in result.stderr


def test_create_and_update_reach_every_field(cli: Cli) -> None:
    created = create(cli, None, "--grant-type", "authorization_code")
    assert created["grant_types"] == ["authorization_code"]
    result = cli(
        "clients", "update", created["client_id"],
        "--website-url", "https://new.example.com",
        "--terms-url", "https://new.example.com/terms",
        "--policy-url", "https://new.example.com/policy",
        "--logout-redirect-uri", "https://new.example.com/bye",
        "--grant-type", "authorization_code", "--grant-type", "refresh_token",
        "--allow-pkce", "--public", "--description", "every field",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = json.loads(cli("clients", "show", created["client_id"], "--json").stdout)
    assert after["website_url"] == "https://new.example.com"
    assert after["terms_url"] == "https://new.example.com/terms"
    assert after["policy_url"] == "https://new.example.com/policy"
    assert after["logout_redirect_uris"] == ["https://new.example.com/bye"]
    assert after["grant_types"] == ["authorization_code", "refresh_token"]
    assert after["allow_pkce"] is True and after["is_public"] is True
    assert after["description"] == "every field"
    assert after["name"] == created["name"]


def test_file_creates_and_updates_options_winning(cli: Cli, tmp_path: Path) -> None:
    source = create(cli, None, "--description", "from options")
    shown = cli("clients", "show", source["client_id"], "--json")
    spec = tmp_path / "client.json"
    spec.write_text(shown.stdout)  # what show prints is a valid file, read-only fields and all

    copy = cli("clients", "create", "--file", str(spec), "--name", "Copied by file", "--json")
    assert copy.exit_code == 0, copy.output
    copied = json.loads(copy.stdout)
    assert copied["client_id"] != source["client_id"]
    assert copied["name"] == "Copied by file"
    for field in ("description", "scopes", "redirect_uris", "logout_redirect_uris", "logo"):
        assert copied[field] == source[field], field

    spec.write_text(json.dumps({"description": "from the file", "scopes": ["openid"]}))
    updated = cli("clients", "update", copied["client_id"], "-f", str(spec), "--json")
    assert updated.exit_code == 0, updated.output
    after = json.loads(updated.stdout)
    assert (after["description"], after["scopes"]) == ("from the file", ["openid"])
    assert after["name"] == "Copied by file"

    spec.write_text(json.dumps({"name": "x" * 10, "colour": "blue"}))
    bad = cli("clients", "update", copied["client_id"], "--file", str(spec))
    assert bad.exit_code == 2
    assert "colour" in bad.stderr


def test_create_from_stdin_needs_the_required_links(cli: Cli) -> None:
    body = {
        "name": unique_name(),
        "scopes": ["openid"],
        "redirect_uris": ["https://stdin.example.com/cb"],
        "allowed_origins": ["https://stdin.example.com"],
    }
    result = cli("clients", "create", "--file", "-", input=json.dumps(body))
    assert result.exit_code == 2
    assert "Missing option '--website-url'" in result.stderr
    links = dict(zip(LINKS[::2], LINKS[1::2], strict=True))
    body |= {flag[2:].replace("-", "_"): url for flag, url in links.items()}
    made = cli("clients", "create", "--file", "-", "--json", input=json.dumps(body))
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["terms_url"] == links["--terms-url"]


def test_missing_key_names_the_option_and_the_variable(cli: Cli) -> None:
    result = cli.as_key("")("clients", "list")
    assert result.exit_code == 4
    assert "--api-key" in result.stderr and "DOCSPACE_OAUTH_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_version(cli: Cli) -> None:
    import docspace_oauth

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"docspace-oauth {docspace_oauth.__version__}"
