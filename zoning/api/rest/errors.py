"""The API's errors: one JSON shape, ``{"error": {"code": ..., "message": ...}}``, and the
HTTP status of each campusgrid error. Never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from starlette.responses import JSONResponse

from zoning.errors import (
    CampusgridError,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlanConflict,
    StorageError,
)

log = logging.getLogger("campusgrid.api")

#: Words of a service's message when a row changed between its read and its write.
CHANGED_MEANWHILE = "changed by someone else meanwhile"


class ApiError(Exception):
    """An error the API answers with ``status`` and ``{"error": {code, message, ...}}``."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        """Return the JSON error response."""
        body = {"error": {"code": self.code, "message": self.message, **self.extra}}
        return JSONResponse(body, status_code=self.status, headers=headers)


def unauthorized(message: str) -> ApiError:
    """Return the 401 of a missing or refused token."""
    return ApiError(401, "unauthorized", message)


def from_error(err: CampusgridError) -> ApiError:
    """Return the API error of a service's error: 403 PermissionDenied (naming the
    permission), 404 NotFound, 409 a conflict with the current state, 503 storage, 400 the
    rest (InvalidInput and its kin)."""
    text = str(err)
    if isinstance(err, PermissionDenied):
        return ApiError(403, "forbidden", text, permission=err.permission)
    if isinstance(err, NotFound):
        return ApiError(404, "not_found", text)
    if isinstance(err, IllegalTransition | PlanConflict):
        return ApiError(409, "conflict", text)
    if isinstance(err, InvalidInput) and CHANGED_MEANWHILE in text:
        return ApiError(409, "conflict", text)
    if isinstance(err, StorageError):
        return ApiError(503, "storage", text)
    return ApiError(400, "invalid_input", text)


def internal(err: BaseException) -> ApiError:
    """Return the 500 of a bug: logged with its traceback on the server, never shown."""
    log.error("API request failed with a bug", exc_info=err)
    return ApiError(
        500, "internal", "campusgrid failed on this request (a bug); the server log has details."
    )
