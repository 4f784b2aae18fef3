"""Make chalice's local API Gateway answer like the deployed one.

In AWS, infra/ configures API Gateway's MISSING_AUTHENTICATION_TOKEN gateway response (an unknown
route) as a 404 in the contract's error shape. Chalice's local gateway answers 403 instead; this
patch gives the local server and the test client the deployed behaviour.
"""

from __future__ import annotations

from typing import Any

from chalice.local import LocalGateway, LocalGatewayException

from chalicelib.api.errors import error_body


class RouteNotFound(LocalGatewayException):
    CODE = 404


def install_gateway_responses() -> None:
    """Idempotently patch LocalGateway so unknown routes answer 404 `not_found`."""
    original = LocalGateway.handle_request
    if getattr(original, "jobcover_patched", False):
        return

    def handle_request(self: LocalGateway, method: str, path: str, headers: Any, body: Any) -> Any:
        try:
            self.event_converter._route_matcher.match_route(path)
        except ValueError:
            message = f"No route {path.split('?')[0]}."
            raise RouteNotFound(
                {"Content-Type": "application/json"}, error_body("not_found", message).encode()
            ) from None
        return original(self, method, path, headers, body)

    handle_request.jobcover_patched = True  # type: ignore[attr-defined]
    LocalGateway.handle_request = handle_request  # type: ignore[method-assign]
