"""Python SDK for the DocSpace OAuth 2.0 client-management API.

Speaks the ONLYOFFICE DocSpace wire contract, so it works against this
project's server and against a DocSpace portal alike.
"""

from ._async_client import AsyncClient
from ._auth import DocSpaceAuth
from ._client import Client
from ._errors import (
    APIError,
    AuthenticationError,
    ConflictError,
    DocSpaceOAuthError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    RateLimitError,
    ServerError,
    TransportError,
    UnexpectedResponseError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from ._models import (
    AuditEvent,
    ClientInfoResponse,
    ClientResponse,
    ClientSecretResponse,
    Consent,
    CreateClientRequest,
    ScopeResponse,
    SessionClient,
    SignInSession,
    UpdateClientRequest,
)
from ._retry import RetryPolicy

__all__ = [
    "APIError",
    "AsyncClient",
    "AuditEvent",
    "AuthenticationError",
    "Client",
    "ClientInfoResponse",
    "ClientResponse",
    "ClientSecretResponse",
    "ConflictError",
    "Consent",
    "CreateClientRequest",
    "DocSpaceAuth",
    "DocSpaceOAuthError",
    "FieldError",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitError",
    "RetryPolicy",
    "ScopeResponse",
    "ServerError",
    "SessionClient",
    "SignInSession",
    "TransportError",
    "UnexpectedResponseError",
    "UnsupportedMediaTypeError",
    "UpdateClientRequest",
    "ValidationError",
]
