"""docspace-oauth: an OAuth 2.0 / OpenID Connect server speaking DocSpace's client contract."""

__version__ = "0.1.0"
