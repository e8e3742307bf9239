"""The zones (片区) of a campus: read, replace and rename the rows of the ``zone`` table.

Geometries are MultiPolygons in EPSG:4326. A campus's zones are replaced as a whole (an
import, a split that draws them): a zone keeps its number when a zone of the same name was
there before, so that the cells, hazards and zone leaders keyed by that number keep their
zone; new names take the next free numbers.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.store.campus import campus_id
from zoning.store.frames import frame_rows, read_frame
from zoning.store.models.campus import table_of
from zoning.store.models.zones import ZONE_SOURCES, Zone

#: Columns of a zones frame besides geometry.
ZONE_COLUMNS: tuple[str, ...] = ("number", "name", "source")


def read_zones(conn: sa.Connection, cid: int) -> gpd.GeoDataFrame:
    """Return the zones of campus ``cid`` (number, name, source, geometry), by number."""
    frame = read_frame(conn, table_of(Zone), list(ZONE_COLUMNS), Zone.campus_id == cid)
    frame["number"] = frame["number"].astype("int64")
    return frame.sort_values("number", kind="stable").reset_index(drop=True)


def load_zones(engine: Engine, campus: str) -> gpd.GeoDataFrame:
    """Return the zones of ``campus`` (see :func:`read_zones`). Raises NotFound."""
    with engine.connect() as conn:
        return read_zones(conn, campus_id(conn, campus))


def names_of(conn: sa.Connection, cid: int) -> dict[int, str]:
    """Return {zone number: name} for campus ``cid`` (empty when it has no zones)."""
    rows = conn.execute(sa.select(Zone.number, Zone.name).where(Zone.campus_id == cid)).all()
    return {int(n): str(name) for n, name in rows}


def zone_names(engine: Engine, campus: str) -> dict[int, str]:
    """Return {zone number: name} for ``campus``. Raises NotFound."""
    with engine.connect() as conn:
        return names_of(conn, campus_id(conn, campus))


def numbered(zones: gpd.GeoDataFrame, before: Mapping[int, str]) -> list[int]:
    """Return a number per row of ``zones`` (column ``name``, rows in reading order).

    A name that had a number in ``before`` keeps it; the others take the lowest numbers
    not used by a kept name, in row order.
    """
    by_name = {name: number for number, name in before.items()}
    names = [str(n) for n in zones["name"]]
    kept = {by_name[n] for n in names if n in by_name}
    free = (n for n in range(1, len(names) + len(kept) + 2) if n not in kept)
    return [by_name[n] if n in by_name else next(free) for n in names]


def replace_zones(conn: sa.Connection, cid: int, zones: gpd.GeoDataFrame, *, source: str) -> None:
    """Replace the zones of campus ``cid`` with ``zones`` (number, name, geometry, any CRS).

    Runs in the caller's transaction. Raises InvalidInput for an unknown ``source``, a
    repeated number or name.
    """
    if source not in ZONE_SOURCES:
        raise InvalidInput(
            f"Unknown zone source {source!r}: use one of {ZONE_SOURCES}.",
            zh=f"未知的片区来源 {source!r}：请用 {ZONE_SOURCES} 之一。",
        )
    if zones["number"].duplicated().any() or zones["name"].duplicated().any():
        raise InvalidInput(
            "Every zone needs its own number and name; nothing was stored.",
            zh="每个片区都需要唯一的编号和名称；未保存任何内容。",
        )
    frame = zones.copy()
    frame["number"] = np.asarray(frame["number"], dtype=np.int64)
    frame["name"] = frame["name"].astype(str)
    rows = frame_rows(
        frame,
        ["number", "name"],
        geometry_kind="MULTIPOLYGON",
        campus_id=cid,
        source=source,
        updated_at=utcnow(),
    )
    conn.execute(sa.delete(table_of(Zone)).where(Zone.campus_id == cid))
    if rows:
        conn.execute(sa.insert(table_of(Zone)), rows)


def rename(conn: sa.Connection, cid: int, number: int, name: str) -> str:
    """Rename zone ``number`` of campus ``cid`` to ``name``; return its old name.

    Raises NotFound for a zone the campus does not have (listing those it has), InvalidInput
    for a name another zone has.
    """
    names = names_of(conn, cid)
    if number not in names:
        listed = ", ".join(f"{n} {names[n]}" for n in sorted(names))
        raise NotFound(
            f"The campus has no zone {number}; its zones are: {listed or 'none yet'} "
            "(`campusgrid zones list` shows them).",
            zh=f"校区没有片区 {number}；现有片区：{listed or '暂无'}"
            "（`campusgrid zones list` 列出它们）。",
        )
    taken = {v: k for k, v in names.items()}
    if name in taken and taken[name] != number:
        raise InvalidInput(
            f"Zone {taken[name]} is already called {name!r}: choose another name.",
            zh=f"片区 {taken[name]} 已叫 {name!r}：请换一个名称。",
        )
    conn.execute(
        sa.update(table_of(Zone))
        .where(Zone.campus_id == cid, Zone.number == number)
        .values(name=name, updated_at=utcnow())
    )
    return names[number]


def zone_table(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return number, name, source of ``zones`` without geometry (a listing)."""
    return pd.DataFrame({c: zones[c].tolist() for c in ZONE_COLUMNS}, columns=list(ZONE_COLUMNS))
