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
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import Engine

from zoning.errors import InvalidInput
from zoning.store.backup import photo_store

__all__ = ["MAX_PHOTO_MB", "MAX_PIXELS", "discard_photos", "max_photo_bytes", "store_photo"]

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
                f"{limit / 1e6:g} MB (set {_ENV} to raise the limit)."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise InvalidInput(
                        f"{what} ({str(path)!r}) is {opened.width}×{opened.height} pixels: at most "
                        f"{MAX_PIXELS // 1_000_000} megapixels are allowed."
                    )
                gps = opened.getexif().get_ifd(ExifTags.IFD.GPSInfo)
                upright = ImageOps.exif_transpose(opened)
                alpha = "A" in upright.getbands() or "transparency" in upright.info
                clean = upright.convert("RGBA" if alpha else "RGB")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(
            f"{what} ({str(path)!r}) is not an image (JPEG, PNG, WebP…): give the photo's file."
        ) from None
    except (OSError, ValueError, SyntaxError) as exc:  # unreadable, truncated, damaged
        raise InvalidInput(
            f"{what} ({str(path)!r}) cannot be read as an image ({type(exc).__name__}): give "
            "the photo's file."
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
        raise InvalidInput(f"{what} ({str(source)!r}) is not a file: give the photo's path.")
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
