"""One API endpoint described once: method, path, parameters, body fields, permission,
pagination, preconditions and handler. The routes and the OpenAPI document are both made
from these descriptions, so the document cannot drift from what the server does."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoning.accounts import Actor
from zoning.api.rest import idempotency
from zoning.api.rest.auth import check_caller, client_of, credentials
from zoning.api.rest.errors import ApiError, from_error, internal
from zoning.api.rest.pages import page
from zoning.api.rest.uploads import Upload, read_multipart
from zoning.api.sessions import engine
from zoning.errors import CampusgridError

#: The API's path prefix.
PREFIX = "/api/v1"
#: The largest request body accepted (bytes): 1 MiB.
MAX_BODY = 1 << 20
#: JSON Schema types of the fields and parameters.
TYPES = ("string", "integer", "number", "boolean", "object", "date", "date-time")


@dataclass(frozen=True)
class Field:
    """A body field or query parameter: its name, type (one of :data:`TYPES`; ``object``
    is a map of strings to strings), whether required, what it means."""

    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    #: The smallest and largest number allowed (numbers and integers; None: any).
    low: float | None = None
    high: float | None = None

    def schema(self) -> dict[str, Any]:
        """Return the field's JSON Schema."""
        if self.type in ("date", "date-time"):
            out: dict[str, Any] = {"type": "string", "format": self.type}
        elif self.type == "object":
            out = {"type": "object", "additionalProperties": {"type": "string"}}
        else:
            out = {"type": self.type}
        if self.enum:
            out["enum"] = list(self.enum)
        if self.low is not None:
            out["minimum"] = self.low
        if self.high is not None:
            out["maximum"] = self.high
        return {**out, "description": self.description}


@dataclass(frozen=True)
class Call:
    """What a handler gets: the acting account, the engine, the path parameters, the query
    parameters and the body, both parsed by their :class:`Field`."""

    actor: Actor
    engine: Engine
    path: Mapping[str, str]
    query: Mapping[str, Any]
    body: Mapping[str, Any]
    #: The request's ``If-Match`` header (None: not sent).
    if_match: str | None = None
    #: Uploaded photos of a multipart request: ITEM → the file saved for the call.
    photos: Mapping[str, str] = field(default_factory=dict)


#: A handler's answer: (HTTP status, JSON-ready data) or (status, data, extra headers).
Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]
#: A handler: the call → its reply.
Handler = Callable[[Call], Reply]

#: The pagination parameters every list takes.
PAGE_FIELDS = (
    Field("limit", "integer", "Items per page, 1 to 1000 (default 100).", low=1, high=1000),
    Field("cursor", "string", "The next_cursor of the previous page (leave out for the first)."),
)


@dataclass(frozen=True)
class Endpoint:
    """One API operation."""

    method: str
    path: str
    handler: Handler
    summary: str
    permission: str | None
    query: tuple[Field, ...] = ()
    body: tuple[Field, ...] = ()
    status: int = 200
    tag: str = "campusgrid"
    response: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    #: The key(s) of the answer's list when the endpoint pages it (``?limit=&cursor=``).
    pages: str | tuple[str, ...] | None = None
    #: Whether the request must carry ``If-Match`` (the ETag of what it changes).
    if_match: bool = False
    #: Whether the answer carries an ``ETag``.
    etag: bool = False
    #: Whether the body may also come as multipart/form-data with photos.
    multipart: bool = False

    @property
    def page_keys(self) -> tuple[str, ...]:
        """Return the keys of the list an answer may page (none: not paged)."""
        if self.pages is None:
            return ()
        return (self.pages,) if isinstance(self.pages, str) else self.pages

    @property
    def query_fields(self) -> tuple[Field, ...]:
        """Return the query parameters, pagination's included."""
        return self.query + (PAGE_FIELDS if self.pages else ())

    @property
    def operation_id(self) -> str:
        """Return the operation's id: the handler's name."""
        return self.handler.__name__

    def route(self) -> Route:
        """Return the Starlette route serving this endpoint."""

        async def serve(request: Request) -> Response:
            return await answer(self, request)

        serve.__name__ = self.operation_id
        path = re.sub(r"{(\w+_id)}", r"{\1:int}", PREFIX + self.path)  # ids are whole numbers
        return Route(path, serve, methods=[self.method])


def _bad(name: str, reason: str) -> ApiError:
    return ApiError(422, "validation", f"{name}: {reason}", field=name)


def parse_value(spec: Field, value: Any, *, text: bool) -> Any:
    """Return ``value`` as ``spec``'s type (from query text when ``text``); raise ApiError
    422 naming the field and the reason."""
    kind = spec.type
    try:
        if kind in ("date", "date-time"):
            if not isinstance(value, str):
                raise ValueError("give it as a string")
            parsed: Any = date.fromisoformat(value) if kind == "date" else None
            if kind == "date-time":
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
                if parsed.tzinfo is None:
                    raise ValueError("give a time zone, e.g. 2026-03-01T09:00:00+08:00")
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError("give a whole number")
            parsed = int(value) if text or isinstance(value, int) else _no(value)
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError("give a number")
            parsed = float(value) if text or not isinstance(value, str) else _no(value)
            if not math.isfinite(parsed):
                raise ValueError("give a finite number")
        elif kind == "boolean":
            if text and isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                parsed = value.lower() in ("true", "1")
            elif isinstance(value, bool):
                parsed = value
            else:
                raise ValueError("give true or false")
        elif kind == "object":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise ValueError('give an object of strings, e.g. {"*": "pass"}')
            parsed = dict(value)
        else:
            if not isinstance(value, str):
                raise ValueError("give a string")
            parsed = value
    except ValueError as err:
        raise _bad(spec.name, str(err) if "give" in str(err) else f"not a valid {kind}") from None
    if spec.enum and parsed not in spec.enum:
        raise _bad(spec.name, f"use one of: {', '.join(spec.enum)}")
    if spec.low is not None and parsed < spec.low:
        raise _bad(spec.name, f"give at least {spec.low:g}")
    if spec.high is not None and parsed > spec.high:
        raise _bad(spec.name, f"give at most {spec.high:g}")
    return parsed


def _no(value: Any) -> Any:
    raise ValueError("give a number, not a string")


def parse_fields(
    specs: tuple[Field, ...], given: Mapping[str, Any], *, text: bool
) -> dict[str, Any]:
    """Return the known fields of ``given`` parsed; ApiError 422 for a missing required
    field, an unknown one or a wrong value."""
    known = {s.name: s for s in specs}
    for name in given:
        if name not in known:
            names = ", ".join(known) or "none"
            raise _bad(name, f"unknown field; the fields are: {names}")
    out: dict[str, Any] = {}
    for spec in specs:
        value = given.get(spec.name)
        if value is None:
            if spec.required:
                raise _bad(spec.name, "required")
            continue
        out[spec.name] = parse_value(spec, value, text=text)
    return out


async def read_json(request: Request) -> dict[str, Any]:
    """Return the request's JSON object body; ApiError 413 over :data:`MAX_BODY`, 400 for
    what is not a JSON object."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, "too_large", f"The request body is over {MAX_BODY // 1024} KiB.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise ApiError(413, "too_large", f"The request body is over {MAX_BODY // 1024} KiB.")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "bad_json", "The request body is not valid JSON (UTF-8).") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "The request body must be a JSON object.")
    return data


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


async def read_body(endpoint: Endpoint, request: Request) -> tuple[dict[str, Any], Upload]:
    """Return the request's body fields and uploaded photos (none unless multipart)."""
    if not endpoint.body:
        return {}, Upload.none()
    if endpoint.multipart and _is_multipart(request):
        return await read_multipart(request)
    return await read_json(request), Upload.none()


def run_handler(endpoint: Endpoint, call: Call) -> tuple[int, Any, dict[str, str]]:
    """Run the handler (blocking) and return (status, data, headers)."""
    reply = endpoint.handler(call)
    headers = reply[2] if len(reply) == 3 else {}
    return reply[0], reply[1], headers


async def answer(endpoint: Endpoint, request: Request) -> Response:
    """Authenticate, parse, run the handler in a worker thread, page a list, and answer
    JSON; every failure is an :class:`ApiError` response. A POST with ``Idempotency-Key``
    runs once per key: a repeat gets the first answer (see :mod:`.idempotency`)."""
    upload = Upload.none()
    claim: idempotency.Claim | None = None
    try:
        given = credentials(request)
        actor = await run_in_threadpool(check_caller, given, client_of(request))
        query = parse_fields(endpoint.query_fields, dict(request.query_params), text=True)
        body, upload = await read_body(endpoint, request)
        parsed = parse_fields(endpoint.body, body, text=False)
        key = idempotency.key_of(request) if endpoint.method == "POST" else None
        if key is not None:
            held = await run_in_threadpool(
                idempotency.begin, engine(), actor, key, f"POST {request.url.path}"
            )
            if isinstance(held, Response):
                return held
            claim = held
        match = request.headers.get("if-match")
        call = Call(actor, engine(), dict(request.path_params), query, parsed, match, upload.photos)
        status, data, headers = await run_in_threadpool(run_handler, endpoint, call)
        listed = next((k for k in endpoint.page_keys if k in data), None)
        if listed is not None:
            data = page(data, listed, request.url.path, query)
        response: Response = JSONResponse(
            data, status_code=status, headers={"Cache-Control": "no-store", **headers}
        )
    except ApiError as err:
        retry = err.extra.get("retry_after")
        response = err.response({"Retry-After": str(retry)} if retry else None)
    except CampusgridError as err:
        response = from_error(err).response()
    except Exception as err:  # a bug: logged, answered 500 without details
        response = internal(err).response()
    finally:
        upload.discard()
    if claim is not None:
        await run_in_threadpool(idempotency.settle, engine(), claim, response)
    return response
