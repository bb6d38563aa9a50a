"""What each table keeps, and why the rest can go.

Every rule keeps a row for as long as it can still change an answer the server gives. The
margins come from the token lifetimes, because an access token is a self-contained JWT that
is checked against these rows until it expires:

- a token family (revoked or not) stays while any access token it issued may be presented:
  deleting a revoked family would make its access tokens look unrevoked. So it goes only when
  none of its refresh tokens is left and it is older than one access-token lifetime;
- a refresh token (spent or not) stays until one access-token lifetime after it expired:
  spent ones are what detects reuse, and the access token issued with the last rotation must
  have expired before the family may go;
- a code, and a device authorization (RFC 8628), stays one access-token lifetime after it
  expired, so a late replay still revokes what it issued;
- an initial access token (RFC 7591 §3) goes once it expired: it admits nobody after that,
  used up or not, and the admins' list shows only what can still be used;
- a revoked jti stays until the token it names has expired; a retired signing key until the
  tokens it signed have (it leaves the JWKS then anyway);
- a session key (the sign-in cookie) goes once it expired or was revoked, and the sign-in
  session it stands for with it (ON DELETE CASCADE);
- an audit event stays for DOCSPACE_OAUTH_AUDIT_RETENTION_DAYS, and so do the aggregated
  failures of unknown clients, and a back-channel logout that was given up (the record of
  what a client was never told; one delivered is deleted at once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, Table, and_, exists, or_, select
from sqlalchemy.sql.schema import Column

from docspace_oauth.models import (
    ApiKey,
    AuditEvent,
    AuthFailureWindow,
    AuthorizationCode,
    AuthorizationRequest,
    BackchannelLogout,
    DeviceAuthorization,
    RefreshToken,
    RegistrationToken,
    RevokedAccessToken,
    SigningKey,
    TokenFamily,
)
from docspace_oauth.oauth2.keys import CLOCK_SKEW, publication_window
from docspace_oauth.settings import Settings


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """The instants the rules compare with, computed once per run."""

    now: datetime
    token_margin: datetime  # now, less one access-token lifetime and the clock skew
    retired_key: datetime
    audit: datetime

    @classmethod
    def at(cls, now: datetime, settings: Settings) -> Cutoffs:
        access = timedelta(seconds=settings.access_token_ttl_seconds)
        return cls(
            now=now,
            token_margin=now - access - CLOCK_SKEW,
            retired_key=now - publication_window(settings.access_token_ttl_seconds),
            audit=now - timedelta(days=settings.audit_retention_days),
        )


@dataclass(frozen=True, slots=True)
class Rule:
    table: Table
    key: Column[object]  # a unique column, walked in order so each batch starts after the last
    prunable: Callable[[Cutoffs], ColumnElement[bool]]
    # Audit rows need the append-only trigger's window (see service.prune_batch).
    audit: bool = False

    @property
    def name(self) -> str:
        return self.table.name


def _family_prunable(c: Cutoffs) -> ColumnElement[bool]:
    return and_(
        TokenFamily.created_at < c.token_margin,
        # No refresh token of it that the refresh-token rule keeps (the same condition, so a
        # dry run, before those are deleted, counts what the real run deletes).
        ~exists().where(
            RefreshToken.family_id == TokenFamily.id, RefreshToken.expires_at >= c.token_margin
        ),
    )


def _table(model: type[object]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def _column(model: type[object], name: str) -> Column[object]:
    return _table(model).c[name]


# In order: refresh tokens before the families they keep alive.
RULES: tuple[Rule, ...] = (
    Rule(
        _table(AuthorizationRequest),
        _column(AuthorizationRequest, "id"),
        lambda c: AuthorizationRequest.expires_at < c.now,
    ),
    Rule(
        _table(AuthorizationCode),
        _column(AuthorizationCode, "code_hash"),
        lambda c: AuthorizationCode.expires_at < c.token_margin,
    ),
    Rule(
        _table(DeviceAuthorization),
        _column(DeviceAuthorization, "device_code_hash"),
        lambda c: DeviceAuthorization.expires_at < c.token_margin,
    ),
    Rule(
        _table(RefreshToken),
        _column(RefreshToken, "token_hash"),
        lambda c: RefreshToken.expires_at < c.token_margin,
    ),
    Rule(_table(TokenFamily), _column(TokenFamily, "id"), _family_prunable),
    Rule(
        _table(RevokedAccessToken),
        _column(RevokedAccessToken, "jti"),
        lambda c: RevokedAccessToken.expires_at < c.now - CLOCK_SKEW,
    ),
    Rule(
        _table(RegistrationToken),
        _column(RegistrationToken, "id"),
        lambda c: RegistrationToken.expires_at < c.now,
    ),
    Rule(
        _table(ApiKey),
        _column(ApiKey, "key_hash"),
        lambda c: and_(
            ApiKey.kind == "session",
            or_(ApiKey.expires_at < c.now, ApiKey.revoked_at < c.now - CLOCK_SKEW),
        ),
    ),
    Rule(
        _table(SigningKey),
        _column(SigningKey, "seq"),
        # Never the signing key: only a retired one has retired_at.
        lambda c: SigningKey.retired_at < c.retired_key,
    ),
    Rule(
        _table(AuditEvent),
        _column(AuditEvent, "id"),
        lambda c: AuditEvent.occurred_at < c.audit,
        audit=True,
    ),
    Rule(
        _table(AuthFailureWindow),
        _column(AuthFailureWindow, "id"),
        lambda c: AuthFailureWindow.window_start < c.audit,
    ),
    Rule(
        _table(BackchannelLogout),
        _column(BackchannelLogout, "id"),
        lambda c: BackchannelLogout.given_up_at < c.audit,
    ),
)


def candidates(rule: Rule, cutoffs: Cutoffs, *, after: object | None, limit: int) -> Select[object]:
    """The next batch's keys: the first `limit` prunable rows after the last batch's."""
    query = select(rule.key).where(rule.prunable(cutoffs))
    if after is not None:
        query = query.where(rule.key > after)
    return query.order_by(rule.key).limit(limit)
