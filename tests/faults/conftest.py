"""The fault tier runs on the functional tier's moto stack and fixtures."""

from __future__ import annotations

from tests.functional.conftest import admin_key, api, aws, other_platform_key, platform_key

__all__ = ["admin_key", "api", "aws", "other_platform_key", "platform_key"]
