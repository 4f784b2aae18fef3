"""Make chalice's local API Gateway answer like the deployed one.

In AWS, infra/ configures API Gateway's MISSING_AUTHENTICATION_TOKEN gateway response (an unknown
route) as a 404 in the contract's error shape. Chalice's local gateway answers 403 instead; this
patch gives the local server and the test client the deployed behaviour.
"""

from __future__ import annotations

import json
import uuid
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
            # As API Gateway's template does, the error carries the request's id.
            request_id = str(uuid.uuid4())
            body = json.loads(error_body("not_found", message))
            body["error"]["request_id"] = body["request_id"] = request_id
            raise RouteNotFound(
                {"Content-Type": "application/json", "X-Request-Id": request_id},
                json.dumps(body).encode(),
            ) from None
        return original(self, method, path, headers, body)

    handle_request.jobcover_patched = True  # type: ignore[attr-defined]
    LocalGateway.handle_request = handle_request  # type: ignore[method-assign]
