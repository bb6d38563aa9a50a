"""Client authentication at the token, introspection and revocation endpoints.

Methods: client_secret_basic (RFC 6749 2.3.1), client_secret_post (what DocSpace's clients
send), and `none` for clients registered with allow_pkce, which prove possession with PKCE
instead. A client_id that is a URL is a metadata document's client (registration.documents),
resolved here, before anything reads it. A secret is compared in constant time against the
current hash and, during a grace period asked for at regeneration, the previous one.
Failures are counted per client_id and IP, the same key at all three endpoints
(state.client_secret_throttle_key); over the limit the pair gets 429 until the window ends.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote_plus

from docspace_oauth.audit.actions import Action, Outcome
from docspace_oauth.audit.service import defer, defer_unknown_client_failure
from docspace_oauth.models import utcnow
from docspace_oauth.oauth2 import repository
from docspace_oauth.oauth2.errors import InvalidClient, InvalidRequest, TooManyFailures
from docspace_oauth.oauth2.repository import ClientRecord
from docspace_oauth.oauth2.state import AuthServer, client_secret_throttle_key
from docspace_oauth.registration import documents
from docspace_oauth.security.hashing import keyed_hash_matches


class AuthMethod(StrEnum):
    BASIC = "client_secret_basic"
    POST = "client_secret_post"
    NONE = "none"


SUPPORTED_METHODS = [AuthMethod.BASIC.value, AuthMethod.POST.value, AuthMethod.NONE.value]


@dataclass(frozen=True, slots=True)
class Credentials:
    client_id: str
    secret: str | None
    method: AuthMethod


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    record: ClientRecord
    method: AuthMethod
    ip: str = ""

    @property
    def client_id(self) -> str:
        return self.record.client_id


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None  # another scheme is not a client credential here
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidClient("Malformed Basic credentials.") from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient("Malformed Basic credentials.")
    return unquote_plus(client_id), unquote_plus(secret)


def credentials(authorization: str | None, form: Mapping[str, str]) -> Credentials:
    """Which client claims to be calling, and how. Two methods at once is a bad request."""
    basic = _basic(authorization)
    form_id = form.get("client_id")
    form_secret = form.get("client_secret")
    if basic is not None:
        if form_secret is not None:
            raise InvalidRequest("Use one client authentication method, not two.")
        client_id, secret = basic
        if form_id is not None and form_id != client_id:
            raise InvalidRequest("client_id differs from the authenticated client.")
        return Credentials(client_id, secret, AuthMethod.BASIC)
    if not form_id:
        raise InvalidClient("Send client credentials (HTTP Basic, or client_id and secret).")
    if form_secret is not None:
        return Credentials(form_id, form_secret, AuthMethod.POST)
    return Credentials(form_id, None, AuthMethod.NONE)


def _secret_matches(hash_key: bytes, record: ClientRecord | None, secret: str) -> bool:
    """Two keyed hashes, always: for an unknown client too, so that the work done (and so the
    time taken) says nothing about whether the client exists or which secret matched."""
    current = keyed_hash_matches(hash_key, secret, record.secret_hash if record else None)
    previous_live = (
        record is not None
        and record.previous_secret_hash is not None
        and record.previous_secret_expires_at is not None
        and record.previous_secret_expires_at > utcnow()
    )
    previous = keyed_hash_matches(
        hash_key, secret, record.previous_secret_hash if record and previous_live else None
    )
    return record is not None and (current or previous)


async def authenticate(
    server: AuthServer,
    creds: Credentials,
    *,
    ip: str,
    allow_none: bool,
) -> AuthenticatedClient:
    throttle_key = client_secret_throttle_key(creds.client_id, ip)
    wait = server.client_auth_failures.blocked_for(throttle_key)
    if wait is not None:
        raise TooManyFailures(wait)
    # A URL client_id: its metadata document's client, loaded and fresh (or refused).
    await documents.ensure(server, creds.client_id, ip=ip)
    lookup = documents.lookup_id(creds.client_id)  # the canonical form only, or a URL's
    record = await repository.client_record(server.runtime.direct, lookup) if lookup else None
    if record is not None and not documents.answers_to(
        creds.client_id, record.client_id, record.metadata_url
    ):
        record = None  # a document's client by its derived id: unknown, as any other
    if creds.secret is not None:
        ok = _secret_matches(server.hash_key, record, creds.secret)
    else:
        ok = record is not None and allow_none and record.allow_pkce
    if not ok or record is None:
        # Written once the request is over (AuthServer.audited), whatever its transaction did.
        if record is None:
            defer_unknown_client_failure(ip=ip, client_id=creds.client_id)
        else:
            defer(
                Action.CLIENT_AUTH_FAILED,
                Outcome.FAILURE,
                tenant_id=record.tenant_id,
                ip=ip,
                client_id=creds.client_id[:64],
                details={"method": creds.method.value, "known_client": True},
            )
        wait = await server.client_auth_failures.failed(throttle_key)
        if wait is not None:
            raise TooManyFailures(wait)
        if record is not None and creds.secret is None:
            raise InvalidClient("This client must authenticate with its secret.")
        raise InvalidClient()
    return AuthenticatedClient(record, creds.method, ip)
