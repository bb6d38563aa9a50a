"""The remote commands against a live server, checked as a script or a person would."""

from __future__ import annotations

import base64
import json
import secrets
import struct
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

Invoke = Callable[..., Result]


def tiny_png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def unique_name() -> str:
    return f"CLI app {secrets.token_hex(4)}"


# The links DocSpace requires of every client.
LINKS = (
    "--website-url",
    "https://cli.example.com",
    "--terms-url",
    "https://cli.example.com/terms",
    "--policy-url",
    "https://cli.example.com/privacy",
    "--logout-redirect-uri",
    "https://cli.example.com/bye",
)


def create_args(name: str, *extra: str, links: tuple[str, ...] = LINKS) -> list[str]:
    return [
        "clients",
        "create",
        "--name",
        name,
        *links,
        "--redirect-uri",
        "https://cli.example.com/callback",
        "--allowed-origin",
        "https://cli.example.com",
        "--scope",
        "files:read",
        "--scope",
        "openid",
        *extra,
    ]


def create(cli: Invoke, name: str | None = None, *extra: str) -> dict[str, Any]:
    result = cli(*create_args(name or unique_name(), *extra), "--json")
    assert result.exit_code == 0, result.output
    created: dict[str, Any] = json.loads(result.stdout)
    return created


def show(cli: Invoke, client_id: str) -> dict[str, Any]:
    result = cli("clients", "show", client_id, "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, Any] = json.loads(result.stdout)
    return shown


def test_create_json_prints_the_secret_once_and_warns_on_stderr(
    cli: Invoke, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    name = unique_name()
    result = cli(
        *create_args(name, links=()),
        "--description",
        "made by the CLI tests",
        "--website-url",
        "https://cli.example.com",
        "--terms-url",
        "https://cli.example.com/terms",
        "--policy-url",
        "https://cli.example.com/privacy",
        "--logout-redirect-uri",
        "https://cli.example.com/bye",
        "--logo-file",
        str(logo),
        "--allow-pkce",
        "--no-public",
        "--json",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)  # stdout is nothing but the JSON
    assert created["name"] == name
    assert len(created["client_secret"]) >= 36
    assert created["scopes"] == ["files:read", "openid"]
    assert created["redirect_uris"] == ["https://cli.example.com/callback"]
    assert created["terms_url"] == "https://cli.example.com/terms"
    assert "none" in created["authentication_methods"]
    assert created["is_public"] is False
    assert created["logo"] == "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert "will not be shown again" in result.stderr

    assert show(cli, created["client_id"])["client_secret"] is None


def test_create_without_a_logo_file_gets_a_letter_logo(cli: Invoke) -> None:
    # DocSpace requires a logo; without --logo-file the CLI makes one of the name's letter.
    created = create(cli, "zebra app " + secrets.token_hex(3))
    prefix = "data:image/svg+xml;base64,"
    assert created["logo"].startswith(prefix)
    svg = base64.b64decode(created["logo"][len(prefix) :]).decode()
    assert svg.startswith("<svg") and ">Z</text>" in svg
    assert show(cli, created["client_id"])["logo"] == created["logo"]


def test_create_without_the_required_links_is_a_usage_error(cli: Invoke) -> None:
    for left_out in range(0, len(LINKS), 2):
        links = LINKS[:left_out] + LINKS[left_out + 2 :]
        result = cli(*create_args(unique_name(), links=links), "--json")
        assert result.exit_code == 2, (LINKS[left_out], result.output)
        assert result.stdout == ""
        assert f"Missing option '{LINKS[left_out]}'" in result.stderr


def test_create_table_shows_name_and_secret(cli: Invoke) -> None:
    name = unique_name()
    result = cli(*create_args(name))
    assert result.exit_code == 0, result.output
    assert name in result.stdout
    assert "Client secret:" in result.stdout
    assert "will not be shown again" in result.stderr


def test_list_follows_every_page(new_user_cli: Callable[..., Invoke]) -> None:
    user = new_user_cli()
    names = [unique_name() for _ in range(3)]
    ids = [create(user, name)["client_id"] for name in names]

    result = user("clients", "list", "--limit", "2", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [c["client_id"] for c in listed] == list(reversed(ids))

    table = user("clients", "list", "--limit", "2")
    assert table.exit_code == 0, table.output
    for name, client_id in zip(names, ids, strict=True):
        assert name in table.stdout
        assert client_id in table.stdout


def test_show_table(cli: Invoke) -> None:
    created = create(cli)
    result = cli("clients", "show", created["client_id"])
    assert result.exit_code == 0, result.output
    assert created["name"] in result.stdout
    assert "https://cli.example.com/callback" in result.stdout
    assert created["client_secret"] not in result.stdout


def test_update_changes_only_the_given_fields(cli: Invoke) -> None:
    created = create(cli, None, "--description", "before")

    result = cli("clients", "update", created["client_id"], "--name", "Renamed by CLI", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Renamed by CLI"

    after = show(cli, created["client_id"])
    assert after["name"] == "Renamed by CLI"
    assert after["description"] == "before"
    assert after["scopes"] == created["scopes"]
    assert after["redirect_uris"] == created["redirect_uris"]
    assert after["allowed_origins"] == created["allowed_origins"]

    result = cli(
        "clients", "update", created["client_id"], "--scope", "rooms:read", "--scope", "openid"
    )
    assert result.exit_code == 0, result.output
    assert "Renamed by CLI" in result.stdout
    assert show(cli, created["client_id"])["scopes"] == ["rooms:read", "openid"]


def test_update_without_fields_is_a_usage_error(cli: Invoke) -> None:
    result = cli("clients", "update", str(uuid.uuid4()))
    assert result.exit_code == 2
    assert result.stdout == ""


def test_disable_and_enable(cli: Invoke) -> None:
    client_id = create(cli)["client_id"]

    result = cli("clients", "disable", client_id, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"client_id": client_id, "enabled": False}
    assert show(cli, client_id)["enabled"] is False

    result = cli("clients", "enable", client_id)
    assert result.exit_code == 0, result.output
    assert show(cli, client_id)["enabled"] is True


def test_regenerate_secret(cli: Invoke) -> None:
    created = create(cli)
    result = cli(
        "clients", "regenerate-secret", created["client_id"], "--grace-period", "60", "--json"
    )
    assert result.exit_code == 0, result.output
    secret = json.loads(result.stdout)["client_secret"]
    assert len(secret) >= 36
    assert secret != created["client_secret"]
    assert "will not be shown again" in result.stderr

    bad = cli("clients", "regenerate-secret", created["client_id"], "--grace-period", "604801")
    assert bad.exit_code == 2


def test_delete_asks_unless_yes_and_then_show_is_exit_3(cli: Invoke) -> None:
    client_id = create(cli)["client_id"]

    declined = cli("clients", "delete", client_id, input="n\n")
    assert declined.exit_code == 1
    assert show(cli, client_id)["client_id"] == client_id

    confirmed = cli("clients", "delete", client_id, input="y\n")
    assert confirmed.exit_code == 0, confirmed.output

    gone = cli("clients", "show", client_id, "--json")
    assert gone.exit_code == 3
    assert gone.stdout == ""
    assert "404" in gone.stderr

    again = cli("clients", "delete", client_id, "--yes", "--json")
    assert again.exit_code == 3


def test_delete_yes_json(cli: Invoke) -> None:
    client_id = create(cli)["client_id"]
    result = cli("clients", "delete", client_id, "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"client_id": client_id, "deleted": True}


def test_revoke_consent(cli: Invoke) -> None:
    client_id = create(cli)["client_id"]
    result = cli("clients", "revoke", client_id, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"client_id": client_id, "revoked": True}


def test_wrong_api_key_is_exit_4(cli: Invoke) -> None:
    result = cli("clients", "list", "--json", api_key="dso_not-a-real-key")
    assert result.exit_code == 4
    assert result.stdout == ""
    # The DocSpace API answers wrong credentials 403, named as an authentication failure.
    assert "403" in result.stderr
    assert "Authentication required" in result.stderr


def test_validation_errors_are_exit_5_with_field_errors_on_stderr(cli: Invoke) -> None:
    result = cli(
        "clients",
        "create",
        "--name",
        "ok name",
        *LINKS,
        "--redirect-uri",
        "not a url",
        "--allowed-origin",
        "https://cli.example.com",
        "--scope",
        "no:such-scope",
        "--json",
    )
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "redirect_uris" in result.stderr
    assert "ErrorWrongURL" in result.stderr
    assert "ErrorInvalidScope" in result.stderr


def test_logo_of_an_unsupported_type_is_a_usage_error(cli: Invoke, tmp_path: Path) -> None:
    logo = tmp_path / "logo.gif"
    logo.write_bytes(b"GIF89a\x01\x00\x01\x00")
    result = cli(*create_args(unique_name()), "--logo-file", str(logo))
    assert result.exit_code == 2
    assert "PNG, JPEG or SVG" in result.output


def test_unreachable_server_is_exit_7(cli: Invoke) -> None:
    result = cli("scopes", "list", "--url", "http://127.0.0.1:9", "--json")
    assert result.exit_code == 7
    assert result.stdout == ""


def test_scopes_list(cli: Invoke) -> None:
    result = cli("scopes", "list", "--json")
    assert result.exit_code == 0, result.output
    scopes = {s["name"]: (s["group"], s["type"]) for s in json.loads(result.stdout)}
    assert scopes["accounts.self:read"] == ("profiles", "read")
    assert scopes["openid"] == ("openid", "openid")

    table = cli("scopes", "list")
    assert table.exit_code == 0
    assert "rooms:write" in table.stdout


def test_consents_list_of_a_new_user(new_user_cli: Callable[..., Invoke]) -> None:
    user = new_user_cli()
    result = user("consents", "list", "--limit", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    table = user("consents", "list")
    assert table.exit_code == 0
    # A readable empty state, on stderr, so that a pipeline reads no rows.
    assert table.stdout == ""
    assert "No consents." in table.stderr


def test_names_with_markup_print_as_typed(cli: Invoke) -> None:
    name = f"[bold]App[/] {secrets.token_hex(3)}"
    created = create(cli, name)
    result = cli("clients", "show", created["client_id"])
    assert result.exit_code == 0, result.output
    assert name in result.stdout


def test_back_channel_logout_options(cli: Invoke) -> None:
    """This server's extension: set on create, changed and cleared on update, and shown."""
    created = create(
        cli,
        None,
        "--backchannel-logout-uri",
        "https://cli.example.com/backchannel",
        "--backchannel-session-required",
    )
    assert created["backchannel_logout_uri"] == "https://cli.example.com/backchannel"
    assert created["backchannel_logout_session_required"] is True
    client_id = created["client_id"]
    result = cli("clients", "update", client_id, "--no-backchannel-session-required", "--json")
    assert result.exit_code == 0, result.output
    updated = json.loads(result.stdout)
    # False is the default, which the answer leaves out (as the API does).
    assert "backchannel_logout_session_required" not in updated
    assert updated["backchannel_logout_uri"] == "https://cli.example.com/backchannel"  # kept
    result = cli("clients", "update", client_id, "--backchannel-logout-uri", "", "--json")
    assert result.exit_code == 0, result.output
    assert "backchannel_logout_uri" not in show(cli, client_id)
    table = cli("clients", "show", client_id)
    assert "Back-channel logout URI" in table.stdout
    refused = cli(
        "clients", "update", client_id, "--backchannel-logout-uri", "http://cli.example.com/b"
    )
    assert refused.exit_code != 0
    assert "loopback" in refused.output
