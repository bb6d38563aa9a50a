"""The role rules, as DocSpace's identity service enforces them (the contract's role table).

The API's dependencies call these before a request is looked at further, and the services
call them again, so that every entry point (API, console, CLI) is held to the same rules.
"""

from __future__ import annotations

from docspace_oauth.callers.principal import Caller
from docspace_oauth.errors import Forbidden


class GuestRefused(Forbidden):
    def __init__(self) -> None:
        super().__init__("Guests may not manage OAuth clients.")


class AdminRequired(Forbidden):
    def __init__(self) -> None:
        super().__init__("Only the portal's admins may do this.")


def require_member(caller: Caller) -> None:
    """Users and admins; never guests."""
    if caller.is_guest:
        raise GuestRefused()


def require_admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise AdminRequired()
