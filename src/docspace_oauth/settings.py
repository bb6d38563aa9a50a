"""The one settings object: every knob is an environment variable prefixed DOCSPACE_OAUTH_."""

from __future__ import annotations

import ipaddress
import ssl
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class UnsafeProductionSettings(RuntimeError):
    """Raised when production mode is asked for with a default that is only fit for a laptop."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCSPACE_OAUTH_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'docspace-oauth.db'}",
        description="sqlite:///path or postgresql://user@host/db; the async driver is implied.",
    )
    issuer: str = "http://127.0.0.1:8000"
    # Key for the HS256 `x-signature` JWTs a DocSpace portal mints; unset disables that scheme.
    signature_secret: str | None = None
    # Pepper for keyed hashes and key-encryption key. Unset: generated on first start and
    # kept in the database, which is fine for a quickstart and refused in production.
    secret_key: str | None = None
    production: bool = False

    rate_limit_enabled: bool = True
    rate_limit_get: int = 200
    rate_limit_post: int = 10
    rate_limit_put: int = 15
    rate_limit_window_seconds: int = 60
    redis_url: str | None = None

    # Sizes that keep hostile bodies from costing memory; a logo is at most 256,000 bytes
    # decoded, which is ~341 KiB of base64, so 1 MiB leaves room for everything else.
    max_body_bytes: int = 1024 * 1024
    # The listener's limits on a request's header fields (ops/listener.py): their total size
    # (also what uvicorn's h11 buffers of an incomplete head) and their number. Browsers send
    # 1-3 KiB; nginx's large_client_header_buffers allows 32 KiB in lines of 8 KiB.
    max_header_bytes: int = Field(default=16 * 1024, ge=4096)
    max_header_count: int = Field(default=100, ge=20)

    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_seconds: int = 60 * 24 * 3600
    authorization_code_ttl_seconds: int = 60
    # Refresh reuse grace (oauth2/grace.py): for this many seconds after a refresh token was
    # rotated, a retry with it gets the same new pair again, at most `count` times. 0: strict
    # (any reuse revokes the grant), the default and what RFC 9700 4.14.2 describes.
    refresh_reuse_grace_seconds: int = Field(default=0, ge=0, le=300)
    refresh_reuse_grace_count: int = Field(default=5, ge=1, le=100)
    # The device authorization grant (RFC 8628, oauth2/device.py): how long a device code
    # lives, the polling interval a device is told (and held to), and wrong user codes
    # allowed per window, per session and per address, before 429.
    device_code_ttl_seconds: int = Field(default=600, ge=1, le=3600)
    device_poll_interval_seconds: int = Field(default=5, ge=1, le=60)
    device_code_failure_limit: int = Field(default=10, ge=1)
    cookie_secure: bool = False

    # The authorization server (docs/oauth.md).
    signing_alg: Literal["ES256", "RS256"] = "ES256"  # for keys created from now on
    session_ttl_seconds: int = 12 * 3600  # the sign-in page's asc_auth_key cookie
    authorization_request_ttl_seconds: int = 600  # a request waiting on the consent page
    # Failed client authentications (per client_id and IP) and failed sign-ins (per email and
    # IP) allowed per window before 429; counted only when rate limiting is enabled.
    client_auth_failure_limit: int = 20
    sign_in_failure_limit: int = 10
    auth_failure_window_seconds: int = 60
    # Back-Channel Logout (sessions.delivery): each POST's timeout, the first retry's delay
    # (doubled for each further one, at most an hour), the tries before giving up, and how
    # often `serve` looks for deliveries due (0: never; the tokens wait in the database).
    backchannel_logout_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    backchannel_logout_retry_seconds: float = Field(default=2.0, gt=0)
    backchannel_logout_max_attempts: int = Field(default=10, ge=1, le=50)
    backchannel_logout_poll_seconds: float = Field(default=1.0, ge=0)

    # Housekeeping (docspace_oauth.janitor, `docspace-oauth prune`): how long the audit trail
    # keeps an event, how often `serve` prunes (one instance at a time; 0: never, leave it to
    # a scheduled `prune`), and how many rows one of its transactions deletes.
    audit_retention_days: int = Field(default=400, ge=1)
    prune_interval_seconds: int = Field(default=3600, ge=0)
    prune_batch_size: int = Field(default=2000, ge=1, le=20_000)

    # Client ID metadata documents (registration/documents.py): a client_id that is an https
    # URL is fetched as the client's metadata. Each fetch's limits (the draft suggests 5 KiB),
    # and how long a document is cached: its HTTP caching headers, held between the floor and
    # the ceiling. `allow_loopback` lets tests serve documents from 127.0.0.1 (plain http
    # included, loopback only); production mode refuses it. `ca_file` (PEM) adds CAs the
    # fetch trusts besides the public ones: a private CA, or the tests' local https server.
    client_metadata_documents: bool = True
    client_metadata_max_bytes: int = Field(default=5 * 1024, ge=512, le=64 * 1024)
    client_metadata_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    client_metadata_min_ttl_seconds: int = Field(default=60, ge=1)
    client_metadata_max_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    client_metadata_allow_loopback: bool = False
    # PEM file of CAs the document fetch trusts beside the public roots (certifi): a private
    # PKI, or a test's own CA (an https document on localhost, as the MCP SDK needs).
    client_metadata_ca_file: str | None = None

    # Bearer token a Prometheus scraper sends to read /metrics. Unset: /metrics answers only
    # loopback clients, and in production nobody (docs/security.md).
    metrics_token: str | None = None

    # Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For and
    # X-Forwarded-Proto the listener believes (ops/listener.py). Unset: nobody's; the peer
    # is the client. Behind a load balancer, name it, or every caller is the balancer.
    trusted_proxies: str | None = None

    @field_validator("trusted_proxies")
    @classmethod
    def _canonical_proxies(cls, value: str | None) -> str | None:
        # Refused at start rather than silently never matching: uvicorn takes an entry it
        # cannot parse (a typo, 10.0.0.1/8 with host bits) as a literal that no peer equals,
        # and "*" as trust in everyone, whose X-Forwarded-For it reads from the left.
        entries = [entry.strip() for entry in (value or "").split(",") if entry.strip()]
        canonical = []
        for entry in entries:
            try:
                network = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"DOCSPACE_OAUTH_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR"
                    " (name each proxy's address or network; '*' is not accepted)"
                ) from None
            canonical.append(
                str(network.network_address) if network.num_addresses == 1 else str(network)
            )
        return ",".join(canonical) or None

    @field_validator("client_metadata_ca_file")
    @classmethod
    def _loadable_ca_file(cls, value: str | None) -> str | None:
        # Refused at start, not at the first fetch (where it would fail every document).
        if value:
            try:
                ssl.create_default_context(cafile=value)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError(
                    f"DOCSPACE_OAUTH_CLIENT_METADATA_CA_FILE: cannot load {value!r} ({exc})"
                ) from None
        return value or None

    @property
    def trusted_proxy_list(self) -> list[str]:
        return self.trusted_proxies.split(",") if self.trusted_proxies else []

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if not self.production:
            return self
        problems = []
        if not self.secret_key or len(self.secret_key) < 32:
            problems.append("DOCSPACE_OAUTH_SECRET_KEY must be set to at least 32 characters")
        if not self.issuer.startswith("https://"):
            problems.append("DOCSPACE_OAUTH_ISSUER must be an https:// URL")
        if not self.rate_limit_enabled:
            problems.append("DOCSPACE_OAUTH_RATE_LIMIT_ENABLED must stay true")
        if self.signature_secret is not None and len(self.signature_secret) < 32:
            problems.append("DOCSPACE_OAUTH_SIGNATURE_SECRET must be at least 32 characters")
        if self.metrics_token is not None and len(self.metrics_token) < 32:
            problems.append("DOCSPACE_OAUTH_METRICS_TOKEN must be at least 32 characters")
        if self.client_metadata_allow_loopback:
            problems.append("DOCSPACE_OAUTH_CLIENT_METADATA_ALLOW_LOOPBACK is for tests only")
        if problems:
            raise UnsafeProductionSettings("production mode refused: " + "; ".join(problems))
        return self

    @property
    def issuer_url(self) -> str:
        return self.issuer.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
