"""The async client against a live server: every method, awaited."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest

from docspace_oauth.sdk import (
    AsyncClient,
    AuthenticationError,
    CreateClientRequest,
    NotFoundError,
    PermissionDeniedError,
    UpdateClientRequest,
    ValidationError,
)

LiveServer = Any  # the lead's fixture: .url, .owner_key, .create_user(email, role, tenant)
NewKey = Callable[..., str]
MakeRequest = Callable[..., CreateClientRequest]
T = TypeVar("T")


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


async def test_lifecycle_of_one_client(live_server: LiveServer, make_request: MakeRequest) -> None:
    async with AsyncClient(live_server.url, api_key=live_server.owner_key) as api:
        created = await api.create_client(make_request())
        assert created.client_secret is not None
        assert len(created.client_secret) >= 36

        fetched = await api.get_client(created.client_id)
        assert fetched.client_secret is None
        assert fetched.name == created.name

        updated = await api.update_client(
            created.client_id, UpdateClientRequest(name="Async renamed", description="changed")
        )
        assert updated.name == "Async renamed"
        assert (await api.get_client(created.client_id)).description == "changed"

        await api.change_activation(created.client_id, False)
        assert (await api.get_client(created.client_id)).enabled is False
        await api.change_activation(created.client_id, True)
        assert (await api.get_client(created.client_id)).enabled is True

        first = await api.regenerate_secret(created.client_id)
        second = await api.regenerate_secret(created.client_id, grace_period=0)
        assert len({created.client_secret, first.client_secret, second.client_secret}) == 3

        info = await api.get_client_info(created.client_id)
        assert info.name == "Async renamed"
        assert "client_secret" not in info.model_dump()

        await api.delete_client(created.client_id)
        with pytest.raises(NotFoundError):
            await api.get_client(created.client_id)


async def test_public_info_needs_no_credentials(
    live_server: LiveServer, make_request: MakeRequest
) -> None:
    async with AsyncClient(live_server.url, api_key=live_server.owner_key) as owner:
        created = await owner.create_client(make_request())
    async with AsyncClient(live_server.url) as anonymous:
        public = await anonymous.get_public_client_info(created.client_id)
        assert public.client_id == created.client_id
        assert public.name == created.name
        with pytest.raises(AuthenticationError):
            await anonymous.get_client(created.client_id)


async def test_async_pagination_yields_every_client_exactly_once(
    live_server: LiveServer, new_key: NewKey, make_request: MakeRequest
) -> None:
    async with AsyncClient(live_server.url, api_key=new_key("user")) as user:
        made = [(await user.create_client(make_request())).client_id for _ in range(5)]
        listed = [c.client_id for c in await collect(user.get_clients(limit=2))]
        infos = [c.client_id for c in await collect(user.get_clients_info(limit=2))]
    assert listed == list(reversed(made))
    assert infos == listed


async def test_scopes_consents_and_revoke(
    live_server: LiveServer, new_key: NewKey, make_request: MakeRequest
) -> None:
    async with AsyncClient(live_server.url, api_key=new_key("user")) as user:
        scopes = await user.get_scopes()
        assert {"openid", "files:read", "rooms:write"} <= {s.name for s in scopes}
        created = await user.create_client(make_request())
        assert await collect(user.get_consents(limit=1)) == []
        assert await user.revoke_user_client(created.client_id) is None


async def test_async_validation_error(live_server: LiveServer, make_request: MakeRequest) -> None:
    async with AsyncClient(live_server.url, api_key=live_server.owner_key) as api:
        with pytest.raises(ValidationError) as info:
            await api.create_client(make_request(allowed_origins=["https://a.example/path"]))
    assert info.value.status == 400
    assert [e.code for e in info.value.errors if e.field.startswith("allowed_origins")] == [
        "ErrorWrongURL"
    ]


async def test_async_bulk_deletes(
    live_server: LiveServer, new_key: NewKey, make_request: MakeRequest
) -> None:
    tenant = 100 + secrets.randbelow(100_000)
    async with (
        AsyncClient(live_server.url, api_key=new_key("admin", tenant)) as admin,
        AsyncClient(live_server.url, api_key=new_key("user", tenant)) as user,
    ):
        admins = await admin.create_client(make_request())
        await user.create_client(make_request())
        await user.delete_user_clients()
        assert await collect(user.get_clients()) == []
        assert (await admin.get_client(admins.client_id)).client_id == admins.client_id

        with pytest.raises(PermissionDeniedError):
            await user.delete_tenant_clients()
        await admin.delete_tenant_clients()
        assert await collect(admin.get_clients()) == []


async def test_async_x_signature_auth(live_server: LiveServer, make_request: MakeRequest) -> None:
    jwt = pytest.importorskip("jwt")
    secret = live_server.env.get("DOCSPACE_OAUTH_SIGNATURE_SECRET")
    if not secret:
        pytest.skip("the live server has no x-signature secret configured")
    tenant = 100 + secrets.randbelow(100_000)
    claims = {
        "user_id": str(uuid.uuid4()),
        "user_name": "Portal admin",
        "user_email": "portal-admin@portal.example",
        "tenant_id": tenant,
        "tenant_url": f"https://tenant{tenant}.portal.example",
        "is_admin": True,
        "is_guest": False,
        "is_public": False,
        "exp": int(time.time()) + 300,
    }
    token = jwt.encode(claims, secret, algorithm="HS256")
    async with AsyncClient(live_server.url, signature=token) as portal_admin:
        created = await portal_admin.create_client(make_request())
        assert created.tenant == tenant
        listed = await collect(portal_admin.get_clients())
        assert [c.client_id for c in listed] == [created.client_id]
