"""Bulk seeding for the bench: rows written straight into the server's tables, fast.

PostgreSQL gets binary COPY (asyncpg's copy_records_to_table), SQLite one executemany per
batch inside one transaction. Every secret, code and refresh token is stored exactly as the
server stores it: `keyed_hash` under the hash key that `load_server_keys` derives for this
database and DOCSPACE_OAUTH_SECRET_KEY, so what is seeded here verifies as shipped.
Users and their API keys go through the server's own `users.service.create_user`.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from docspace_oauth.db.engine import WRITE_TRANSACTION, create_engine, session_factory
from docspace_oauth.models import Role
from docspace_oauth.security.hashing import keyed_hash
from docspace_oauth.security.server_keys import load_server_keys
from docspace_oauth.settings import Settings
from docspace_oauth.users import service as users

REDIRECT_URI = "https://app.example.com/callback"
SCOPES = ["files:read", "openid"]
ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials"]
# The smallest valid PNG, as the tests' clients carry it: list pages return logos.
LOGO = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

CLIENT_COLUMNS = (
    "client_id",
    "tenant_id",
    "name",
    "description",
    "logo",
    "website_url",
    "terms_url",
    "policy_url",
    "logout_redirect_uri",
    "redirect_uris",
    "allowed_origins",
    "scopes",
    "grant_types",
    "allow_pkce",
    "is_public",
    "enabled",
    "secret_hash",
    "previous_secret_hash",
    "previous_secret_expires_at",
    "created_on",
    "created_by",
    "modified_on",
    "modified_by",
)
CODE_COLUMNS = (
    "code_hash",
    "client_id",
    "user_id",
    "tenant_id",
    "redirect_uri",
    "scopes",
    "nonce",
    "code_challenge",
    "generation",
    "user_name",
    "user_email",
    "audience",
    "created_at",
    "expires_at",
    "used_at",
    "family_id",
)
FAMILY_COLUMNS = (
    "id",
    "client_id",
    "user_id",
    "tenant_id",
    "scopes",
    "generation",
    "nonce",
    "user_name",
    "user_email",
    "audience",
    "created_at",
    "revoked_at",
)
REFRESH_COLUMNS = ("token_hash", "family_id", "client_id", "created_at", "expires_at", "used_at")
CONSENT_COLUMNS = (
    "client_id",
    "user_id",
    "tenant_id",
    "scopes",
    "revoked",
    "generation",
    "modified_at",
)


@dataclass(frozen=True, slots=True)
class SeededUser:
    user_id: str
    tenant_id: int
    email: str
    api_key: str


@dataclass(frozen=True, slots=True)
class SeededClient:
    client_id: str
    secret: str


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


class Seeder:
    """Opened on the server's database after the server created its schema."""

    def __init__(self, database_url: str, secret_key: str, issuer: str) -> None:
        self.database_url = database_url
        self.settings = Settings(database_url=database_url, secret_key=secret_key, issuer=issuer)
        self.is_postgres = database_url.startswith(("postgresql:", "postgres:"))
        self.hash_key = b""
        self._pg: Any = None
        self._lite: sqlite3.Connection | None = None

    async def open(self) -> None:
        engine = create_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                self.hash_key = (await load_server_keys(session, self.settings)).hash_key
        finally:
            await engine.dispose()
        if self.is_postgres:
            import asyncpg

            self._pg = await asyncpg.connect(
                self.database_url.replace("postgresql://", "postgres://", 1)
            )
        else:
            self._lite = sqlite3.connect(self.database_url.removeprefix("sqlite:///"))
            self._lite.execute("PRAGMA busy_timeout=30000")

    async def close(self) -> None:
        if self._pg is not None:
            await self._pg.close()
        if self._lite is not None:
            self._lite.close()

    # Value formats: COPY takes Python values, SQLite the text SQLAlchemy would have written.

    def ts(self, value: datetime) -> Any:
        naive = _naive(value)
        return naive if self.is_postgres else naive.strftime("%Y-%m-%d %H:%M:%S.%f")

    def js(self, value: Any) -> str:
        return json.dumps(value)

    def flag(self, value: bool) -> Any:
        return value if self.is_postgres else int(value)

    async def copy(
        self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        if self._pg is not None:
            await self._pg.copy_records_to_table(table, records=rows, columns=list(columns))
            return
        assert self._lite is not None
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        with self._lite:  # one transaction
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 50_000:
                    self._lite.executemany(sql, batch)
                    batch.clear()
            if batch:
                self._lite.executemany(sql, batch)

    async def execute(self, sql: str) -> None:
        if self._pg is not None:
            await self._pg.execute(sql)
        else:
            assert self._lite is not None
            with self._lite:
                self._lite.execute(sql)

    async def analyze(self) -> None:
        """What autovacuum (or SQLite's optimizer stats) would have done on a real database."""
        await self.execute("ANALYZE")

    async def settle(self) -> None:
        """Write the bulk load out (checkpoint), so that it is not the next request's cost."""
        if self._pg is not None:
            await self._pg.execute("CHECKPOINT")
        else:
            assert self._lite is not None
            self._lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def scalar(self, sql: str) -> Any:
        if self._pg is not None:
            return await self._pg.fetchval(sql)
        assert self._lite is not None
        cursor = self._lite.execute(sql)
        try:
            return cursor.fetchone()[0]
        finally:
            cursor.close()  # no read transaction left open behind the server's writers

    # Users, through the server's own service (API keys hashed as the server hashes them).

    async def user(self, email: str, role: Role, tenant_id: int) -> SeededUser:
        engine = create_engine(self.database_url)
        try:
            async with session_factory(engine)() as session:
                # As the server does: a transaction that will write takes the lock up front.
                await session.connection(execution_options=WRITE_TRANSACTION)
                created = await users.create_user(
                    session,
                    self.hash_key,
                    email=email,
                    role=role,
                    tenant_id=tenant_id,
                    issuer=self.settings.issuer_url,
                )
                await session.commit()
                return SeededUser(created.user.id, tenant_id, email, created.api_key)
        finally:
            await engine.dispose()

    async def tenant_url(self, tenant_id: int) -> str:
        value = await self.scalar(f"SELECT url FROM tenants WHERE id = {int(tenant_id)}")
        return str(value)

    # Clients.

    async def clients(
        self,
        owner: SeededUser,
        count: int,
        *,
        newest: datetime | None = None,
        step: timedelta = timedelta(milliseconds=1),
        grant_types: Sequence[str] = ALL_GRANTS,
        keep_secrets: bool = False,
    ) -> list[SeededClient]:
        """`count` clients of the owner's tenant, created_on one `step` apart, newest first.
        Each has its own secret; the secrets are returned only when asked for."""
        newest = newest or datetime.now(UTC) - timedelta(seconds=1)
        kept: list[SeededClient] = []
        constant = (
            "",
            self.js(["https://app.example.com"]),
            self.js(SCOPES),
            self.js(list(grant_types)),
        )
        redirect = self.js([REDIRECT_URI])

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(count):
                client_id = str(uuid.uuid4())
                secret = f"seeded{secrets.token_hex(17)}"
                if keep_secrets:
                    kept.append(SeededClient(client_id, secret))
                created = self.ts(newest - step * i)
                yield (
                    client_id,
                    owner.tenant_id,
                    f"Seeded app {i}",
                    "A seeded app",
                    LOGO,
                    "https://app.example.com",
                    "https://app.example.com/terms",
                    "https://app.example.com/privacy",
                    constant[0],
                    redirect,
                    constant[1],
                    constant[2],
                    constant[3],
                    self.flag(False),
                    self.flag(False),
                    self.flag(True),
                    keyed_hash(self.hash_key, secret),
                    None,
                    None,
                    created,
                    owner.user_id,
                    created,
                    owner.user_id,
                )

        await self.copy("clients", CLIENT_COLUMNS, rows())
        return kept

    # Consents, codes and token state, for one (client, user) pair.

    async def consent(self, client_id: str, user: SeededUser) -> None:
        now = self.ts(datetime.now(UTC))
        await self.copy(
            "consents",
            CONSENT_COLUMNS,
            [(client_id, user.user_id, user.tenant_id, " ".join(SCOPES), self.flag(False), 0, now)],
        )

    async def codes(self, client_id: str, user: SeededUser, count: int) -> list[str]:
        """Unused authorization codes (no PKCE; the client authenticates with its secret),
        valid for an hour. Returns the raw codes."""
        audience = await self.tenant_url(user.tenant_id)
        now = datetime.now(UTC)
        created, expires = self.ts(now), self.ts(now + timedelta(hours=1))
        raw = [secrets.token_urlsafe(32) for _ in range(count)]
        await self.copy(
            "authorization_codes",
            CODE_COLUMNS,
            (
                (
                    keyed_hash(self.hash_key, code),
                    client_id,
                    user.user_id,
                    user.tenant_id,
                    REDIRECT_URI,
                    " ".join(SCOPES),
                    None,
                    None,
                    0,
                    "Bench user",
                    user.email,
                    audience,
                    created,
                    expires,
                    None,
                    None,
                )
                for code in raw
            ),
        )
        return raw

    async def live_tokens(
        self, client_id: str, user: SeededUser, count: int, *, keep: bool = False
    ) -> list[str]:
        """`count` live grants for the pair: one token family and one unused refresh token
        each (access tokens are JWTs and are not stored). Returns the raw refresh tokens
        when asked for."""
        audience = await self.tenant_url(user.tenant_id)
        now = datetime.now(UTC)
        created, expires = self.ts(now), self.ts(now + timedelta(days=30))
        families = [str(uuid.uuid4()) for _ in range(count)]
        raw = [secrets.token_urlsafe(32) for _ in range(count)]
        await self.copy(
            "token_families",
            FAMILY_COLUMNS,
            (
                (
                    family,
                    client_id,
                    user.user_id,
                    user.tenant_id,
                    " ".join(SCOPES),
                    0,
                    None,
                    "Bench user",
                    user.email,
                    audience,
                    created,
                    None,
                )
                for family in families
            ),
        )
        await self.copy(
            "refresh_tokens",
            REFRESH_COLUMNS,
            (
                (keyed_hash(self.hash_key, token), family, client_id, created, expires, None)
                for token, family in zip(raw, families, strict=True)
            ),
        )
        return raw if keep else []


async def count_rows(seeder: Seeder, table: str) -> int:
    return int(await seeder.scalar(f"SELECT count(*) FROM {table}"))


__all__ = ["REDIRECT_URI", "SCOPES", "SeededClient", "SeededUser", "Seeder", "count_rows"]
