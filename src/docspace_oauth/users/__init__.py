"""Local users and tenants: created by the CLI, signed in through the sign-in page."""
