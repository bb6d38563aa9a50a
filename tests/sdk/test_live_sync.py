"""The sync client against a live server: every method, as a user would check it."""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from docspace_oauth.sdk import (
    AuthenticationError,
    Client,
    ClientResponse,
    CreateClientRequest,
    NotFoundError,
    PermissionDeniedError,
    UpdateClientRequest,
    ValidationError,
)

AUTHENTICATION_REQUIRED = "urn:docspace-oauth:problem:authentication-required"
LiveServer = Any  # the lead's fixture: .url, .owner_key, .create_user(email, role, tenant)
NewKey = Callable[..., str]
MakeRequest = Callable[..., CreateClientRequest]

CONTRACT_CODES = {
    "ErrorName",
    "EmptyFieldError",
    "ErrorWrongURL",
    "ErrorPattern",
    "ErrorInvalidScope",
}
CATALOGUE = {
    ("accounts:read", "accounts", "read"),
    ("accounts:write", "accounts", "write"),
    ("accounts.self:read", "profiles", "read"),
    ("accounts.self:write", "profiles", "write"),
    ("files:read", "files", "read"),
    ("files:write", "files", "write"),
    ("rooms:read", "rooms", "read"),
    ("rooms:write", "rooms", "write"),
    ("openid", "openid", "openid"),
}


def test_create_shows_the_secret_once(owner: Client, make_request: MakeRequest) -> None:
    request = make_request(allow_pkce=True)
    created = owner.create_client(request)

    assert str(uuid.UUID(created.client_id)) == created.client_id
    assert created.client_secret is not None
    assert len(created.client_secret) >= 36
    assert set(created.client_secret) <= set(string.ascii_letters + string.digits)
    assert created.name == request.name
    assert created.scopes == ["files:read", "openid"]
    assert created.redirect_uris == ["https://app.example.com/callback"]
    assert created.allowed_origins == ["https://app.example.com"]
    assert created.enabled is True
    assert created.tenant == 1
    assert set(created.authentication_methods) == {"client_secret_post", "none"}
    assert created.created_on is not None
    assert created.created_on.tzinfo is not None

    fetched = owner.get_client(created.client_id)
    assert fetched.client_secret is None
    assert fetched.name == request.name
    listed = [c for c in owner.get_clients() if c.client_id == created.client_id]
    assert len(listed) == 1
    assert listed[0].client_secret is None


def test_info_views_carry_no_secret(
    live_server: LiveServer, owner: Client, make_request: MakeRequest
) -> None:
    created = owner.create_client(make_request())

    info = owner.get_client_info(created.client_id)
    assert info.client_id == created.client_id
    assert info.name == created.name
    assert "client_secret" not in info.model_dump()
    assert created.client_id in {c.client_id for c in owner.get_clients_info()}

    # The consent page shows a client to people who are not signed in yet.
    with Client(live_server.url) as anonymous:
        public = anonymous.get_public_client_info(created.client_id)
    assert public.name == created.name
    assert public.scopes == created.scopes
    assert "client_secret" not in public.model_dump()


def test_update_changes_the_given_fields(owner: Client, make_request: MakeRequest) -> None:
    created = owner.create_client(make_request())

    updated = owner.update_client(
        created.client_id,
        UpdateClientRequest(
            name="Renamed by SDK",
            description="new description",
            scopes=["files:read", "files:write", "openid"],
            redirect_uris=["https://app.example.com/callback", "https://app.example.com/cb2"],
            allowed_origins=["https://app.example.com"],
        ),
    )
    assert isinstance(updated, ClientResponse)
    assert updated.client_id == created.client_id
    assert updated.name == "Renamed by SDK"
    assert updated.client_secret is None

    again = owner.get_client(created.client_id)
    assert again.name == "Renamed by SDK"
    assert again.description == "new description"
    assert again.scopes == ["files:read", "files:write", "openid"]
    assert again.redirect_uris == [
        "https://app.example.com/callback",
        "https://app.example.com/cb2",
    ]
    assert again.tenant == created.tenant


def test_update_reaches_the_urls_and_grant_types(owner: Client, make_request: MakeRequest) -> None:
    created = owner.create_client(make_request(allow_pkce=True))
    assert created.allow_pkce is True
    assert created.grant_types == ["authorization_code", "refresh_token"]

    owner.update_client(
        created.client_id,
        UpdateClientRequest(
            website_url="https://new.example.com",
            terms_url="https://new.example.com/terms",
            policy_url="https://new.example.com/privacy",
            logout_redirect_uri="https://new.example.com/bye",
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
            allow_pkce=False,
        ),
    )
    again = owner.get_client(created.client_id)
    assert again.website_url == "https://new.example.com"
    assert again.terms_url == "https://new.example.com/terms"
    assert again.policy_url == "https://new.example.com/privacy"
    assert again.logout_redirect_uris == ["https://new.example.com/bye"]
    assert again.grant_types == ["authorization_code", "refresh_token", "client_credentials"]
    assert again.allow_pkce is False
    assert again.authentication_methods == ["client_secret_post"]
    # Fields left out kept their value.
    assert again.name == created.name
    assert again.redirect_uris == created.redirect_uris


def test_change_activation(owner: Client, make_request: MakeRequest) -> None:
    created = owner.create_client(make_request())

    assert owner.change_activation(created.client_id, False) is None
    assert owner.get_client(created.client_id).enabled is False
    assert owner.change_activation(created.client_id, True) is None
    assert owner.get_client(created.client_id).enabled is True


def test_regenerate_twice_gives_different_secrets(owner: Client, make_request: MakeRequest) -> None:
    created = owner.create_client(make_request())

    first = owner.regenerate_secret(created.client_id)
    second = owner.regenerate_secret(created.client_id, grace_period=60)
    assert len({created.client_secret, first.client_secret, second.client_secret}) == 3
    assert len(second.client_secret) >= 36
    # Without a grace period the old secret dies at once; with one, the answer says until when.
    assert first.previous_secret_expires_at is None
    assert second.previous_secret_expires_at is not None
    left = second.previous_secret_expires_at - datetime.now(UTC)
    assert 0 < left.total_seconds() <= 60
    # Regenerating does not make reads start showing the secret.
    assert owner.get_client(created.client_id).client_secret is None


def test_pagination_yields_every_client_exactly_once(
    live_server: LiveServer, new_key: NewKey, make_request: MakeRequest
) -> None:
    with Client(live_server.url, api_key=new_key("user")) as user:
        made = [user.create_client(make_request()).client_id for _ in range(5)]

        listed = [c.client_id for c in user.get_clients(limit=2)]
        infos = [c.client_id for c in user.get_clients_info(limit=2)]

    assert sorted(listed) == sorted(made)
    assert len(listed) == len(set(listed)) == 5
    # Newest first.
    assert listed == list(reversed(made))
    assert infos == listed


def test_get_scopes_returns_the_catalogue(owner: Client) -> None:
    scopes = owner.get_scopes()
    assert {(s.name, s.group, s.type) for s in scopes} == CATALOGUE


def test_consents_of_a_new_user_are_empty_and_revoke_is_idempotent(
    live_server: LiveServer, owner: Client, new_key: NewKey, make_request: MakeRequest
) -> None:
    created = owner.create_client(make_request())
    with Client(live_server.url, api_key=new_key("user")) as user:
        assert list(user.get_consents(limit=2)) == []
        # Revoking a consent never given leaves the asked-for state: none.
        assert user.revoke_user_client(created.client_id) is None
        assert list(user.get_consents()) == []


def test_delete_then_reads_are_404(
    live_server: LiveServer, owner: Client, make_request: MakeRequest
) -> None:
    created = owner.create_client(make_request())

    assert owner.delete_client(created.client_id) is None
    with pytest.raises(NotFoundError) as info:
        owner.get_client(created.client_id)
    assert info.value.status == 404
    assert info.value.problem.status == 404
    with pytest.raises(NotFoundError):
        owner.delete_client(created.client_id)
    with Client(live_server.url) as anonymous, pytest.raises(NotFoundError):
        anonymous.get_public_client_info(created.client_id)


def test_malformed_id_is_404_like_a_missing_one(owner: Client) -> None:
    with pytest.raises(NotFoundError):
        owner.get_client("not-a-uuid")
    with pytest.raises(NotFoundError):
        owner.get_client(str(uuid.uuid4()))


def test_validation_error_carries_contract_field_errors(
    owner: Client, make_request: MakeRequest
) -> None:
    bad = make_request(name="x", redirect_uris=["not a url"], scopes=["no:such-scope"])
    with pytest.raises(ValidationError) as info:
        owner.create_client(bad)

    error = info.value
    assert error.status == 400
    assert error.problem.title
    codes = {e.field.split("[")[0].split(".")[0]: e.code for e in error.errors}
    assert {e.code for e in error.errors} <= CONTRACT_CODES
    assert codes["name"] == "ErrorName"
    assert codes["redirect_uris"] == "ErrorWrongURL"
    assert codes["scopes"] == "ErrorInvalidScope"


def test_empty_required_field_is_reported(owner: Client, make_request: MakeRequest) -> None:
    with pytest.raises(ValidationError) as info:
        owner.create_client(make_request(scopes=[]))
    assert any(e.field.startswith("scopes") for e in info.value.errors)
    assert {e.code for e in info.value.errors} <= CONTRACT_CODES


def test_missing_or_wrong_credentials_are_authentication_errors(live_server: LiveServer) -> None:
    # The DocSpace API answers missing credentials 403; the problem type says which 403 it is.
    with Client(live_server.url) as anonymous, pytest.raises(AuthenticationError) as info:
        list(anonymous.get_clients())
    assert info.value.status == 403
    assert info.value.problem.type == AUTHENTICATION_REQUIRED
    # A key of ours that is wrong, and a value that is no key of ours (so none at all).
    for key in ("dso_wrong-key", "wrong-key"):
        wrong = Client(live_server.url, api_key=key)
        with wrong, pytest.raises(AuthenticationError):
            wrong.get_client(str(uuid.uuid4()))


def test_bearer_prefix_is_accepted(live_server: LiveServer) -> None:
    with Client(live_server.url, api_key=f"Bearer {live_server.owner_key}") as api:
        assert isinstance(list(api.get_clients(limit=1)), list)


def test_users_see_only_their_own_clients(
    live_server: LiveServer, owner: Client, new_key: NewKey, make_request: MakeRequest
) -> None:
    owners = owner.create_client(make_request())
    with Client(live_server.url, api_key=new_key("user")) as user:
        mine = user.create_client(make_request())
        assert [c.client_id for c in user.get_clients()] == [mine.client_id]
        with pytest.raises(NotFoundError):
            user.get_client(owners.client_id)
        with pytest.raises(NotFoundError):
            user.delete_client(owners.client_id)
    # An admin sees every client of the tenant, the user's included.
    assert owner.get_client(mine.client_id).name == mine.name


def test_guests_are_refused_lists(live_server: LiveServer, new_key: NewKey, owner: Client) -> None:
    with Client(live_server.url, api_key=new_key("guest")) as guest:
        with pytest.raises(PermissionDeniedError) as info:
            list(guest.get_clients())
        assert info.value.status == 403
        with pytest.raises(PermissionDeniedError) as info:
            list(guest.get_consents())
        assert info.value.status == 403


def test_delete_user_clients_deletes_only_the_callers(
    live_server: LiveServer, owner: Client, new_key: NewKey, make_request: MakeRequest
) -> None:
    owners = owner.create_client(make_request())
    with Client(live_server.url, api_key=new_key("user")) as user:
        for _ in range(2):
            user.create_client(make_request())
        assert user.delete_user_clients() is None
        assert list(user.get_clients()) == []
    assert owner.get_client(owners.client_id).client_id == owners.client_id


def test_delete_tenant_clients_is_for_admins(
    live_server: LiveServer, new_key: NewKey, make_request: MakeRequest
) -> None:
    # A tenant of its own, so that no other test's clients are swept away.
    tenant = 100 + secrets.randbelow(100_000)
    with (
        Client(live_server.url, api_key=new_key("admin", tenant)) as admin,
        Client(live_server.url, api_key=new_key("user", tenant)) as user,
    ):
        admin.create_client(make_request())
        users_client = user.create_client(make_request())
        with pytest.raises(PermissionDeniedError) as info:
            user.delete_tenant_clients()
        assert info.value.status == 403

        assert admin.delete_tenant_clients() is None
        assert list(admin.get_clients()) == []
        with pytest.raises(NotFoundError):
            user.get_client(users_client.client_id)
