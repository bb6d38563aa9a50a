"""The peer: Authlib's Flask authorization server doing the same work as docspace-oauth.

Set up the way Authlib's documentation shows (SQLAlchemy client model from
`authlib.integrations.sqla_oauth2`, `AuthorizationServer` with `ClientCredentialsGrant`),
with RFC 9068 JWT access tokens signed ES256 (`JWTBearerTokenGenerator`) and
`JWTIntrospectionEndpoint`, so the work per request matches docspace-oauth's:

- token: authenticate the client (client_secret_basic, one SELECT), sign an ES256 JWT,
  store nothing (docspace-oauth stores no access tokens either);
- introspection: authenticate the calling client (one SELECT), verify the JWT, and check
  that the token's client still exists (one SELECT; docspace-oauth reads the client, its
  consent and revocation state in one statement).

It runs in its own virtualenv (bench/.peer-venv, made by bench/run.py from
bench/peer/requirements.txt) under gunicorn, on the same PostgreSQL as the server.

    PEER_DATABASE_URL=postgresql+psycopg://... PEER_ISSUER=... PEER_JWK='{"keys":[...]}'
    python app.py init CLIENT_ID SECRET     # create the table and the client
    gunicorn -w 2 app:app
"""

# Authlib ships no type information, so its classes are Any here, and subclassing them is
# how Authlib's documentation sets the server up: allowed in this one file.
# mypy: disallow-subclassing-any=False

from __future__ import annotations

import json
import os
import sys
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer  # type: ignore[import-untyped]  # Authlib is untyped
from authlib.integrations.sqla_oauth2 import (  # type: ignore[import-untyped]  # Authlib is untyped
    OAuth2ClientMixin,
    create_query_client_func,
)
from authlib.oauth2.rfc6749 import grants  # type: ignore[import-untyped]  # Authlib is untyped
from authlib.oauth2.rfc9068 import (  # type: ignore[import-untyped]  # Authlib is untyped
    JWTBearerTokenGenerator,
    JWTIntrospectionEndpoint,
)
from flask import Flask
from sqlalchemy import Column, Integer, create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

ISSUER = os.environ["PEER_ISSUER"]
JWKS: dict[str, Any] = json.loads(os.environ["PEER_JWK"])
PUBLIC_JWKS = {"keys": [{k: v for k, v in key.items() if k != "d"} for key in JWKS["keys"]]}

engine = create_engine(os.environ["PEER_DATABASE_URL"], pool_size=10, max_overflow=10)
db = scoped_session(sessionmaker(bind=engine))


class Base(DeclarativeBase):
    pass


class Client(Base, OAuth2ClientMixin):
    __tablename__ = "oauth2_client"
    id = Column(Integer, primary_key=True)


class TokenGenerator(JWTBearerTokenGenerator):
    def get_jwks(self) -> dict[str, Any]:
        return JWKS


class Introspection(JWTIntrospectionEndpoint):
    def get_jwks(self) -> dict[str, Any]:
        return PUBLIC_JWKS

    def check_permission(self, token: Any, client: Any, request: Any) -> bool:
        # The token's client must still exist (docspace-oauth: a deleted client's tokens die).
        return db.query(Client.id).filter_by(client_id=token["client_id"]).first() is not None


def save_token(token: dict[str, Any], request: Any) -> None:
    """JWT access tokens are self-contained: nothing to store (as in docspace-oauth)."""


app = Flask(__name__)
server = AuthorizationServer(
    app, query_client=create_query_client_func(db, Client), save_token=save_token
)
server.register_grant(grants.ClientCredentialsGrant)
server.register_token_generator("default", TokenGenerator(issuer=ISSUER, alg="ES256"))
server.register_endpoint(Introspection(issuer=ISSUER))


@app.teardown_appcontext
def _remove_session(exc: BaseException | None = None) -> None:
    db.remove()


@app.post("/oauth/token")
def issue_token() -> Any:
    return server.create_token_response()


@app.post("/oauth/introspect")
def introspect() -> Any:
    return server.create_endpoint_response("introspection")


def init(client_id: str, secret: str) -> None:
    Base.metadata.create_all(engine)
    client = Client(client_id=client_id, client_secret=secret, client_id_issued_at=0)
    client.set_client_metadata(
        {
            "client_name": "bench",
            "grant_types": ["client_credentials"],
            "scope": "files:read",
            "token_endpoint_auth_method": "client_secret_basic",
        }
    )
    db.add(client)
    db.commit()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "init":
        init(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: app.py init CLIENT_ID SECRET")
