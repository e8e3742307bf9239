"""The public doors to the ledger: QR sheets per building (or cell) and the public complaint
form they open (no account), with a tracking number per complaint.

- :func:`qr_sheets` / :func:`export_qr_sheets`: the pages' data and the PDF (needs
  ``export``; one ``qr.export`` audit row);
- :func:`public_place`: the building or cell a form was opened for, at its representative
  point (the reporter never types coordinates);
- :func:`public_account`: the account the form acts as (``$CAMPUSGRID_PUBLIC_ACCOUNT``, with
  ``receive_complaints``), None when the form is not enabled;
- :func:`submit_public_complaint`: the complaint through
  :func:`zoning.services.ledger.add_complaint`, the photo through the photo store, and a
  tracking number (only its SHA-256 is stored);
- :func:`track`: what the reporter may see: status, category, dates and the official
  replies (:func:`zoning.services.ledger.reply_publicly`). Never names, contacts or other
  complaints;
- :func:`locate_address`, :func:`add_open311_complaint`, :func:`request_details`: what
  Open311 needs beyond the ledger (``address_string``, ``media_url``, ``status_notes``,
  ``updated_datetime``, ``address``).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import geopandas as gpd
from shapely.geometry import Point
from sqlalchemy.engine import Connection, Engine

from zoning.accounts import Actor, Permission
from zoning.accounts.tokens import token_hash
from zoning.campus.qr import QrSheet, find_cjk_font, report_url, write_sheets
from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound, PermissionDenied
from zoning.safety.bounds import check_text
from zoning.safety.complaints import DEFAULT_CATEGORIES
from zoning.safety.ledger.workflow import OPEN_STATES
from zoning.services import accounts, ledger
from zoning.services.ledger import ComplaintView
from zoning.services.photos import discard_photos, max_photo_bytes, store_photo
from zoning.store import public as repo
from zoning.store.campus import campus_id, record_event
from zoning.store.plans import load_cells
from zoning.store.public import Reply

__all__ = [
    "CHANNEL",
    "DEFAULT_PUBLIC_URL",
    "PUBLIC_ACCOUNT_ENV",
    "PUBLIC_URL_ENV",
    "PublicPlace",
    "PublicStatus",
    "QrExport",
    "Reply",
    "RequestDetails",
    "add_open311_complaint",
    "check_media_url",
    "export_qr_sheets",
    "locate_address",
    "public_account",
    "public_base_url",
    "public_place",
    "qr_sheets",
    "request_details",
    "submit_public_complaint",
    "track",
]

#: The address the QR codes point at (``--base-url`` wins over it).
PUBLIC_URL_ENV = "CAMPUSGRID_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8501"
#: The account the public form acts as; it must hold ``receive_complaints``.
PUBLIC_ACCOUNT_ENV = "CAMPUSGRID_PUBLIC_ACCOUNT"
#: The channel recorded as the reporter of a complaint sent through the form.
CHANNEL = "扫码反映 / QR form"
#: The longest complaint text and contact accepted from the form (characters).
MAX_TEXT = 2000
MAX_CONTACT = 200
#: A tracking number: 24 URL-safe characters (144 random bits).
_TOKEN_BYTES = 18
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


# --------------------------------------------------------------------------- QR sheets


@dataclass(frozen=True)
class QrExport:
    """The PDF written and how many pages (places) it has."""

    path: Path
    pages: int


def public_base_url(given: str | None = None) -> str:
    """Return the public address of the server: ``given``, else ``$CAMPUSGRID_PUBLIC_URL``,
    else http://127.0.0.1:8501. Raises InvalidInput for anything but an http(s) address."""
    chosen = (given or os.environ.get(PUBLIC_URL_ENV, "") or DEFAULT_PUBLIC_URL).strip()
    parts = urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        where = "--base-url" if given else PUBLIC_URL_ENV
        raise InvalidInput(
            f"{where} {chosen!r} is not an http(s) address: give the server's public URL, "
            "e.g. https://grid.example.edu."
        )
    return chosen.rstrip("/")


def _building_title(name: object, building_id: int) -> str:
    text = str(name).strip() if isinstance(name, str) else ""
    return text or f"建筑 / Building #{building_id}"


def qr_sheets(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    per: Literal["building", "cell"] = "building",
    base_url: str | None = None,
) -> list[QrSheet]:
    """Return one sheet per building (by id) or per cell of the current plan (by code).

    Needs ``export``. Raises PermissionDenied, InvalidInput (a bad address, no building or
    cell), NotFound (no such campus).
    """
    actor.require(Permission.EXPORT, "print QR sheets")
    if per not in ("building", "cell"):
        raise InvalidInput(f"--per {per!r} is unknown: use building or cell.")
    base = public_base_url(base_url)
    if per == "cell":
        cells = load_cells(engine, campus)
        if not len(cells):
            with engine.connect() as conn:
                campus_id(conn, campus)  # NotFound for an unknown campus
            raise InvalidInput(f"Campus {campus!r} has no grid plan: run `campusgrid split`.")
        return [
            QrSheet(
                title=str(code),
                code=f"网格 / cell {code} · {zone}" if zone else f"网格 / cell {code}",
                url=report_url(base, campus=campus, cell=str(code)),
            )
            for code, zone in zip(cells["code"], cells["zone"], strict=True)
        ]
    with engine.connect() as conn:
        found = repo.buildings(conn, campus_id(conn, campus))
    if not len(found):
        raise InvalidInput(f"Campus {campus!r} has no buildings: use --per cell.")
    sheets = []
    for bid, name, source in zip(found["id"], found["name"], found["source_id"], strict=True):
        code = f"建筑 / building #{int(bid)}" + (f" · {source}" if isinstance(source, str) else "")
        url = report_url(base, campus=campus, building=int(bid))
        sheets.append(QrSheet(title=_building_title(name, int(bid)), code=code, url=url))
    return sheets


def export_qr_sheets(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    out: str | Path,
    per: Literal["building", "cell"] = "building",
    base_url: str | None = None,
) -> QrExport:
    """Write the QR sheets of ``campus`` to the PDF ``out``; one ``qr.export`` audit row.

    Raises what :func:`qr_sheets` raises, and InvalidInput when no CJK font is installed or
    ``out`` cannot be written.
    """
    font = find_cjk_font()
    sheets = qr_sheets(engine, campus, actor=actor, per=per, base_url=base_url)
    path = write_sheets(sheets, out, font=font)
    detail = {
        "per": per,
        "pages": len(sheets),
        "file": path.name,
        "base_url": public_base_url(base_url),
    }
    record_event(engine, campus, actor=actor.name, action="qr.export", detail=detail)
    return QrExport(path, len(sheets))


# --------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class PublicPlace:
    """Where a form was opened: the campus, ``place`` (``b:<id>`` or ``c:<code>``), a title
    to show and the representative point (degrees, EPSG:4326)."""

    campus: str
    place: str
    title: str
    lon: float
    lat: float


def public_place(
    engine: Engine, campus: str, *, building: str | None = None, cell: str | None = None
) -> PublicPlace:
    """Return the building (id, as the QR code gives it) or cell (code) of ``campus``.

    Raises NotFound (one line) for an unknown campus, building or cell, InvalidInput when
    neither or both are given.
    """
    if (building is None) == (cell is None):
        raise InvalidInput("This address names no building: scan the code on the sheet again.")
    check_text(campus, what="The campus", limit=200, empty=False)
    gone = NotFound("This code names no place on this campus any more: tell the campus office.")
    try:
        with engine.connect() as conn:
            cid = campus_id(conn, campus)
            if building is not None:
                if not building.isdigit() or len(building) > 12:
                    raise gone
                found = repo.buildings(conn, cid, [int(building)])
                if not len(found):
                    raise gone
                name = _building_title(found["name"].iloc[0], int(building))
                point = found.geometry.iloc[0].representative_point()
                return PublicPlace(campus, f"b:{int(building)}", name, point.x, point.y)
    except NotFound:
        raise gone from None
    assert cell is not None
    cells = load_cells(engine, campus)
    match = cells[cells["code"] == cell]
    if not len(match):
        raise gone
    point = match.geometry.iloc[0].representative_point()
    return PublicPlace(campus, f"c:{cell}", f"网格 / cell {cell}", point.x, point.y)


def public_account(engine: Engine) -> Actor | None:
    """Return the account the form acts as (``$CAMPUSGRID_PUBLIC_ACCOUNT``) when it exists,
    is enabled and holds ``receive_complaints``; None otherwise (the form is not enabled)."""
    name = os.environ.get(PUBLIC_ACCOUNT_ENV, "").strip()
    if not name:
        return None
    try:
        actor = accounts.actor_named(engine, name)
    except (NotFound, PermissionDenied):
        return None
    return actor if actor.can(Permission.RECEIVE_COMPLAINTS) else None


def _stored_photo(engine: Engine, photo: bytes) -> tuple[str, bool]:
    """Store the photo's bytes through the photo store; return (stored path, whether the
    file is new)."""
    with tempfile.TemporaryDirectory(prefix="campusgrid-public-") as folder:
        source = Path(folder) / "photo"
        source.write_bytes(photo)
        try:
            return store_photo(engine, source, what="The photo")
        except InvalidInput:  # its message names the temporary file: say it plainly
            raise InvalidInput(
                "照片无法读取 / The photo is not a readable image (JPEG, PNG, WebP…) of at "
                f"most {max_photo_bytes() / 1e6:g} MB: choose another photo."
            ) from None


def submit_public_complaint(
    engine: Engine,
    place: PublicPlace,
    *,
    actor: Actor,
    category: str,
    text: str,
    contact: str | None = None,
    photo: bytes | None = None,
    at: datetime | None = None,
) -> str:
    """Record a complaint from the public form at ``place``'s point; return its tracking
    number (shown once to the reporter; only its SHA-256 is stored). The complaint and its
    tracking row are written in one transaction: both or neither.

    The complaint goes through :func:`zoning.services.ledger.add_complaint` as ``actor``
    (the public account) with the reporter ``CHANNEL``. Raises InvalidInput (an unknown
    category, empty or too long text, a photo that is not an image or too large),
    PermissionDenied: nothing stored.
    """
    if category not in DEFAULT_CATEGORIES:
        raise InvalidInput("请选择问题类别 / Choose a category from the list.")
    text = text.strip()
    if not text:
        raise InvalidInput("请描述问题 / Describe the problem.")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"描述过长 / The description is over {MAX_TEXT} characters: shorten it.")
    contact = (contact or "").strip() or None
    if contact is not None and len(contact) > MAX_CONTACT:
        raise InvalidInput(
            f"联系方式过长 / The contact is over {MAX_CONTACT} characters: shorten it."
        )
    stored, new = _stored_photo(engine, photo) if photo else (None, False)
    token = secrets.token_urlsafe(_TOKEN_BYTES)

    def save_tracking(conn: Connection, made: ComplaintView) -> None:
        repo.save_tracking(
            conn,
            campus_id=campus_id(conn, place.campus),
            complaint_id=int(made.complaint.id),
            token_hash=token_hash(token),
            place=place.place,
            photo=stored,
            at=at or utcnow(),
        )

    try:
        ledger.add_complaint(
            engine,
            place.campus,
            actor=actor,
            lon=place.lon,
            lat=place.lat,
            category=category,
            text=text,
            contact=contact,
            at=at,
            reported_by=CHANNEL,
            then=save_tracking,
        )
    except Exception:
        if stored is not None and new:
            discard_photos([stored])
        raise
    return token


# --------------------------------------------------------------------------- tracking


@dataclass(frozen=True)
class PublicStatus:
    """What a tracking number shows: ``status`` (received, handling or closed), the
    category's names, the times (UTC) and the official replies (latest first)."""

    status: Literal["received", "handling", "closed"]
    category_zh: str
    category_en: str
    received_at: datetime
    response_deadline: datetime
    closed_at: datetime | None
    replies: tuple[Reply, ...] = ()


def track(engine: Engine, token: str) -> PublicStatus:
    """Return the status of the complaint behind tracking number ``token``.

    Raises NotFound (one line) for a number that is not one of ours.
    """
    unknown = NotFound("No complaint has this tracking number: check it and retry.")
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        raise unknown
    with engine.connect() as conn:
        found = repo.tracked(conn, token_hash(token))
        if found is None:
            raise unknown
        answers = repo.replies(conn, [found.complaint_id])[found.complaint_id]
    state = found.state or "reported"
    status: Literal["received", "handling", "closed"]
    if state == "reported":
        status = "received"
    elif state in OPEN_STATES:
        status = "handling"
    else:
        status = "closed"
    category = DEFAULT_CATEGORIES.get(found.category)
    return PublicStatus(
        status=status,
        category_zh=category.name_zh if category else found.category,
        category_en=category.name_en if category else found.category,
        received_at=found.received_at,
        response_deadline=found.response_deadline,
        closed_at=found.closed_at if status == "closed" else None,
        replies=tuple(answers),
    )


# --------------------------------------------------------------------------- Open311

#: The longest media URL accepted (characters).
MAX_MEDIA_URL = 2000


def locate_address(engine: Engine, campus: str, address: str) -> PublicPlace:
    """Return the building (by name) or cell (by code) of ``campus`` that ``address`` names,
    at its representative point: an exact match first, then one ignoring case.

    Raises InvalidInput (one line) when nothing matches or several places share the name;
    NotFound for an unknown campus.
    """
    wanted = address.strip()
    check_text(wanted, what="address_string", limit=200, empty=False)
    with engine.connect() as conn:
        found = repo.buildings(conn, campus_id(conn, campus))
    cells = load_cells(engine, campus)
    named = found[found["name"].notna()]
    candidates: list[tuple[str, str, Any]] = [
        (f"b:{int(i)}", str(n).strip(), g)
        for i, n, g in zip(named["id"], named["name"], named.geometry, strict=True)
    ] + [
        (f"c:{c}", str(c), g) for c, g in zip(cells["code"], cells.geometry, strict=True)
    ]  # fmt: skip
    for same in (_same, _same_ignoring_case):
        hits = [(key, name, g) for key, name, g in candidates if same(name, wanted)]
        if len({key for key, _, _ in hits}) > 1:
            raise InvalidInput(
                f"address_string {wanted!r} names {len(hits)} places of campus {campus!r}: "
                "send lat and long instead."
            )
        if hits:
            key, name, shape = hits[0]
            point = shape.representative_point()
            title = name if key.startswith("b:") else f"网格 / cell {name}"
            return PublicPlace(campus, key, title, point.x, point.y)
    raise InvalidInput(
        f"address_string {wanted!r} is neither a building name nor a cell code of campus "
        f"{campus!r}: send lat and long instead."
    )


def _same(a: str, b: str) -> bool:
    return a == b


def _same_ignoring_case(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def check_media_url(url: str) -> str:
    """Return ``url`` (stripped) when it is an http(s) address; InvalidInput otherwise."""
    url = url.strip()
    check_text(url, what="media_url", limit=MAX_MEDIA_URL)
    parts = urlsplit(url)
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in url)
    ):
        raise InvalidInput(
            f"media_url {url[:80]!r} is not an http(s) address: send a link such as "
            "https://example.org/photo.jpg, or leave it out."
        )
    return url


def add_open311_complaint(
    engine: Engine,
    campus: str,
    *,
    actor: Actor,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    media_url: str | None = None,
    contact: str | None = None,
    reported_by: str,
) -> ComplaintView:
    """Record an Open311 request as a complaint at ``lon``/``lat``, else at the place
    ``address`` names (:func:`locate_address`); ``media_url`` (http or https) is kept with it
    as text in the same transaction, never fetched.

    Raises what :func:`zoning.services.ledger.add_complaint` raises, and InvalidInput for a
    missing location, an unknown address or a media URL that is not http(s).
    """
    url = check_media_url(media_url) if media_url and media_url.strip() else None
    if lon is None or lat is None:
        if not address or not address.strip():
            raise InvalidInput(
                "lat and long are required (WGS-84 degrees), or address_string: a building "
                "name or cell code of the campus."
            )
        place = locate_address(engine, campus, address)
        lon, lat = place.lon, place.lat

    def keep_media(conn: Connection, made: ComplaintView) -> None:
        if url is not None:
            repo.save_media(conn, int(made.complaint.id), url)

    return ledger.add_complaint(
        engine, campus, actor=actor, lon=lon, lat=lat, category=category, text=text,
        contact=contact, reported_by=reported_by, then=keep_media,
    )  # fmt: skip


@dataclass(frozen=True)
class RequestDetails:
    """What Open311 shows of a complaint beyond the ledger: the public replies (latest
    first), when it last changed (UTC: its last ledger event or reply, else its receipt),
    its media URL and the place (a named building it lies in, else its cell)."""

    replies: tuple[Reply, ...]
    updated: datetime
    media_url: str | None
    address: str | None


def request_details(
    engine: Engine, campus: str, views: list[ComplaintView]
) -> dict[int, RequestDetails]:
    """Return the details of ``views`` (complaints the caller was allowed to list), by
    complaint id. Raises NotFound for an unknown campus."""
    ids = [int(v.complaint.id) for v in views]
    with engine.connect() as conn:
        found = repo.buildings(conn, campus_id(conn, campus))
        answers = repo.replies(conn, ids)
        links = repo.media(conn, ids)
        events = repo.last_events(conn, [v.hazard_id for v in views if v.hazard_id])
    names = _building_names(found, views)
    out = {}
    for v, cid in zip(views, ids, strict=True):
        times = [v.complaint.received_at, *(r.at for r in answers[cid][:1])]
        if v.hazard_id is not None and v.hazard_id in events:
            times.append(events[v.hazard_id])
        code = v.complaint.cell_code
        out[cid] = RequestDetails(
            replies=tuple(answers[cid]),
            updated=max(times),
            media_url=links.get(cid),
            address=names.get(cid) or (f"网格 / cell {code}" if code else None),
        )
    return out


def _building_names(found: gpd.GeoDataFrame, views: list[ComplaintView]) -> dict[int, str]:
    """Return the name of the named building each complaint lies in, by complaint id."""
    named = found[found["name"].notna()]
    if not len(named) or not views:
        return {}
    points = gpd.GeoDataFrame(
        {"cid": [int(v.complaint.id) for v in views]},
        geometry=[Point(v.complaint.lon, v.complaint.lat) for v in views],
        crs=named.crs,
    )
    hits = gpd.sjoin(points, named[["name", "geometry"]], predicate="within", how="inner")
    first = hits.drop_duplicates("cid")
    return {int(c): str(n).strip() for c, n in zip(first["cid"], first["name"], strict=True)}
