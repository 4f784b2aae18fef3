"""What a cold start does not import: modules a route, schedule or worker reads when it runs.

`import app` registers every route, schedule and queue handler, and nothing more (goal: at most
1.3x the import of chalice + boto3 + pydantic, bench/cold_start.py; tests/unit/test_cold_start.py
lists what stays out). Request and response models, the OpenAPI document, services, adapters
and the domain are imported by the first request that needs them, once per process:

- A route module names its models' module through `deferred_import`, typed as the module itself:

      if TYPE_CHECKING:
          from chalicelib.api.schemas import assignments as schemas
      else:
          schemas = deferred_import("chalicelib.api.schemas.assignments")

  and writes `schemas.AssignmentOut` in its handlers and signatures. `operation()` reads a
  route's body, query and response models from its handler's signature when the route is first
  called or the spec first built (chalicelib/api/http.py), so registering it imports none.
- A model's field of a costly domain type is `Imported(module, name)`, imported when the model
  is first built (chalicelib/api/schemas/common.py); models are `defer_build`.
- Services, adapters and boto3 are built by the container on first use (chalicelib/bootstrap.py).
"""

from __future__ import annotations

import importlib
from typing import Any


class DeferredModule:
    """Stands in for a module until one of its names is first read, then imports it.

    Each name read is kept on the stand-in, so later reads are plain attribute reads: a request
    pays nothing for the deferral. The import itself goes through the import system (and its
    per-module lock), so two threads' first reads import the module once.
    """

    def __init__(self, name: str) -> None:
        self.__module = name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Introspection (copy, pickle, doctest, inspect) does not import the module.
            raise AttributeError(name)
        value = getattr(importlib.import_module(self.__module), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"<module {self.__module!r}, imported on first use>"


def deferred_import(name: str) -> DeferredModule:
    """Module `name`, imported when one of its names is first read (see the module docstring)."""
    return DeferredModule(name)
