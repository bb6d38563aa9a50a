"""Dynamic client registration (RFC 7591 and RFC 7592), onto the management API's clients."""
