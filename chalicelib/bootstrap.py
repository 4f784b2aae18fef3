"""Composition root: the process's container, built on first use.

Nothing heavy is imported here: `import app` registers routes and schemas only, and the first
request imports the container (`chalicelib/composition.py`: adapters, services, boto3) and builds
what it touches (bench/cold_start.py; tests/unit/test_cold_start.py).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.composition import Container

_lock = threading.Lock()
_current: tuple[tuple[tuple[str, str], ...], Container] | None = None


def _environment_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(item for item in os.environ.items() if item[0].startswith("JOBCOVER_")))


def container() -> Container:
    """The process's container, rebuilt if the `JOBCOVER_*` environment changed (tests, stages).

    Comparing the environment costs microseconds; parsing settings costs most of a millisecond,
    so it happens only when something changed.
    """
    global _current
    key = _environment_key()
    with _lock:
        if _current is None or _current[0] != key:
            from chalicelib.composition import Container
            from chalicelib.settings import load_settings

            _current = (key, Container(load_settings()))
        return _current[1]


def reset() -> None:
    """Forget the cached container (tests call this between moto sessions)."""
    global _current
    with _lock:
        _current = None


def __getattr__(name: str) -> Any:
    """`Container` itself, imported when asked for (type hints and tests)."""
    if name == "Container":
        from chalicelib.composition import Container

        return Container
    raise AttributeError(name)
