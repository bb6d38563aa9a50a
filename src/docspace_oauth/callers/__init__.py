"""Who is calling: API keys, session cookies and DocSpace's x-signature JWTs."""
