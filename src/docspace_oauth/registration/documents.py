"""Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document): a client_id
that is an https URL names the client's metadata, which we fetch (registration.fetch, the
SSRF guard), validate by dynamic registration's rules (registration.schemas.parse) and keep
as an ordinary row in `clients`, marked `registration: "metadata"`.

`ensure` is the one resolution step, run wherever a client_id comes in from outside (the
authorization endpoint, client authentication at the token, introspection, revocation and
device endpoints) before anything reads the client: once it returns, the row is there and
its document fresh. It works in transactions of its own, before the request's, so a slow
fetch never holds a database lock.

The row's id is derived from the URL (uuid5), since `clients.client_id` is a 36-character
key that many tables point at; the URL is kept in `client_documents`, and every answer that
names the client (id_token `aud` and `azp`, access token and introspection `client_id`)
names it by the URL. Such a client answers to its URL only, never to the derived id.

Decisions (docs/oauth.md): the clients live in the default tenant, and only while its
registration policy is open (they are exactly what open registration admits: public clients
with PKCE, registered by nobody), counted against its cap. A failed re-fetch of an expired
document refuses the client (no stale copy is served). Deleting the client drops its row;
the next use fetches the document again and creates it anew (to keep a URL out, deactivate
its client instead: a deactivated client stays refused however its document changes).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from docspace_oauth.clients.service import parse_client_id
from docspace_oauth.models import Client, utcnow
from docspace_oauth.oauth2.errors import ErrorPage, InvalidClient, OAuth2Error
from docspace_oauth.oauth2.state import AuthServer
from docspace_oauth.registration import repository, service
from docspace_oauth.registration.fetch import FetchRefused, Limits, fetch, is_document_url
from docspace_oauth.registration.schemas import Metadata, Mode, parse


class DocumentRefused(InvalidClient):
    """The client_id is a URL we cannot take as a client; the description says why."""


def derived_id(url: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, url))


def lookup_id(client_id: str) -> str | None:
    """The `clients` row to read for a client_id as sent, or None when it cannot be one."""
    if is_document_url(client_id):
        return derived_id(client_id)
    canonical = parse_client_id(client_id)
    return canonical if canonical == client_id else None


def answers_to(given: str, client_id: str, url: str | None) -> bool:
    """A document-backed client is addressed by its URL only; any other by its id."""
    return given == (url or client_id)


def addressed_by(given: str, client: Client) -> bool:
    """`answers_to` for a full row: a document's client has the derived id of the URL."""
    return (client.registration == service.METADATA) == is_document_url(given)


def validated(url: str, document: Any) -> Metadata:
    """The draft's rules (section 4), then registration's own."""
    if not isinstance(document, dict):
        raise DocumentRefused("The client's metadata document must be a JSON object.")
    if document.get("client_id") != url:
        raise DocumentRefused(
            "The metadata document's client_id must equal the URL it was fetched from."
        )
    if "client_secret" in document or "client_secret_expires_at" in document:
        raise DocumentRefused("A client's metadata document must not contain a client secret.")
    method = document.get("token_endpoint_auth_method", "none")
    if method == "private_key_jwt":
        raise DocumentRefused(
            "token_endpoint_auth_method private_key_jwt is not supported here; "
            "use none (a public client with PKCE)."
        )
    if method != "none":
        raise DocumentRefused(
            "A metadata document's client must be public: token_endpoint_auth_method none "
            "(a published document cannot hold a shared secret)."
        )
    body = {k: v for k, v in document.items() if k != "client_id"}
    body["token_endpoint_auth_method"] = "none"
    try:
        return parse(body)
    except OAuth2Error as exc:
        raise DocumentRefused(f"The client's metadata document: {exc.description}") from exc


async def _fresh_or_allowed(server: AuthServer, client_id: str) -> bool:
    """True when the cached document is still fresh; otherwise whether fetching is allowed."""
    async with server.transaction(write=False) as session:
        cached = await repository.document(session, client_id)
        if cached is not None and cached.expires_at > utcnow():
            return True
        policy = await service.policy_of(session, service.DEFAULT_TENANT)
    if policy.mode is not Mode.OPEN:
        raise DocumentRefused(
            "This server does not accept client ID metadata documents now "
            "(its registration is not open)."
        )
    return False


async def ensure(server: AuthServer, client_id: str, *, ip: str) -> None:
    """Make sure a URL client_id's client is loaded and fresh; anything else passes as is."""
    settings = server.settings
    if not is_document_url(client_id):
        return
    if not settings.client_metadata_documents:
        raise DocumentRefused("This server does not accept client ID metadata documents.")
    derived = derived_id(client_id)
    if await _fresh_or_allowed(server, derived):
        return
    try:
        fetched = await fetch(client_id, Limits.of(settings))
    except FetchRefused as exc:
        raise DocumentRefused(str(exc)) from exc
    metadata = validated(client_id, fetched.document)
    now = utcnow()
    try:
        async with server.transaction(write=True) as session:
            await service.from_document(session, server.hash_key, derived, metadata, ip=ip)
            await repository.put_document(
                session,
                {
                    "client_id": derived,
                    "url": client_id,
                    "fetched_at": now,
                    "expires_at": now + timedelta(seconds=fetched.ttl),
                },
            )
    except IntegrityError:
        return  # a concurrent first use stored the same client a moment ago
    except OAuth2Error as exc:
        if isinstance(exc, DocumentRefused):
            raise
        raise DocumentRefused(exc.description) from exc


async def ensure_for_page(server: AuthServer, client_id: str | None, *, ip: str) -> None:
    """`ensure` at the authorization endpoint, whose refusals are pages for the person."""
    try:
        await ensure(server, client_id or "", ip=ip)
    except DocumentRefused as exc:
        raise ErrorPage(f"The app that sent you here cannot be used: {exc.description}") from exc
