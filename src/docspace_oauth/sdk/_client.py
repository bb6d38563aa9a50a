"""The synchronous client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from ._core import (
    DEFAULT_CLIENTS_PATH,
    DEFAULT_SCOPES_PATH,
    DEFAULT_TIMEOUT,
    Call,
    Settings,
    grace_period_params,
    parse_json,
    parse_list,
    parse_model,
    request_body,
    try_parse_model,
)
from ._errors import TransportError, error_from_response
from ._models import (
    AuditEvent,
    ClientInfoResponse,
    ClientResponse,
    ClientSecretResponse,
    Consent,
    CreateClientRequest,
    ScopeResponse,
    UpdateClientRequest,
)
from ._pages import AUDIT_CURSOR, CLIENT_CURSOR, CONSENT_CURSOR, PageWalker
from ._retry import RetryPolicy, retry_after_seconds

__all__ = ["Client"]

ItemT = TypeVar("ItemT", bound=BaseModel)


class Client:
    """A synchronous client of the DocSpace OAuth client-management API.

    >>> with Client("https://portal.example.com", api_key="...") as api:
    ...     for client in api.get_clients():
    ...         print(client.name)
    """

    def __init__(
        self,
        base_url: str | httpx.URL,
        *,
        api_key: str | None = None,
        signature: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
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
        self._http = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            headers=Settings.default_headers(headers),
        )

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the six operations of the seed --------------------------------------

    def create_client(self, request: CreateClientRequest | Mapping[str, Any]) -> ClientResponse:
        """Create a client; the answer is the only time its secret is shown."""
        body = request_body(request, CreateClientRequest)
        call = Call("POST", self._settings.collection_path(), json=body)
        return parse_model(self._send(call), ClientResponse)

    def update_client(
        self, client_id: str, request: UpdateClientRequest | Mapping[str, Any]
    ) -> ClientResponse:
        """Update a client and return it as it now is."""
        body = request_body(request, UpdateClientRequest)
        response = self._send(Call("PUT", self._settings.client_path(client_id), json=body))
        # A real DocSpace may answer with something other than the client;
        # fetch it rather than fail an update that succeeded.
        return try_parse_model(response, ClientResponse) or self.get_client(client_id)

    def delete_client(self, client_id: str) -> None:
        self._send(Call("DELETE", self._settings.client_path(client_id)))

    def change_activation(self, client_id: str, status: bool) -> None:
        """Enable (True) or disable (False) a client."""
        path = self._settings.client_path(client_id, "activation")
        self._send(Call("PATCH", path, json={"status": status}))

    def regenerate_secret(
        self, client_id: str, grace_period: int | None = None
    ) -> ClientSecretResponse:
        """Issue a new secret.

        ``grace_period`` (seconds, this server's extension) keeps the old
        secret valid that long; None sends nothing and the old one dies now.
        """
        path = self._settings.client_path(client_id, "regenerate")
        call = Call("PATCH", path, params=grace_period_params(grace_period))
        return parse_model(self._send(call), ClientSecretResponse)

    def revoke_user_client(self, client_id: str) -> None:
        """Withdraw the caller's own consent to a client."""
        self._send(Call("DELETE", self._settings.client_path(client_id, "revoke")))

    # -- reads ---------------------------------------------------------------

    def get_client(self, client_id: str) -> ClientResponse:
        call = Call("GET", self._settings.client_path(client_id))
        return parse_model(self._send(call), ClientResponse)

    def get_clients(self, *, limit: int | None = None) -> Iterator[ClientResponse]:
        """Every client the caller may see, newest first, fetched page by page."""
        walker = PageWalker(ClientResponse, CLIENT_CURSOR, limit)
        return self._walk(self._settings.collection_path(), walker)

    def get_client_info(self, client_id: str) -> ClientInfoResponse:
        call = Call("GET", self._settings.client_path(client_id, "info"))
        return parse_model(self._send(call), ClientInfoResponse)

    def get_clients_info(self, *, limit: int | None = None) -> Iterator[ClientInfoResponse]:
        walker = PageWalker(ClientInfoResponse, CLIENT_CURSOR, limit)
        return self._walk(self._settings.collection_path("info"), walker)

    def get_public_client_info(self, client_id: str) -> ClientInfoResponse:
        """A client's public face, as shown on a consent page; needs no credentials."""
        path = self._settings.client_path(client_id, "public", "info")
        return parse_model(self._send(Call("GET", path, authenticated=False)), ClientInfoResponse)

    def get_consents(self, *, limit: int | None = None) -> Iterator[Consent]:
        """The caller's consents to clients, most recently changed first."""
        walker = PageWalker(Consent, CONSENT_CURSOR, limit)
        return self._walk(self._settings.collection_path("consents"), walker)

    def get_audit_events(
        self,
        *,
        client_id: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> Iterator[AuditEvent]:
        """This server's audit trail, newest first (an extension; admins only)."""
        filters = {"client_id": client_id, "action": action}
        walker = PageWalker(
            AuditEvent,
            AUDIT_CURSOR,
            limit,
            filters={k: v for k, v in filters.items() if v is not None},
        )
        return self._walk(self._settings.audit_path, walker)

    def get_scopes(self) -> list[ScopeResponse]:
        return parse_list(self._send(Call("GET", self._settings.scopes_path)), ScopeResponse)

    # -- bulk deletes --------------------------------------------------------

    def delete_user_clients(self) -> None:
        """Delete every client the caller created."""
        self._send(Call("DELETE", self._settings.collection_path()))

    def delete_tenant_clients(self) -> None:
        """Delete every client of the caller's tenant (admins only)."""
        self._send(Call("DELETE", self._settings.collection_path("tenant")))

    # -- plumbing ------------------------------------------------------------

    def _walk(self, path: str, walker: PageWalker[ItemT]) -> Iterator[ItemT]:
        while (params := walker.next_params) is not None:
            yield from walker.take(parse_json(self._send(Call("GET", path, params=params))))

    def _send(self, call: Call) -> httpx.Response:
        request = self._http.build_request(
            call.method, call.path, params=call.params, json=call.json
        )
        auth = self._settings.auth if call.authenticated else None
        policy = self._settings.retry
        retries = 0
        while True:
            try:
                response = self._http.send(request, auth=auth)
            except httpx.TransportError as exc:
                raise TransportError(f"{call.method} {request.url}: {exc}") from exc
            if response.is_success:
                return response
            delay = policy.delay_before_retry(response, retries)
            if delay is None:
                raise error_from_response(response, retry_after_seconds(response, policy.clock))
            response.close()
            self._sleep(delay)
            retries += 1
