"""Store and read whole campuses (every layer, people) in one transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from zoning.campus.layers import COLUMNS, CampusLayers, conform
from zoning.campus.people import PEOPLE_COLUMNS
from zoning.clock import utcnow
from zoning.errors import InvalidInput, NotFound
from zoning.geo.crs import metric_crs_for
from zoning.store.audit import record
from zoning.store.engine import writing
from zoning.store.frames import frame_rows, read_frame, wkb_elements
from zoning.store.models.campus import (
    Building,
    Camera,
    Campus,
    GridPlan,
    Landcover,
    Person,
    Poi,
    Road,
    table_of,
)

#: Layer name → (table, geometry kind) in the database.
LAYER_TABLES: dict[str, tuple[sa.Table, str]] = {
    "buildings": (table_of(Building), "MULTIPOLYGON"),
    "roads": (table_of(Road), "MULTILINESTRING"),
    "pois": (table_of(Poi), "POINT"),
    "landcover": (table_of(Landcover), "MULTIPOLYGON"),
    "cameras": (table_of(Camera), "POINT"),
}


@dataclass(frozen=True)
class CampusSummary:
    """What a campus list shows: identity, area (m²), feature counts, data version."""

    id: int
    name: str
    code: str
    area_m2: float
    metric_crs: str
    counts: dict[str, int]
    data_version: int
    attribution: str | None

    def to_json(self) -> dict[str, Any]:
        """Return the summary as JSON-ready data."""
        return {
            "id": self.id,
            "name": self.name,
            "code": self.code,
            "area_m2": round(self.area_m2, 1),
            "metric_crs": self.metric_crs,
            "counts": self.counts,
            "data_version": self.data_version,
            "attribution": self.attribution,
        }


def campus_code(name: str) -> str:
    """Return a short upper-case code for a campus name ("demo" → "DEMO"), "C" if none."""
    letters = re.sub(r"[^A-Za-z0-9]", "", name).upper()
    return letters[:8] or "C"


def campus_id(conn: sa.Connection, name: str) -> int:
    """Return the id of campus ``name``; raise NotFound listing the campuses there are."""
    found = conn.execute(sa.select(Campus.id).where(Campus.name == name)).scalar()
    if found is None:
        names = conn.execute(sa.select(Campus.name).order_by(Campus.name)).scalars().all()
        known = (
            ", ".join(names) if names else "none yet: run `campusgrid demo` or `campusgrid import`"
        )
        raise NotFound(f"No campus named {name!r}. Campuses in this database: {known}.")
    return int(found)


#: What a campus's history is made of: table → SQL counting its rows on campus ``:cid``.
HISTORY_COUNTS: dict[str, str] = {
    "plans": "SELECT count(*) FROM grid_plan WHERE campus_id = :cid",
    "inspections": "SELECT count(*) FROM inspection WHERE campus_id = :cid",
    "due inspections": "SELECT count(*) FROM inspection_due WHERE campus_id = :cid",
    "hazards": "SELECT count(*) FROM hazard WHERE campus_id = :cid",
    "complaints": "SELECT count(*) FROM complaint WHERE campus_id = :cid",
}

#: Deleted (in this order) by ``discard_history``; the audit trail and the people stay.
_DISCARD = (
    "DELETE FROM complaint WHERE campus_id = :cid",
    "DELETE FROM hazard WHERE campus_id = :cid",  # its events go with it (ON DELETE CASCADE)
    "DELETE FROM inspection WHERE campus_id = :cid",  # and its item results
    "DELETE FROM inspection_due WHERE campus_id = :cid",
    "DELETE FROM completion_week WHERE campus_id = :cid",
    "DELETE FROM grid_plan WHERE campus_id = :cid",  # cells, edits, lineage, activations
    "DELETE FROM retired_code WHERE campus_id = :cid",
    "DELETE FROM frame_snapshot WHERE campus_id = :cid",  # frames computed from all that
)


def history_counts(conn: sa.Connection, cid: int) -> dict[str, int]:
    """Return how many plans, inspections, due inspections, hazards and complaints campus
    ``cid`` holds (its history, which replacing its map keeps)."""
    return {
        name: int(conn.execute(sa.text(sql), {"cid": cid}).scalar_one())
        for name, sql in HISTORY_COUNTS.items()
    }


def campus_history(engine: Engine, name: str) -> dict[str, int] | None:
    """Return :func:`history_counts` of campus ``name``, None when there is no such campus."""
    with engine.connect() as conn:
        found = conn.execute(sa.select(Campus.id).where(Campus.name == name)).scalar()
        return None if found is None else history_counts(conn, int(found))


def _save_people(conn: sa.Connection, cid: int, people: pd.DataFrame) -> None:
    """Add ``people`` to campus ``cid``, updating those already there (matched by name)."""
    records = [
        {c: (None if pd.isna(r.get(c)) else r.get(c)) for c in PEOPLE_COLUMNS}
        for r in people.to_dict("records")
    ]
    known = set(conn.execute(sa.select(Person.name).where(Person.campus_id == cid)).scalars())
    new = [dict(r, campus_id=cid) for r in records if r["name"] not in known]
    if new:
        conn.execute(sa.insert(table_of(Person)), new)
    for r in records:
        if r["name"] in known:
            conn.execute(
                sa.update(table_of(Person))
                .where(Person.campus_id == cid, Person.name == r["name"])
                .values(role=r["role"], quarter=r["quarter"], phone=r["phone"])
            )


def save_campus(
    engine: Engine,
    *,
    name: str,
    layers: CampusLayers,
    code: str | None = None,
    people: pd.DataFrame | None = None,
    replace: bool = False,
    discard_history: bool = False,
    source: str | None = None,
    actor: str = "",
    backup: str | None = None,
) -> int:
    """Write a campus and all its layers in one transaction; return its id.

    Replacing an existing campus (``replace``) swaps its map (boundary and every layer) in
    place, keeping its id, code, people, plans and whole history: open items follow the
    territory when the next plan is activated. ``discard_history`` also deletes its plans,
    inspections, hazards and complaints; the audit trail is never deleted (the event records
    what was kept or discarded, and ``backup``, the automatic backup taken before).

    Raises InvalidInput when the campus exists and ``replace`` is False, or the boundary
    is empty. Nothing is written when anything fails.
    """
    if not name.strip():
        raise InvalidInput("The campus name is empty: pass --campus NAME.")
    boundary = layers.boundary.to_crs("EPSG:4326")
    outline = shapely.union_all(boundary.geometry.to_numpy())
    if outline.is_empty:
        raise InvalidInput(f"Campus {name!r} has an empty boundary: nothing to store.")
    metric = metric_crs_for(outline)
    area_m2 = float(gpd.GeoSeries([outline], crs="EPSG:4326").to_crs(metric).area.iloc[0])
    multi = outline if outline.geom_type == "MultiPolygon" else shapely.multipolygons([outline])
    row = {
        "metric_crs": metric.to_string(),
        "area_m2": area_m2,
        "attribution": layers.attribution,
        "source": source,
        "geometry": wkb_elements([multi])[0],
    }
    campus = table_of(Campus)
    detail: dict[str, Any] = {
        "source": source,
        "counts": layers.counts(),
        "warnings": len(layers.warnings),
    }
    with writing(engine) as conn:
        existing = conn.execute(sa.select(Campus.id).where(Campus.name == name)).scalar()
        if existing is None:
            cid = conn.execute(
                sa.insert(campus).returning(Campus.id),
                [dict(row, name=name, code=code or campus_code(name), data_version=1,
                      created_at=utcnow())],
            ).scalar_one()  # fmt: skip
        else:
            if not replace:
                raise InvalidInput(
                    f"Campus {name!r} already exists. Pass --replace to replace its map (its "
                    "plans and history are kept), or choose another --campus name."
                )
            cid = int(existing)
            history = history_counts(conn, cid)
            if discard_history:
                for sql in _DISCARD:
                    conn.execute(sa.text(sql), {"cid": cid})
            detail.update(
                {"history_discarded" if discard_history else "history_kept": history,
                 "backup": backup}
            )  # fmt: skip
            for table, _kind in LAYER_TABLES.values():
                conn.execute(sa.delete(table).where(table.c.campus_id == cid))
            values = dict(row, data_version=Campus.data_version + 1)
            if code:
                values["code"] = code
            conn.execute(sa.update(campus).where(Campus.id == cid).values(values))
        for layer, (table, kind) in LAYER_TABLES.items():
            frame = conform(layer, layers.layer(layer))
            rows = frame_rows(frame, list(COLUMNS[layer]), geometry_kind=kind, campus_id=cid)
            if rows:
                conn.execute(sa.insert(table), rows)
        if people is not None and len(people):
            _save_people(conn, int(cid), people)
        action = "campus.replace" if existing is not None else "campus.import"
        record(conn, campus_id=int(cid), actor=actor, action=action, detail=detail)
    return int(cid)


def load_layers(engine: Engine, name: str) -> CampusLayers:
    """Return every layer of campus ``name`` in EPSG:4326. Raises NotFound."""
    with engine.connect() as conn:
        cid = campus_id(conn, name)
        campus = conn.execute(
            sa.select(Campus.name, Campus.attribution).where(Campus.id == cid)
        ).one()
        boundary = read_frame(conn, table_of(Campus), ["name"], Campus.id == cid)
        boundary = boundary.explode(index_parts=False).reset_index(drop=True)
        frames = {
            layer: conform(
                layer, read_frame(conn, table, list(COLUMNS[layer]), table.c.campus_id == cid)
            )
            for layer, (table, _kind) in LAYER_TABLES.items()
        }
    return CampusLayers(
        boundary=conform("boundary", boundary), attribution=campus.attribution, **frames
    )


def load_people(engine: Engine, name: str) -> pd.DataFrame:
    """Return the people of campus ``name`` (id, name, role, quarter, phone)."""
    with engine.connect() as conn:
        cid = campus_id(conn, name)
        rows = conn.execute(
            sa.select(Person.id, Person.name, Person.role, Person.quarter, Person.phone)
            .where(Person.campus_id == cid)
            .order_by(Person.id)
        ).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=["id", *PEOPLE_COLUMNS])


def upsert_people(
    engine: Engine,
    name: str,
    people: pd.DataFrame,
    *,
    actor: str,
    on_behalf: str | None = None,
) -> tuple[int, int]:
    """Add the people of ``people`` (:data:`PEOPLE_COLUMNS`) to campus ``name``, updating the
    role, quarter and phone of those already there (matched by name); return (added, updated).

    Nobody is removed: cells, inspections and hazards keep pointing at their people. One
    transaction, with an audit event of account ``actor`` (``on_behalf``: the person whose
    paper list it was). Raises NotFound for an unknown campus.
    """
    records = [
        {c: (None if pd.isna(r.get(c)) else str(r.get(c))) for c in PEOPLE_COLUMNS}
        for r in people.to_dict("records")
    ]
    person = table_of(Person)
    with writing(engine) as conn:
        cid = campus_id(conn, name)
        known: dict[str | None, int] = {
            n: int(i)
            for n, i in conn.execute(
                sa.select(Person.name, Person.id).where(Person.campus_id == cid)
            )
        }
        new = [dict(r, campus_id=cid) for r in records if r["name"] not in known]
        old = [r for r in records if r["name"] in known]
        if new:
            conn.execute(sa.insert(person), new)
        for r in old:
            conn.execute(
                sa.update(person)
                .where(Person.id == known[r["name"]])
                .values(role=r["role"], quarter=r["quarter"], phone=r["phone"])
            )
        detail: dict[str, Any] = {"added": len(new), "updated": len(old)}
        bump_data_version(conn, cid)  # who holds a cell and answers for it may have changed
        record(
            conn,
            campus_id=cid,
            actor=actor,
            action="people.import",
            detail=detail,
            on_behalf=on_behalf,
        )
    return len(new), len(old)


def record_event(
    engine: Engine, campus: str | None, *, actor: str, action: str, detail: dict[str, Any]
) -> None:
    """Write one audit row for campus ``campus`` (None: an account-level row) on its own: an
    export, a read worth recording. Raises NotFound."""
    with writing(engine) as conn:
        cid = None if campus is None else campus_id(conn, campus)
        record(conn, campus_id=cid, actor=actor, action=action, detail=detail)


def list_campuses(engine: Engine) -> list[CampusSummary]:
    """Return every campus with its area and feature counts, by name."""
    with engine.connect() as conn:
        campuses = conn.execute(
            sa.select(
                Campus.id,
                Campus.name,
                Campus.code,
                Campus.area_m2,
                Campus.metric_crs,
                Campus.data_version,
                Campus.attribution,
            ).order_by(Campus.name)
        ).fetchall()
        counts: dict[int, dict[str, int]] = {c.id: {} for c in campuses}
        for layer, (table, _kind) in LAYER_TABLES.items():
            for cid, n in conn.execute(
                sa.select(table.c.campus_id, sa.func.count()).group_by(table.c.campus_id)
            ):
                if cid in counts:
                    counts[cid][layer] = int(n)
        for cid, n in conn.execute(
            sa.select(GridPlan.campus_id, sa.func.count()).group_by(GridPlan.campus_id)
        ):
            if cid in counts:
                counts[cid]["plans"] = int(n)
    return [
        CampusSummary(
            id=c.id,
            name=c.name,
            code=c.code,
            area_m2=float(c.area_m2),
            metric_crs=c.metric_crs,
            counts={k: counts[c.id].get(k, 0) for k in (*LAYER_TABLES, "plans")},
            data_version=int(c.data_version),
            attribution=c.attribution,
        )
        for c in campuses
    ]


def campus_summary(engine: Engine, name: str) -> CampusSummary:
    """Return the summary of campus ``name``. Raises NotFound."""
    for summary in list_campuses(engine):
        if summary.name == name:
            return summary
    with engine.connect() as conn:
        campus_id(conn, name)  # raises NotFound with the list of campuses
    raise NotFound(name)  # pragma: no cover - campus_id raised


def bump_data_version(conn: sa.Connection, cid: int) -> None:
    """Mark campus ``cid``'s data as changed (map caches are keyed by this version)."""
    conn.execute(
        sa.update(table_of(Campus))
        .where(Campus.id == cid)
        .values(data_version=Campus.data_version + 1)
    )
