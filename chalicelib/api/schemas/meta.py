"""Shapes of the service's own routes: the liveness check."""

from __future__ import annotations

from typing import Literal

from chalicelib.api.schemas.common import ResponseModel


class Health(ResponseModel):
    status: Literal["ok"] = "ok"
    """Always `ok` while the service answers."""
