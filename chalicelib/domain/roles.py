"""The role an API key carries: what its caller may do (API.md "Authentication").

Its own module, apart from the parties it belongs to: every route names the roles it allows when
it is registered, and `import app` should not build the parties' models to do so.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PLATFORM = "platform"
    UNDERWRITER = "underwriter"
