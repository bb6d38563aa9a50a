"""Authorization server metadata (RFC 8414) and OpenID Provider metadata, one document.

Every URL is built from the configured issuer (DOCSPACE_OAUTH_ISSUER), never from the
request, so a client always sees the same, canonical endpoints.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from docspace_oauth.clients.schemas import GrantType
from docspace_oauth.oauth2.authorize import PROMPTS
from docspace_oauth.oauth2.client_auth import SUPPORTED_METHODS
from docspace_oauth.oauth2.keys import SUPPORTED_ALGS
from docspace_oauth.oauth2.logout import LOGOUT_PATH
from docspace_oauth.scopes.catalogue import CATALOGUE


@lru_cache(maxsize=8)
def metadata(issuer: str, documents: bool = True) -> dict[str, Any]:
    """`documents`: whether client ID metadata documents are accepted (a setting)."""
    answer: dict[str, Any] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth2/authorize",
        "token_endpoint": f"{issuer}/oauth2/token",
        "userinfo_endpoint": f"{issuer}/oauth2/userinfo",
        "jwks_uri": f"{issuer}/oauth2/jwks",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        # RFC 7591: open to whom each tenant's policy says (docs/oauth.md, Registration).
        "registration_endpoint": f"{issuer}/oauth2/register",
        "device_authorization_endpoint": f"{issuer}/oauth2/device_authorization",
        "end_session_endpoint": f"{issuer}{LOGOUT_PATH}",
        "scopes_supported": [scope.name for scope in CATALOGUE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [grant.value for grant in GrantType],
        "token_endpoint_auth_methods_supported": SUPPORTED_METHODS,
        "introspection_endpoint_auth_methods_supported": SUPPORTED_METHODS[:2],
        "revocation_endpoint_auth_methods_supported": SUPPORTED_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(SUPPORTED_ALGS),
        "claims_supported": [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "nonce",
            "at_hash",
            "azp",
            "name",
            "email",
            "tid",
            "auth_time",
            "sid",
            "amr",
        ],
        "prompt_values_supported": list(PROMPTS),
        "authorization_response_iss_parameter_supported": True,
        # Back-Channel Logout 1.0 (sessions.delivery); every logout_token carries the sid.
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }
    if documents:
        # draft-ietf-oauth-client-id-metadata-document: an https client_id is fetched.
        answer["client_id_metadata_document_supported"] = True
    return answer
