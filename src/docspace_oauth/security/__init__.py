"""Hashes, secrets and the server's own keys."""
