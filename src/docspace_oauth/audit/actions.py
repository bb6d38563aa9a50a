"""Every action the audit trail knows; filters accept exactly these."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    CLIENT_CREATE = "client.create"
    CLIENT_UPDATE = "client.update"
    CLIENT_DELETE = "client.delete"
    CLIENT_ACTIVATION = "client.activation"
    CLIENT_REGENERATE_SECRET = "client.regenerate_secret"
    CLIENTS_DELETE_OWN = "clients.delete_own"
    CLIENTS_DELETE_TENANT = "clients.delete_tenant"
    CONSENT_REVOKE = "consent.revoke"
    CONSENT_GRANT = "consent.grant"
    CLIENT_AUTH_FAILED = "client_auth.failed"
    REFRESH_TOKEN_REUSE = "refresh_token.reuse"
    AUTHORIZATION_CODE_REPLAY = "authorization_code.replay"
    TOKEN_REVOKE = "token.revoke"
    SIGN_IN_FAILED = "sign_in.failed"
    REGISTRATION_POLICY = "registration.policy"
    REGISTRATION_TOKEN_ISSUE = "registration.token_issue"
    REGISTRATION_TOKEN_DELETE = "registration.token_delete"
    SESSION_END = "session.end"


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"
