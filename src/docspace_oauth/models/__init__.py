"""ORM models. Importing this package registers every table on `Base.metadata`."""

from docspace_oauth.models.audit import AuditEvent
from docspace_oauth.models.base import Base, UTCDateTime, utcnow
from docspace_oauth.models.client import Client, ClientData, ClientRow
from docspace_oauth.models.consent import Consent
from docspace_oauth.models.device import DeviceAuthorization
from docspace_oauth.models.document import ClientDocument
from docspace_oauth.models.janitor import AuditPruneWindow, AuthFailureWindow, JanitorLease
from docspace_oauth.models.registration import (
    ClientRegistration,
    RegistrationPolicy,
    RegistrationToken,
)
from docspace_oauth.models.resource import Resource
from docspace_oauth.models.server_secret import ServerSecret
from docspace_oauth.models.session import (
    BackchannelLogout,
    EndReason,
    SessionClient,
    SignInSession,
)
from docspace_oauth.models.tenant import Tenant
from docspace_oauth.models.token import (
    AuthorizationCode,
    AuthorizationRequest,
    RefreshToken,
    RevokedAccessToken,
    SigningKey,
    TokenFamily,
)
from docspace_oauth.models.user import ApiKey, Role, User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditPruneWindow",
    "AuthFailureWindow",
    "AuthorizationCode",
    "AuthorizationRequest",
    "BackchannelLogout",
    "Base",
    "Client",
    "ClientData",
    "ClientDocument",
    "ClientRegistration",
    "ClientRow",
    "Consent",
    "DeviceAuthorization",
    "EndReason",
    "JanitorLease",
    "RefreshToken",
    "RegistrationPolicy",
    "RegistrationToken",
    "Resource",
    "RevokedAccessToken",
    "Role",
    "ServerSecret",
    "SessionClient",
    "SignInSession",
    "SigningKey",
    "Tenant",
    "TokenFamily",
    "UTCDateTime",
    "User",
    "utcnow",
]
