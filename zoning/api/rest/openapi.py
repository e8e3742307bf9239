"""The OpenAPI 3.1 document of the REST API, made from the route table
(:data:`zoning.api.rest.table.ENDPOINTS`) and the Open311 routes, served at
``/api/v1/openapi.json``."""

from __future__ import annotations

import re
from typing import Any

from zoning.api.rest.endpoint import PREFIX, Endpoint
from zoning.api.rest.table import ENDPOINTS

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "permission": {"type": "string"},
            },
        }
    },
}
ERRORS: dict[str, str] = {
    "400": "Invalid input (the message says what and what to do)",
    "401": "No API token, or a refused one",
    "403": "The account's role or scope does not allow this (names the permission)",
    "404": "No such campus, hazard, cell…",
    "409": "Conflicts with the current state (an illegal transition, a concurrent change)",
    "413": "The request body is too large",
    "422": "A field is missing or of the wrong type (names the field)",
    "429": "Too many refused tokens from this address",
}
#: Answered only by endpoints that require ``If-Match``.
PRECONDITION_ERRORS: dict[str, str] = {
    "412": "If-Match names an old ETag: the hazard changed since it was read",
    "428": "If-Match is missing",
}
#: Every POST takes ``Idempotency-Key`` (see zoning.api.rest.idempotency).
IDEMPOTENCY_PARAM: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
    "description": "A key of your own (a UUID) for this request: a repeat with the same key "
    "gets the first answer (header Idempotent-Replayed: true) without a second write. Kept "
    "7 days per account; a 5xx or 429 answer is not kept (the repeat runs again).",
}  # fmt: skip
#: Answered only by POSTs sent with ``Idempotency-Key``.
IDEMPOTENCY_ERRORS: dict[str, str] = {
    "409": "Conflicts with the current state, or the first request with this "
    "Idempotency-Key is still running (code in_progress: retry after Retry-After seconds)",
}
ETAG_HEADER = {
    "ETag": {"description": "The hazard's version, for If-Match", "schema": {"type": "string"}}
}
_PATH_PARAM = re.compile(r"{(\w+)}")


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def operation(endpoint: Endpoint) -> dict[str, Any]:
    """Return the OpenAPI operation of one endpoint."""
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if name.endswith("_id") else {"type": "string"},
        }
        for name in _PATH_PARAM.findall(endpoint.path)
    ]
    params += [
        {"name": f.name, "in": "query", "required": f.required, "schema": f.schema()}
        for f in endpoint.query_fields
    ]
    if endpoint.if_match:
        params.append({
            "name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the hazard as last read (GET it first).",
        })  # fmt: skip
    if endpoint.method == "POST":
        params.append(IDEMPOTENCY_PARAM)
    needs = f" Needs `{endpoint.permission}`." if endpoint.permission else ""
    ok: dict[str, Any] = {
        "description": "OK",
        "content": {"application/json": {"schema": endpoint.response}},
    }
    if endpoint.etag:
        ok["headers"] = ETAG_HEADER
    errors = {**ERRORS, **(PRECONDITION_ERRORS if endpoint.if_match else {})}
    if endpoint.method == "POST":
        errors = {**errors, **IDEMPOTENCY_ERRORS}
    op: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": (endpoint.handler.__doc__ or "").strip() + needs,
        "tags": [endpoint.tag],
        "parameters": params,
        "responses": {
            str(endpoint.status): ok,
            **{code: _error(text) for code, text in sorted(errors.items())},
        },
    }
    if endpoint.body:
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in endpoint.body if f.required],
            "properties": {f.name: f.schema() for f in endpoint.body},
        }
        content: dict[str, Any] = {"application/json": {"schema": schema}}
        if endpoint.multipart:
            content["multipart/form-data"] = {"schema": MULTIPART_SCHEMA}
        op["requestBody"] = {"required": True, "content": content}
    return op


#: A multipart body: the JSON fields as the part ``checklist``, a file ``photo.ITEM`` per
#: photographed item (at most 20, each within the photo size limit).
MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["checklist"],
    "properties": {"checklist": {"type": "string", "description": "The JSON fields."}},
    "patternProperties": {"^photo\\..+$": {"type": "string", "format": "binary"}},
    "additionalProperties": False,
}


def document(extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document of every endpoint (and ``extra_paths``, the Open311
    routes, already in OpenAPI form)."""
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(PREFIX + endpoint.path, {})[endpoint.method.lower()] = operation(endpoint)
    paths[PREFIX + "/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document"}},
        }
    }
    paths[PREFIX + "/docs"] = {
        "get": {
            "operationId": "docs",
            "summary": "This document as a page, with a form to try each call",
            "security": [],
            "responses": {"200": {"description": "An HTML page",
                                  "content": {"text/html": {"schema": {"type": "string"}}}}},
        }
    }  # fmt: skip
    paths.update(extra_paths or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campusgrid API",
            "version": "1",
            "description": (
                "The campus grid, its hazard ledger, complaints and inspections. Every call "
                "acts as the account of its API token (`campusgrid tokens create NAME`), "
                "with that account's role and scope; every write is audited. The browser's "
                "session cookie also works: reads alone, or writes from the page's own origin "
                "with `X-Requested-With: campusgrid`. Lists page with `limit` and `cursor` "
                "(`next_cursor` in the answer); moving a hazard needs `If-Match` with its "
                "`ETag`."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token."}
            },
            "schemas": {"Error": ERROR_SCHEMA},
        },
        "paths": paths,
    }
