"""Multipart bodies with photos (``multipart/form-data``): the JSON fields in the part
``checklist`` and one file part ``photo.ITEM`` per photographed item. Each photo is saved to
a private temporary folder for the call (the service then checks it and copies it into the
photo store) and removed after the call. Limits: :data:`MAX_PHOTOS` photos, each within the
photo store's size limit (``$CAMPUSGRID_MAX_PHOTO_MB``), the whole body within their sum."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from zoning.api.rest.errors import ApiError
from zoning.services.photos import max_photo_bytes

#: The most photos one request may carry.
MAX_PHOTOS = 20
#: The part holding the JSON fields.
FIELDS_PART = "checklist"
#: The prefix of a photo part's name: ``photo.ITEM``.
PHOTO_PREFIX = "photo."
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Upload:
    """The photos saved for one call (ITEM → file path) and their folder (None: none)."""

    photos: Mapping[str, str] = field(default_factory=dict)
    folder: Path | None = None

    @staticmethod
    def none() -> Upload:
        """Return the upload of a request without photos."""
        return Upload()

    def discard(self) -> None:
        """Remove the call's temporary files (the photo store keeps its own copies)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413, "too_large", f"The request is over {limit / 1e6:.1f} MB: send fewer or smaller photos."
    )


def body_limit() -> int:
    """Return the largest multipart body (bytes): every photo at its limit plus 1 MiB."""
    return MAX_PHOTOS * max_photo_bytes() + (1 << 20)


def capped(request: Request, limit: int) -> Request:
    """Return ``request`` reading at most ``limit`` body bytes (ApiError 413 beyond)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    seen = 0

    async def receive() -> Message:
        nonlocal seen
        message = await request.receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _too_large(limit)
        return message

    return Request(request.scope, receive)


def _fields(value: Any) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ApiError(422, "validation", f"{FIELDS_PART}: give the fields as JSON text",
                       field=FIELDS_PART)  # fmt: skip
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ApiError(422, "validation", f"{FIELDS_PART}: not a JSON object", field=FIELDS_PART)
    return data


async def _save(part: UploadFile, item: str, folder: Path, limit: int) -> str:
    target = folder / (_SAFE.sub("_", item)[:80] or "photo")
    size = 0
    with target.open("wb") as out:
        while chunk := await part.read(1 << 16):
            size += len(chunk)
            if size > limit:
                raise ApiError(
                    413, "too_large",
                    f"The photo of item {item!r} is over {limit / 1e6:.1f} MB: send a smaller "
                    "one.", field=PHOTO_PREFIX + item,
                )  # fmt: skip
            out.write(chunk)
    return str(target)


async def read_multipart(request: Request) -> tuple[dict[str, Any], Upload]:
    """Return the JSON fields of part ``checklist`` and the photos of parts ``photo.ITEM``
    (saved to a temporary folder: call :meth:`Upload.discard` after); ApiError 413 over
    the limits, 422 for an unknown part or a missing/invalid ``checklist``."""
    limit = max_photo_bytes()
    try:
        form = await capped(request, body_limit()).form(max_files=MAX_PHOTOS, max_fields=10)
    except (MultiPartException, HTTPException) as err:
        detail = getattr(err, "detail", None) or getattr(err, "message", None) or str(err)
        raise ApiError(
            400, "bad_multipart", f"The multipart body could not be read ({detail}): send "
            f"'{FIELDS_PART}' (JSON) and at most {MAX_PHOTOS} 'photo.ITEM' files.",
        ) from None  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="campusgrid-upload-"))
    photos: dict[str, str] = {}
    try:
        fields: dict[str, Any] | None = None
        for name, value in form.multi_items():
            if name == FIELDS_PART:
                fields = _fields(value)
            elif name.startswith(PHOTO_PREFIX) and isinstance(value, UploadFile):
                item = name.removeprefix(PHOTO_PREFIX)
                if not item or item in photos:
                    raise ApiError(422, "validation", f"{name}: one photo part per item, "
                                   "named photo.ITEM", field=name)  # fmt: skip
                photos[item] = await _save(value, item, folder, limit)
            else:
                raise ApiError(
                    422, "validation",
                    f"{name}: unknown part; send '{FIELDS_PART}' (JSON) and 'photo.ITEM' files",
                    field=name,
                )  # fmt: skip
        if fields is None:
            raise ApiError(422, "validation", f"{FIELDS_PART}: required", field=FIELDS_PART)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        await form.close()
    return fields, Upload(photos, folder)
