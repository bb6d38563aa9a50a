"""Protected resources (RFC 8707 resource indicators, RFC 9728 protected-resource metadata)."""
