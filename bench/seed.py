"""Bulk seeding for the bench: rows written straight into the server's tables, fast.

PostgreSQL gets binary COPY (asyncpg's copy_records_to_table), SQLite one executemany per
batch inside one transaction. Every secret, code and refresh token is stored exactly as the
server stores it: `keyed_hash` under the hash key that `load_server_keys` derives for this
database and DOCSPACE_OAUTH_SECRET_KEY, so what is seeded here verifies as shipped.
Users and their API keys go through the server's own `users.service.create_user`.

Each seeded row is a mapping by column name; the columns, their order and their encodings
come from the models' tables (bench/tables.py), so a column the server adds later gets its
default or stops the bench, and never shifts the others.
"""

from __future__ import annotations

import itertools
import secrets
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Dialect, make_url

from bench.tables import layout, table_of
from docspace_oauth.db.engine import WRITE_TRANSACTION, create_engine, session_factory
from docspace_oauth.models import (
    AuthorizationCode,
    Client,
    Consent,
    RefreshToken,
    RevokedAccessToken,
    Role,
    TokenFamily,
)
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


class Seeder:
    """Opened on the server's database after the server created its schema."""

    def __init__(self, database_url: str, secret_key: str, issuer: str) -> None:
        self.database_url = database_url
        self.settings = Settings(database_url=database_url, secret_key=secret_key, issuer=issuer)
        self.is_postgres = database_url.startswith(("postgresql:", "postgres:"))
        # What the server's SQLAlchemy binds (asyncpg, or SQLite's text forms) is what COPY
        # and sqlite3 are given here.
        driver = "postgresql+asyncpg://" if self.is_postgres else "sqlite://"
        self.dialect: Dialect = make_url(driver).get_dialect()()
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
            import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

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

    async def copy(
        self,
        model: type[Any],
        rows: Iterable[Mapping[str, Any]],
        same: Mapping[str, Any] | None = None,
    ) -> None:
        """Rows into the model's table, each a mapping by column name; `same` holds the
        values every row shares (encoded once: a million rows share most of theirs)."""
        table = table_of(model)
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return
        plan = layout(table, self.dialect, same or {}, first.keys())
        records = plan.tuples(itertools.chain([first], iterator))
        if self._pg is not None:
            await self._pg.copy_records_to_table(
                table.name, records=records, columns=list(plan.names)
            )
            return
        assert self._lite is not None
        marks = ", ".join("?" * len(plan.names))
        sql = f"INSERT INTO {table.name} ({', '.join(plan.names)}) VALUES ({marks})"
        with self._lite:  # one transaction
            batch: list[tuple[Any, ...]] = []
            for record in records:
                batch.append(record)
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
        same = {
            "tenant_id": owner.tenant_id,
            "description": "A seeded app",
            "logo": LOGO,
            "website_url": "https://app.example.com",
            "terms_url": "https://app.example.com/terms",
            "policy_url": "https://app.example.com/privacy",
            "redirect_uris": [REDIRECT_URI],
            "allowed_origins": ["https://app.example.com"],
            "scopes": SCOPES,
            "grant_types": list(grant_types),
            "allow_pkce": False,
            "is_public": False,
            "enabled": True,
            "created_by": owner.user_id,
            "modified_by": owner.user_id,
        }

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(count):
                client_id = str(uuid.uuid4())
                secret = f"seeded{secrets.token_hex(17)}"
                if keep_secrets:
                    kept.append(SeededClient(client_id, secret))
                created = newest - step * i
                yield {
                    "client_id": client_id,
                    "name": f"Seeded app {i}",
                    "secret_hash": keyed_hash(self.hash_key, secret),
                    "created_on": created,
                    "modified_on": created,
                }

        await self.copy(Client, rows(), same)
        return kept

    # Consents, codes and token state, for one (client, user) pair.

    async def consent(self, client_id: str, user: SeededUser) -> None:
        row = {
            "client_id": client_id,
            "user_id": user.user_id,
            "tenant_id": user.tenant_id,
            "scopes": " ".join(SCOPES),
            "revoked": False,
            "generation": 0,
            "modified_at": datetime.now(UTC),
        }
        await self.copy(Consent, [row])

    async def _grant(self, client_id: str, user: SeededUser) -> dict[str, Any]:
        """What a code and a token family of the pair both record about the grant."""
        return {
            "client_id": client_id,
            "user_id": user.user_id,
            "tenant_id": user.tenant_id,
            "scopes": " ".join(SCOPES),
            "generation": 0,
            "user_name": "Bench user",
            "user_email": user.email,
            "audience": await self.tenant_url(user.tenant_id),
        }

    async def codes(self, client_id: str, user: SeededUser, count: int) -> list[str]:
        """Unused authorization codes (no PKCE; the client authenticates with its secret),
        valid for an hour. Returns the raw codes."""
        grant = await self._grant(client_id, user)
        now = datetime.now(UTC)
        raw = [secrets.token_urlsafe(32) for _ in range(count)]
        same = {
            **grant,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": None,
            "created_at": now,
            "expires_at": now + timedelta(hours=1),
            "used_at": None,
            "family_id": None,
        }
        await self.copy(
            AuthorizationCode, ({"code_hash": keyed_hash(self.hash_key, c)} for c in raw), same
        )
        return raw

    async def live_tokens(
        self, client_id: str, user: SeededUser, count: int, *, keep: bool = False
    ) -> list[str]:
        """`count` live grants for the pair: one token family and one unused refresh token
        each (access tokens are JWTs and are not stored). Returns the raw refresh tokens
        when asked for."""
        grant = await self._grant(client_id, user)
        now = datetime.now(UTC)
        families = [str(uuid.uuid4()) for _ in range(count)]
        raw = [secrets.token_urlsafe(32) for _ in range(count)]
        family = {**grant, "created_at": now, "revoked_at": None}
        await self.copy(TokenFamily, ({"id": f} for f in families), family)
        refresh = {
            "client_id": client_id,
            "created_at": now,
            "expires_at": now + timedelta(days=30),
            "used_at": None,
        }
        rows = (
            {"token_hash": keyed_hash(self.hash_key, token), "family_id": family_id}
            for token, family_id in zip(raw, families, strict=True)
        )
        await self.copy(RefreshToken, rows, refresh)
        return raw if keep else []

    async def expired_grants(self, client_id: str, user: SeededUser, count: int) -> int:
        """What months of traffic leave behind for the janitor: `count` each of spent codes,
        refresh tokens expired long ago, the families they belonged to, and revoked jtis of
        access tokens long expired. Returns the number of rows written."""
        grant = await self._grant(client_id, user)
        old = datetime.now(UTC) - timedelta(days=90)
        families = [str(uuid.uuid4()) for _ in range(count)]
        await self.copy(
            TokenFamily,
            ({"id": f} for f in families),
            {**grant, "created_at": old, "revoked_at": None},
        )
        spent = {"client_id": client_id, "created_at": old, "expires_at": old, "used_at": old}
        await self.copy(
            RefreshToken,
            ({"token_hash": secrets.token_hex(32), "family_id": f} for f in families),
            spent,
        )
        code = {
            **grant,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": None,
            "created_at": old,
            "expires_at": old,
            "used_at": old,
        }
        await self.copy(
            AuthorizationCode,
            ({"code_hash": secrets.token_hex(32), "family_id": f} for f in families),
            code,
        )
        await self.copy(
            RevokedAccessToken,
            ({"jti": secrets.token_hex(16)} for _ in range(count)),
            {"expires_at": old},
        )
        return 4 * count


async def count_rows(seeder: Seeder, table: str) -> int:
    return int(await seeder.scalar(f"SELECT count(*) FROM {table}"))


__all__ = ["REDIRECT_URI", "SCOPES", "SeededClient", "SeededUser", "Seeder", "count_rows"]
