"""The REST API under ``/api/v1``: JSON in and out, an API token (``Authorization: Bearer``)
or the browser's session on every call but the OpenAPI document and its page, errors as
``{"error": {"code", "message"}}``.

- :mod:`~zoning.api.rest.table`: the endpoints, described once;
- :mod:`~zoning.api.rest.handlers`: what each does (the services, with the token's account);
- :mod:`~zoning.api.rest.endpoint`: parsing, validation and the error statuses;
- :mod:`~zoning.api.rest.auth`: the Bearer check and the refused-token rate limit;
- :mod:`~zoning.api.rest.openapi`: the OpenAPI 3.1 document made from the table;
- :mod:`~zoning.api.rest.docs`: that document as a page at ``/api/v1/docs``;
- :mod:`~zoning.api.rest.pages`: cursor pagination; :mod:`~zoning.api.rest.uploads`:
  multipart bodies with photos.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from zoning.api.rest.docs import docs
from zoning.api.rest.endpoint import PREFIX
from zoning.api.rest.errors import ApiError
from zoning.api.rest.openapi import document
from zoning.api.rest.table import ENDPOINTS


def routes(extra_paths: dict[str, Any] | None = None) -> list[BaseRoute]:
    """Return the API's routes: every endpoint, ``/api/v1/openapi.json`` (listing
    ``extra_paths`` too) and a JSON 404 for any other ``/api/…`` path."""
    doc = document(extra_paths)

    async def openapi(request: Request) -> Response:
        return JSONResponse(doc)

    async def unknown(request: Request) -> Response:
        return ApiError(
            404,
            "not_found",
            f"No API route {request.method} {request.url.path}: see {PREFIX}/openapi.json.",
        ).response()

    return [
        Route(PREFIX + "/openapi.json", openapi, methods=["GET"]),
        Route(PREFIX + "/docs", docs, methods=["GET"]),
        *(endpoint.route() for endpoint in ENDPOINTS),
        Route("/api/{rest:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]


__all__ = ["ENDPOINTS", "PREFIX", "document", "routes"]
