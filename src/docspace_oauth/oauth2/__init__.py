"""The authorization server: /oauth2/authorize, token, introspection, revocation, userinfo,
JWKS and discovery, with the sign-in and consent pages (docs/oauth.md)."""
