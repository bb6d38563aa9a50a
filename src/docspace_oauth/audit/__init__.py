"""The audit trail: append-only events for management operations and token-security events."""
