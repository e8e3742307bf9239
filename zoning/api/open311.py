"""Open311 GeoReport v2 at ``/open311/v2``: the complaint categories as services, and
complaints as service requests, so that a city's 12345 platform or any Open311 client can
hand complaints to the campus.

- ``GET services.json``: the categories (public);
- ``POST requests.json`` (form-encoded): ``service_code``, ``lat``/``long`` or
  ``address_string`` (a building name or cell code), ``description``, ``media_url`` (kept
  as text, never fetched), ``email``/``phone``/``first_name``/``last_name`` → a complaint
  through :func:`zoning.services.public.add_open311_complaint`;
- ``GET requests.json`` and ``GET requests/{id}.json``: ``status`` open/closed from the
  ledger, ``status_notes`` (the official public replies, latest first),
  ``agency_responsible`` (a role and zone, never a name), ``requested_datetime``,
  ``updated_datetime`` (the last ledger event or reply), ``expected_datetime`` (the
  response deadline), ``address`` (the building or cell), ``media_url``; never the contact.

Each call acts as the account of ``api_key`` (an API token), else the account named by
``$CAMPUSGRID_OPEN311_ACCOUNT`` (a safety officer, say). The campus is ``jurisdiction_id``,
else ``$CAMPUSGRID_OPEN311_CAMPUS``, else the only campus. Errors follow the spec:
``[{"code": 400, "description": "..."}]``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from zoning.accounts import Actor
from zoning.api.rest.auth import FAILURES, check_token, client_of, too_many
from zoning.api.rest.errors import ApiError, from_error, internal
from zoning.api.sessions import engine
from zoning.errors import CampusgridError, InvalidInput, NotFound
from zoning.safety.access import complaint_domain
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.safety.domains import SENSITIVE_DOMAINS
from zoning.safety.ledger.workflow import OPEN_STATES
from zoning.services import accounts, ledger, public
from zoning.services.campus import list_campuses
from zoning.services.ledger import ComplaintView
from zoning.services.public import RequestDetails

PREFIX = "/open311/v2"
#: The account public requests act as, and the default campus.
ACCOUNT_ENV = "CAMPUSGRID_OPEN311_ACCOUNT"
CAMPUS_ENV = "CAMPUSGRID_OPEN311_CAMPUS"
#: The largest form accepted (bytes).
MAX_FORM = 64 * 1024
#: The channel recorded on the complaints that come in through Open311.
CHANNEL = "Open311"
#: What joins the public replies in ``status_notes``.
NOTES_JOIN = "\n"


def _error(status: int, description: str) -> Response:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


def _actor(api_key: str | None, client: str) -> Actor:
    """The account of ``api_key``, else the Open311 account; ApiError otherwise."""
    if api_key:
        return check_token(api_key, client, what="api_key")
    wait = FAILURES.held_off(client)
    if wait > 0:
        raise too_many(wait)
    name = os.environ.get(ACCOUNT_ENV, "").strip()
    if not name:
        raise ApiError(
            403,
            "forbidden",
            f"Send api_key (an API token), or have the server set {ACCOUNT_ENV}.",
        )
    return accounts.actor_named(engine(), name)


def _campus(jurisdiction: str | None) -> str:
    chosen = (jurisdiction or os.environ.get(CAMPUS_ENV, "")).strip()
    names = [c.name for c in list_campuses(engine())]
    if chosen:
        if chosen not in names:
            raise NotFound(f"jurisdiction_id {chosen!r} is not a campus here.")
        return chosen
    if len(names) != 1:
        raise InvalidInput("Several campuses are served here: pass jurisdiction_id (the campus).")
    return names[0]


def service(code: str) -> dict[str, Any]:
    """Return one complaint category as a GeoReport service."""
    c = DEFAULT_CATEGORIES[code]
    return {
        "service_code": c.code,
        "service_name": f"{c.name_zh} / {c.name_en}",
        "description": f"{c.name_en}: answered within {c.response_hours:g} h.",
        "metadata": False,
        "type": "realtime",
        "keywords": c.domain,
        "group": c.domain,
    }


def agency(zone: str | None) -> str:
    """Return who answers, as a role and zone (never a person's name)."""
    return f"grid owner, zone {zone}" if zone else "campus safety office"


def request_of(view: ComplaintView, details: RequestDetails) -> dict[str, Any]:
    """Return a complaint as a public GeoReport service request (no contact, no name of
    anyone; no text or media of a sensitive category)."""
    c = view.complaint
    category = DEFAULT_CATEGORIES.get(c.category)
    sensitive = complaint_domain(c.category) in SENSITIVE_DOMAINS
    state = view.state or "reported"
    notes = NOTES_JOIN.join(r.text for r in details.replies)
    return {
        "service_request_id": str(c.id),
        "status": "open" if state in OPEN_STATES else "closed",
        "status_notes": notes or None,
        "service_name": category.name_en if category else c.category,
        "service_code": c.category,
        "description": None if sensitive else c.text,
        "agency_responsible": agency(c.zone),
        "service_notice": None,
        "requested_datetime": c.received_at.isoformat(),
        "updated_datetime": details.updated.isoformat(),
        "expected_datetime": c.response_deadline.isoformat(),
        "address": details.address,
        "address_id": c.cell_code,
        "zipcode": None,
        "lat": round(c.lat, 7),
        "long": round(c.lon, 7),
        "media_url": None if sensitive else details.media_url,
    }


async def _form(request: Request) -> dict[str, str]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM:
            raise ApiError(413, "too_large", f"The request is over {MAX_FORM // 1024} KiB.")
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=False))
    except UnicodeDecodeError:
        raise ApiError(400, "bad_form", "The form is not UTF-8.") from None


async def _answer(request: Request, work: Any) -> Response:
    try:
        return JSONResponse(await work())
    except ApiError as err:
        return _error(err.status, err.message)
    except CampusgridError as err:
        api = from_error(err)
        return _error(api.status, api.message)
    except Exception as err:  # a bug: logged, answered 500 without details
        return _error(500, internal(err).message)


async def services_json(request: Request) -> Response:
    """``GET services.json``: the complaint categories."""

    async def work() -> Any:
        return [service(code) for code in DEFAULT_CATEGORIES]

    return await _answer(request, work)


def _number(form: dict[str, str], name: str) -> float | None:
    """Return the coordinate ``name`` (None when neither it nor its pair is sent and
    ``address_string`` is)."""
    text = form.get(name, "").strip()
    located = form.get("lat", "").strip() or form.get("long", "").strip()
    if not located and form.get("address_string", "").strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ApiError(
            400,
            "invalid_input",
            f"{name} is required: a WGS-84 coordinate in degrees (or send address_string, "
            "a building name or cell code, without lat and long).",
        ) from None


def _post(form: dict[str, str], client: str) -> list[dict[str, Any]]:
    actor = _actor(form.get("api_key"), client)
    campus = _campus(form.get("jurisdiction_id"))
    code = form.get("service_code", "")
    if code not in DEFAULT_CATEGORIES:
        raise ApiError(
            404, "not_found", f"service_code {code!r} is unknown: see {PREFIX}/services.json."
        )
    lat, lon = _number(form, "lat"), _number(form, "long")
    name = " ".join(form.get(k, "").strip() for k in ("first_name", "last_name")).strip()
    contact = "; ".join(v for v in (name, form.get("email", ""), form.get("phone", "")) if v)
    made = public.add_open311_complaint(
        engine(),
        campus,
        actor=actor,
        lon=lon,
        lat=lat,
        address=form.get("address_string"),
        media_url=form.get("media_url"),
        category=code,
        text=form.get("description", ""),
        contact=contact or None,
        reported_by=CHANNEL,
    )
    return [{"service_request_id": str(made.complaint.id), "service_notice": None,
             "account_id": None}]  # fmt: skip


async def post_request(request: Request) -> Response:
    """``POST requests.json``: a new complaint (201)."""
    client = client_of(request)
    try:
        form = await _form(request)
    except ApiError as err:
        return _error(err.status, err.message)
    reply = await _answer(request, lambda: run_in_threadpool(_post, form, client))
    if reply.status_code == 200:
        reply.status_code = 201
    return reply


def _find(params: dict[str, str], client: str, wanted: set[str] | None) -> list[dict[str, Any]]:
    actor = _actor(params.get("api_key"), client)
    campus = _campus(params.get("jurisdiction_id"))
    found = [
        v
        for v in ledger.list_complaints(engine(), campus, actor=actor)
        if wanted is None or str(v.complaint.id) in wanted
    ]
    details = public.request_details(engine(), campus, found)
    out = [request_of(v, details[int(v.complaint.id)]) for v in found]
    if code := params.get("service_code"):
        out = [r for r in out if r["service_code"] == code]
    if status := params.get("status"):
        out = [r for r in out if r["status"] == status]
    return out


async def get_requests(request: Request) -> Response:
    """``GET requests.json``: the requests (``service_request_id`` a comma list,
    ``service_code``, ``status`` open|closed filter them)."""
    params = dict(request.query_params)
    ids = params.get("service_request_id")
    wanted = {i.strip() for i in ids.split(",")} if ids else None
    client = client_of(request)
    return await _answer(request, lambda: run_in_threadpool(_find, params, client, wanted))


async def get_request(request: Request) -> Response:
    """``GET requests/{id}.json``: one request (a one-item list, as the spec says)."""
    params = dict(request.query_params)
    wanted = str(request.path_params["request_id"])
    client = client_of(request)

    def one() -> list[dict[str, Any]]:
        found = _find(params, client, {wanted})
        if not found:
            raise ApiError(404, "not_found", f"No service request {wanted} here.")
        return found

    return await _answer(request, lambda: run_in_threadpool(one))


def routes() -> list[Route]:
    """Return the Open311 routes."""
    return [
        Route(PREFIX + "/services.json", services_json, methods=["GET"]),
        Route(PREFIX + "/requests.json", get_requests, methods=["GET"]),
        Route(PREFIX + "/requests.json", post_request, methods=["POST"]),
        Route(PREFIX + "/requests/{request_id}.json", get_request, methods=["GET"]),
    ]


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


#: A service request as GET answers it (the fields the spec names).
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": {**_nullable("string"), "description": "Official replies, latest first"},
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": _nullable("string"),
        "agency_responsible": {"type": "string", "description": "A role and zone, never a name"},
        "service_notice": _nullable("string"),
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time"},
        "expected_datetime": {"type": "string", "format": "date-time",
                              "description": "The response deadline"},
        "address": _nullable("string"),
        "address_id": _nullable("string"),
        "zipcode": _nullable("string"),
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "media_url": _nullable("string"),
    },
}  # fmt: skip

#: The form fields of POST requests.json.
POST_FIELDS: dict[str, Any] = {
    "type": "object",
    "required": ["service_code"],
    "properties": {
        "api_key": {"type": "string"},
        "jurisdiction_id": {"type": "string"},
        "service_code": {"type": "string"},
        "lat": {"type": "number", "description": "WGS-84 degrees"},
        "long": {"type": "number", "description": "WGS-84 degrees"},
        "address_string": {"type": "string",
                           "description": "A building name or cell code (without lat/long)"},
        "description": {"type": "string"},
        "media_url": {"type": "string", "description": "http(s); kept as text, never fetched"},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
    },
}  # fmt: skip


def openapi_paths() -> dict[str, Any]:
    """Return the Open311 routes as OpenAPI paths (for ``/api/v1/openapi.json``)."""
    error = {"description": "GeoReport error list: [{code, description}]"}
    listing = {
        "200": {"description": "A JSON list"},
        **{code: error for code in ("400", "401", "403", "404", "429")},
    }
    requests = {
        "200": {"description": "Service requests",
                "content": {"application/json": {"schema": {"type": "array",
                                                            "items": REQUEST_SCHEMA}}}},
        **{code: error for code in ("400", "401", "403", "404", "429")},
    }  # fmt: skip
    key = {"name": "api_key", "in": "query", "required": False, "schema": {"type": "string"}}
    return {
        PREFIX + "/services.json": {
            "get": {"operationId": "open311_services", "summary": "The complaint categories",
                    "tags": ["open311"], "security": [], "responses": listing}
        },
        PREFIX + "/requests.json": {
            "get": {"operationId": "open311_requests", "summary": "Service requests",
                    "tags": ["open311"], "security": [], "parameters": [key],
                    "responses": requests},
            "post": {"operationId": "open311_post_request", "summary": "A new request",
                     "tags": ["open311"], "security": [],
                     "requestBody": {"content": {"application/x-www-form-urlencoded": {
                         "schema": POST_FIELDS}}},
                     "responses": {"201": {"description": "[{service_request_id}]"},
                                   **{code: error for code in ("400", "401", "403", "404",
                                                               "413", "429")}}},
        },
        PREFIX + "/requests/{request_id}.json": {
            "get": {"operationId": "open311_request", "summary": "One service request",
                    "tags": ["open311"], "security": [],
                    "parameters": [{"name": "request_id", "in": "path", "required": True,
                                    "schema": {"type": "string"}}, key],
                    "responses": requests}
        },
    }  # fmt: skip
