"""Relying parties of others' making, driven against the live server. The oauth2 tests' kit
(the browser and the management API) serves here too."""

from tests.oauth2.conftest import kit

__all__ = ["kit"]
