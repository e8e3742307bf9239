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
        for f in endpoint.query
    ]
    needs = f" Needs `{endpoint.permission}`." if endpoint.permission else ""
    op: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": (endpoint.handler.__doc__ or "").strip() + needs,
        "tags": [endpoint.tag],
        "parameters": params,
        "responses": {
            str(endpoint.status): {
                "description": "OK",
                "content": {"application/json": {"schema": endpoint.response}},
            },
            **{code: _error(text) for code, text in ERRORS.items()},
        },
    }
    if endpoint.body:
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": [f.name for f in endpoint.body if f.required],
            "properties": {f.name: f.schema() for f in endpoint.body},
        }
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return op


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
    paths.update(extra_paths or {})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campusgrid API",
            "version": "1",
            "description": (
                "The campus grid, its hazard ledger, complaints and inspections. Every call "
                "acts as the account of its API token (`campusgrid users token add NAME`), "
                "with that account's role and scope; every write is audited."
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
