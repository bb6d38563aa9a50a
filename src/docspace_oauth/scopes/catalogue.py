from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    group: str
    type: str
    # Plain words for the consent page: what the user is letting the app do.
    description: str


CATALOGUE: tuple[Scope, ...] = (
    Scope("accounts:read", "accounts", "read", "View the portal's user accounts"),
    Scope("accounts:write", "accounts", "write", "Create and change the portal's user accounts"),
    Scope("accounts.self:read", "profiles", "read", "View your profile"),
    Scope("accounts.self:write", "profiles", "write", "Change your profile"),
    Scope("files:read", "files", "read", "View your files and folders"),
    Scope("files:write", "files", "write", "Create, change and delete your files and folders"),
    Scope("rooms:read", "rooms", "read", "View your rooms"),
    Scope("rooms:write", "rooms", "write", "Create, change and delete your rooms"),
    Scope("openid", "openid", "openid", "Know who you are (your name and email)"),
)
BY_NAME: dict[str, Scope] = {scope.name: scope for scope in CATALOGUE}
