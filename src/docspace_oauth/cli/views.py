"""What the tables show of each object. The objects themselves are the API's JSON (or, for
the local commands, the JSON they print): a table is only a view of one."""

from __future__ import annotations

from typing import Any

from docspace_oauth.cli.output import Column, Row, column

CLIENT_COLUMNS = (
    column("Client ID", "client_id"),
    column("Name", "name"),
    column("Enabled", "enabled"),
    column("Public", "is_public"),
    column("Scopes", "scopes"),
    column("Created", "created_on"),
)


def _by(row: Row, when: str, who: str) -> str:
    return f"{row.get(when) or ''} by {row[who]}" if row.get(who) else str(row.get(when) or "")


def client_sheet(row: Row) -> list[tuple[str, Any]]:
    """One client as label and value pairs; every field of the API's object but the logo,
    a data URI of up to 256 kB, of which the sheet says only whether it is set."""
    return [
        ("Client ID", row.get("client_id")),
        ("Name", row.get("name")),
        ("Description", row.get("description")),
        ("Enabled", row.get("enabled")),
        ("Public", row.get("is_public")),
        ("PKCE allowed", row.get("allow_pkce")),
        ("Grant types", row.get("grant_types")),
        ("Scopes", row.get("scopes")),
        ("Redirect URIs", row.get("redirect_uris") or []),
        ("Allowed origins", row.get("allowed_origins") or []),
        ("Logout redirect URIs", row.get("logout_redirect_uris") or []),
        ("Website", row.get("website_url")),
        ("Terms", row.get("terms_url")),
        ("Policy", row.get("policy_url")),
        ("Logo", "set" if row.get("logo") else ""),
        ("Authentication", row.get("authentication_methods")),
        ("Tenant", row.get("tenant")),
        ("Created", _by(row, "created_on", "created_by")),
        ("Modified", _by(row, "modified_on", "modified_by")),
    ]


SCOPE_COLUMNS = (column("Name", "name"), column("Group", "group"), column("Type", "type"))

CONSENT_COLUMNS = (
    column("Client ID", "registered_client_id"),
    Column("Client", lambda row: (row.get("client") or {}).get("name")),
    column("Scopes", "scopes"),
    column("Modified", "modified_at"),
)

AUDIT_COLUMNS = (
    column("When", "occurred_at"),
    column("Action", "action"),
    column("Outcome", "outcome"),
    column("Client ID", "client_id"),
    column("User", "actor_user_id"),
    column("IP", "actor_ip"),
)

USER_COLUMNS = (
    column("Email", "email"),
    column("Tenant", "tenant"),
    column("Role", "role"),
    column("Enabled", "enabled"),
    column("Password", "has_password"),
    column("API keys", "api_keys"),
    column("Created", "created_at"),
)

API_KEY_COLUMNS = (
    column("Key ID", "id"),
    column("Kind", "kind"),
    Column("Status", lambda row: "revoked" if row.get("revoked_at") else "active"),
    column("Created", "created_at"),
    column("Expires", "expires_at"),
    column("Revoked", "revoked_at"),
)

SIGNING_KEY_COLUMNS = (
    column("Seq", "seq"),
    column("Key ID", "kid"),
    column("Alg", "alg"),
    column("Status", "status"),
    column("Created", "created_at"),
    column("Retired", "retired_at"),
)

SESSION_COLUMNS = (
    column("Session ID", "session_id"),
    column("User", "user_email"),
    column("Signed in", "auth_time"),
    column("Expires", "expires_at"),
    column("From", "ip"),
    column("Browser", "user_agent"),
    Column("Apps", lambda row: ", ".join(c.get("name") or c["client_id"] for c in row["clients"])),
    Column("Current", lambda row: "yes" if row.get("current") else ""),
)
