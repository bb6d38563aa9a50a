"""The `docspace-oauth` command."""
