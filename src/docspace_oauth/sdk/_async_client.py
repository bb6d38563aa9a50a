"""The asynchronous client, and the one source of the synchronous client.

The SDK's two clients share one core. Everything that is not I/O is written
once, in sans-IO modules that both clients call as they are: routes,
credentials, request bodies and response parsing in :mod:`._core`, keyset
paging in :mod:`._pages`, when and how long to wait in :mod:`._retry`, error
mapping in :mod:`._errors`. What is left is the I/O shell, the public methods
and the send-and-retry loop, and between sync and async it differs only by
``async`` and ``await``. That shell is written once, here: ``sdk/unasync.py``
writes :mod:`._client` from this file (as httpcore does with unasync), and
``tests/sdk/test_unasync.py`` fails while the committed ``_client.py`` differs
from what the script writes. Edit this file, then run ``python sdk/unasync.py``.

Why generate, rather than share the methods as sans-IO generators driven by a
sync and an async runner: each client would still have to declare every
public method with its signature and docstring (one set returning values, the
other awaitables), so that hand-written pair would remain; generated, every
method, docstring and the retry loop exist once, and both clients stay plain
code that reads, type-checks and debugs as what it is. Why async is the
source: making async code sync only deletes ``async``/``await`` and renames a
few names, where the reverse would have to know what to await.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import anyio
import httpx
from pydantic import BaseModel

from ._core import (
    DEFAULT_CLIENTS_PATH,
    DEFAULT_SCOPES_PATH,
    DEFAULT_TIMEOUT,
    Call,
    Settings,
    grace_period_params,
    parse_data_list,
    parse_json,
    parse_list,
    parse_model,
    request_body,
    retry_delay,
    try_parse_model,
)
from ._errors import TransportError
from ._models import (
    AuditEvent,
    ClientInfoResponse,
    ClientResponse,
    ClientSecretResponse,
    Consent,
    CreateClientRequest,
    ScopeResponse,
    SignInSession,
    UpdateClientRequest,
)
from ._pages import AUDIT_CURSOR, CLIENT_CURSOR, CONSENT_CURSOR, PageWalker
from ._retry import RetryPolicy

__all__ = ["AsyncClient"]

ItemT = TypeVar("ItemT", bound=BaseModel)


class AsyncClient:
    """An asynchronous client of the DocSpace OAuth client-management API.

    >>> async with AsyncClient("https://portal.example.com", api_key="...") as api:
    ...     async for client in api.get_clients():
    ...         print(client.name)
    """

    def __init__(
        self,
        base_url: str | httpx.URL,
        *,
        api_key: str | None = None,
        signature: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        clients_path: str = DEFAULT_CLIENTS_PATH,
        scopes_path: str = DEFAULT_SCOPES_PATH,
    ) -> None:
        self._settings = Settings(
            api_key=api_key,
            signature=signature,
            max_retries=max_retries,
            retry=retry,
            clients_path=clients_path,
            scopes_path=scopes_path,
        )
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers=Settings.default_headers(headers),
        )

    # -- lifecycle -----------------------------------------------------------

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the six operations of the seed --------------------------------------

    async def create_client(
        self, request: CreateClientRequest | Mapping[str, Any]
    ) -> ClientResponse:
        """Create a client; the answer is the only time its secret is shown."""
        body = request_body(request, CreateClientRequest)
        call = Call("POST", self._settings.collection_path(), json=body)
        return parse_model(await self._send(call), ClientResponse)

    async def update_client(
        self, client_id: str, request: UpdateClientRequest | Mapping[str, Any]
    ) -> ClientResponse:
        """Update a client and return it as it now is."""
        body = request_body(request, UpdateClientRequest)
        response = await self._send(Call("PUT", self._settings.client_path(client_id), json=body))
        # A real DocSpace may answer with something other than the client;
        # fetch it rather than fail an update that succeeded.
        return try_parse_model(response, ClientResponse) or await self.get_client(client_id)

    async def delete_client(self, client_id: str) -> None:
        await self._send(Call("DELETE", self._settings.client_path(client_id)))

    async def change_activation(self, client_id: str, status: bool) -> None:
        """Enable (True) or disable (False) a client."""
        path = self._settings.client_path(client_id, "activation")
        await self._send(Call("PATCH", path, json={"status": status}))

    async def regenerate_secret(
        self, client_id: str, grace_period: int | None = None
    ) -> ClientSecretResponse:
        """Issue a new secret.

        ``grace_period`` (seconds, this server's extension) keeps the old
        secret valid that long; None sends nothing and the old one dies now.
        """
        path = self._settings.client_path(client_id, "regenerate")
        call = Call("PATCH", path, params=grace_period_params(grace_period))
        return parse_model(await self._send(call), ClientSecretResponse)

    async def revoke_user_client(self, client_id: str) -> None:
        """Withdraw the caller's own consent to a client."""
        await self._send(Call("DELETE", self._settings.client_path(client_id, "revoke")))

    # -- reads ---------------------------------------------------------------

    async def get_client(self, client_id: str) -> ClientResponse:
        call = Call("GET", self._settings.client_path(client_id))
        return parse_model(await self._send(call), ClientResponse)

    def get_clients(self, *, limit: int | None = None) -> AsyncIterator[ClientResponse]:
        """Every client the caller may see, newest first, fetched page by page."""
        walker = PageWalker(ClientResponse, CLIENT_CURSOR, limit)
        return self._walk(self._settings.collection_path(), walker)

    async def get_client_info(self, client_id: str) -> ClientInfoResponse:
        call = Call("GET", self._settings.client_path(client_id, "info"))
        return parse_model(await self._send(call), ClientInfoResponse)

    def get_clients_info(self, *, limit: int | None = None) -> AsyncIterator[ClientInfoResponse]:
        walker = PageWalker(ClientInfoResponse, CLIENT_CURSOR, limit)
        return self._walk(self._settings.collection_path("info"), walker)

    async def get_public_client_info(self, client_id: str) -> ClientInfoResponse:
        """A client's public face, as shown on a consent page; needs no credentials."""
        path = self._settings.client_path(client_id, "public", "info")
        return parse_model(
            await self._send(Call("GET", path, authenticated=False)), ClientInfoResponse
        )

    def get_consents(self, *, limit: int | None = None) -> AsyncIterator[Consent]:
        """The caller's consents to clients, most recently changed first."""
        walker = PageWalker(Consent, CONSENT_CURSOR, limit)
        return self._walk(self._settings.collection_path("consents"), walker)

    def get_audit_events(
        self,
        *,
        client_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[AuditEvent]:
        """This server's audit trail, newest first (an extension; admins only)."""
        filters = {"client_id": client_id, "action": action}
        walker = PageWalker(
            AuditEvent,
            AUDIT_CURSOR,
            limit,
            filters={k: v for k, v in filters.items() if v is not None},
        )
        return self._walk(self._settings.audit_path, walker)

    async def get_scopes(self) -> list[ScopeResponse]:
        return parse_list(await self._send(Call("GET", self._settings.scopes_path)), ScopeResponse)

    # -- sign-in sessions (this server's extension) ---------------------------

    async def get_sessions(self, *, tenant: bool = False) -> list[SignInSession]:
        """The caller's live sign-in sessions, newest first; ``tenant=True``: the whole
        tenant's (admins only)."""
        path = self._settings.sessions_path("tenant") if tenant else self._settings.sessions_path()
        return parse_data_list(await self._send(Call("GET", path)), SignInSession)

    async def end_session(self, session_id: str) -> None:
        """End a sign-in session: the caller's own, or (admins) any of the tenant's."""
        await self._send(Call("DELETE", self._settings.sessions_path(session_id)))

    # -- bulk deletes --------------------------------------------------------

    async def delete_user_clients(self) -> None:
        """Delete every client the caller created."""
        await self._send(Call("DELETE", self._settings.collection_path()))

    async def delete_tenant_clients(self) -> None:
        """Delete every client of the caller's tenant (admins only)."""
        await self._send(Call("DELETE", self._settings.collection_path("tenant")))

    # -- plumbing ------------------------------------------------------------

    async def _walk(self, path: str, walker: PageWalker[ItemT]) -> AsyncIterator[ItemT]:
        while (params := walker.next_params) is not None:
            response = await self._send(Call("GET", path, params=params))
            for item in walker.take(parse_json(response)):
                yield item

    async def _send(self, call: Call) -> httpx.Response:
        request = self._http.build_request(
            call.method, call.path, params=call.params, json=call.json
        )
        auth = self._settings.auth if call.authenticated else None
        retries = 0
        while True:
            try:
                response = await self._http.send(request, auth=auth)
            except httpx.TransportError as exc:
                raise TransportError(f"{call.method} {request.url}: {exc}") from exc
            if response.is_success:
                return response
            # Raises the response's error when it is final; else how long to wait.
            delay = retry_delay(response, self._settings.retry, retries)
            await response.aclose()
            await self._sleep(delay)
            retries += 1
