"""The photo store: an inspection photo is checked, copied in, and only the copy is kept.

A photo given with a checklist must be an image Pillow can read (JPEG, PNG, WebP, GIF, BMP
or TIFF) of at most ``$CAMPUSGRID_MAX_PHOTO_MB`` (default 20 MB) and 50 megapixels. It is
re-encoded into the store (``$CAMPUSGRID_PHOTO_DIR``, else ``photos`` beside a SpatiaLite
file, else ``data/photos``; see :func:`zoning.store.backup.photo_store`) as
``<sha256>.jpg`` (``.png`` with transparency), turned upright by its EXIF orientation and
with every EXIF, XMP and ICC field dropped (phone model, owner's name, times) except the GPS
position where the photo has one (where the hazard was seen). The
database stores the copy's path, never the path the user typed, so a path like
``/etc/shadow`` is refused as "not an image" and nothing outside the store is referenced.

A hazard's photos (:func:`stored_photos`) come from the failed checklist item that opened
it, from its report (the phone page, ``campusgrid hazards report``, the REST API) and from
the public form's complaints that it holds; :func:`thumbnail` gives a small JPEG of one for
the pages. Neither checks permissions: :func:`zoning.services.ledger.hazard_photos` does.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.errors import InvalidInput
from zoning.store.backup import photo_store
from zoning.store.models.campus import AuditEvent
from zoning.store.models.public import ComplaintTracking
from zoning.store.models.safety import ComplaintRow, HazardRow, InspectionResult

__all__ = [
    "MAX_PHOTO_MB",
    "MAX_PIXELS",
    "THUMBNAIL_PX",
    "HazardPhoto",
    "discard_photos",
    "max_photo_bytes",
    "store_photo",
    "stored_photos",
    "thumbnail",
]

#: The default largest photo file, in MB (``$CAMPUSGRID_MAX_PHOTO_MB`` changes it).
MAX_PHOTO_MB = 20.0
#: The largest image, in pixels (50 megapixels: any phone camera, no decompression bomb).
MAX_PIXELS = 50_000_000
_ENV = "CAMPUSGRID_MAX_PHOTO_MB"


def max_photo_bytes() -> int:
    """Return the largest photo file accepted, in bytes (``$CAMPUSGRID_MAX_PHOTO_MB``)."""
    text = os.environ.get(_ENV, "").strip()
    if not text:
        return int(MAX_PHOTO_MB * 1_000_000)
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not 0 < mb <= 1000:
        raise InvalidInput(f"{_ENV}={text!r} is not a size in MB from 0 to 1000: fix or unset it.")
    return int(mb * 1_000_000)


def _image_bytes(path: Path, *, what: str) -> tuple[bytes, str]:
    """Return the photo at ``path`` re-encoded without metadata, and its suffix."""
    from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

    limit = max_photo_bytes()
    try:
        size = path.stat().st_size
        if size > limit:
            raise InvalidInput(
                f"{what} ({str(path)!r}) is {size / 1e6:.1f} MB: photos may be at most "
                f"{limit / 1e6:g} MB (set {_ENV} to raise the limit).",
                zh=f"照片 {path.name!r} 有 {size / 1e6:.1f} MB：照片最大 {limit / 1e6:g} MB"
                f"（可用 {_ENV} 调高上限）。",
            )
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise InvalidInput(
                        f"{what} ({str(path)!r}) is {opened.width}×{opened.height} pixels: at most "
                        f"{MAX_PIXELS // 1_000_000} megapixels are allowed.",
                        zh=f"照片 {path.name!r} 有 {opened.width}×{opened.height} 像素："
                        f"最多 {MAX_PIXELS // 1_000_000} 百万像素。",
                    )
                gps = opened.getexif().get_ifd(ExifTags.IFD.GPSInfo)
                upright = ImageOps.exif_transpose(opened)
                alpha = "A" in upright.getbands() or "transparency" in upright.info
                clean = upright.convert("RGBA" if alpha else "RGB")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            f"{what} ({str(path)!r}) is not an image (JPEG, PNG, WebP…): give the photo's file.",
            zh=f"{path.name!r} 不是图片（JPEG、PNG、WebP…）：请选择照片文件。",
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:  # unreadable, truncated, damaged
        raise InvalidInput(
            f"{what} ({str(path)!r}) cannot be read as an image ({type(exc).__name__}): give "
            "the photo's file.",
            zh=f"{path.name!r} 无法作为图片读取（{type(exc).__name__}）：请选择照片文件。",
        ) from None
    kept = Image.Exif()
    if gps:  # the location only: every other EXIF field stays behind
        kept[ExifTags.IFD.GPSInfo] = dict(gps)
    exif = kept.tobytes() if gps else b""
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True, exif=exif)
        return out.getvalue(), ".png"
    clean.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue(), ".jpg"


def store_photo(engine: Engine, source: str | Path, *, what: str = "Photo") -> tuple[str, bool]:
    """Copy the photo at ``source`` into the photo store; return (stored path, whether the
    file is new). Raises InvalidInput: not a file, not an image, too large."""
    path = Path(source).expanduser()
    if not path.is_file():
        raise InvalidInput(
            f"{what} ({str(source)!r}) is not a file: give the photo's path.",
            zh=f"{str(source)!r} 不是文件：请给出照片的路径。",
        )
    data, suffix = _image_bytes(path, what=what)
    folder = photo_store(engine)
    target = folder / f"{hashlib.sha256(data).hexdigest()}{suffix}"
    if target.is_file():
        return str(target.resolve()), False
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a reader never sees half a photo
    return str(target.resolve()), True


def discard_photos(paths: Iterable[str]) -> None:
    """Remove photos stored for a submission that was then not saved."""
    for p in paths:
        Path(p).unlink(missing_ok=True)


# --------------------------------------------------------------------------- a hazard's photos

#: The longest side of a thumbnail shown in the pages, in pixels.
THUMBNAIL_PX = 160


@dataclass(frozen=True)
class HazardPhoto:
    """One stored photo of a hazard: its path in the photo store and where it came from
    (``inspection``: the failed item; ``report``: the hazard report; ``complaint``: the
    public form)."""

    path: str
    source: str

    @property
    def name(self) -> str:
        """Return the stored file's name (``<sha256>.jpg``)."""
        return Path(self.path).name


def stored_photos(
    engine: Engine, cid: int, hazard_ids: Sequence[int]
) -> dict[int, list[HazardPhoto]]:
    """Return the stored photos of hazards ``hazard_ids`` of campus ``cid``, by hazard id (a
    hazard without photos is absent), each photo once; no permission check."""
    ids = sorted({int(i) for i in hazard_ids})
    if not ids:
        return {}
    h, r, c, tr, a = HazardRow, InspectionResult, ComplaintRow, ComplaintTracking, AuditEvent
    found: list[tuple[int, str, str]] = []
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):  # IN lists of a bounded length
            part = ids[start : start + 500]
            rows = conn.execute(
                sa.select(h.id, r.photo_path)
                .join(r, sa.and_(r.inspection_id == h.inspection_id, r.item_code == h.item_code))
                .where(h.campus_id == cid, h.id.in_(part), r.photo_path.is_not(None))
            ).fetchall()
            found += [(int(i), str(p), "inspection") for i, p in rows]
            held = conn.execute(
                sa.select(c.hazard_id, tr.photo)
                .join(tr, tr.complaint_id == c.id)
                .where(c.campus_id == cid, c.hazard_id.in_(part), tr.photo.is_not(None))
                .order_by(c.id)
            ).fetchall()
            found += [(int(i), str(p), "complaint") for i, p in held if i is not None]
        details = conn.execute(
            sa.select(a.detail)
            .where(a.campus_id == cid, a.action == "hazard.report")
            .order_by(a.id)
        ).scalars()
        wanted = set(ids)
        for text in details:
            detail = json.loads(text or "{}")
            hazard = detail.get("hazard_id")
            if isinstance(hazard, int) and hazard in wanted:
                found += [(hazard, str(p), "report") for p in detail.get("photos") or []]
    out: dict[int, list[HazardPhoto]] = {}
    for hazard, path, source in found:
        photos = out.setdefault(hazard, [])
        if all(p.path != path for p in photos):
            photos.append(HazardPhoto(path, source))
    return out


def thumbnail(photo: HazardPhoto, *, max_px: int = THUMBNAIL_PX) -> bytes | None:
    """Return a JPEG of ``photo`` at most ``max_px`` pixels on its longest side, or None
    when its file is gone (moved photo store, deleted by hand) or unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(photo.path) as opened:
            small = opened.convert("RGB")
            small.thumbnail((max_px, max_px))
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=85)
    return out.getvalue()
