"""Edits on a draft grid plan: pure functions that return a new draft state.

An edit (:class:`Merge`, :class:`Split`, :class:`Reshape`, :class:`Reassign`,
:class:`MoveZone`) applied to a :class:`DraftState` gives an :class:`Applied`: the new state
and an :class:`EditRecord` that :func:`undo` turns back into the exact previous state.

The edits are topological (unions, differences, a split along a line), so they run in the
CRS the cells are stored in (EPSG:4326 for drafts read from the database): no vertex goes
through a reprojection, and cells an edit does not touch keep their exact coordinates.
Areas (``area_m2``) are computed in the state's ``metric_crs``. After every geometric edit
the changed cells and their neighbours are snapped onto each other's vertices (a tolerance
of about 1 µm), so shared edges keep identical vertices and the cells stay a valid
coverage (``shapely.coverage_is_valid``).

Codes follow :mod:`zoning.grid.codes`: merged, split and re-zoned cells get new codes (the
smallest free sequence of their zone that was never used on the campus), the old codes are
retired, and :class:`Link` rows keep the lineage ``old → new``. Reshaping keeps codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_polygon

from zoning.errors import InvalidInput
from zoning.grid.codes import default_row_height_m, format_code, reading_order

CELL_COLUMNS = ("code", "zone", "kind", "owner", "area_m2")
#: Snapping tolerance that glues shared vertices: about 1 µm in degrees or in metres.
SNAP_DEGREES = 1e-11
SNAP_METRES = 1e-6
#: Pieces smaller than this (m²) are rounding noise, not territory.
NOISE_M2 = 1e-3


@dataclass(frozen=True)
class Link:
    """One step of code lineage: ``old`` became (part of) ``new`` by ``kind``."""

    old: str
    new: str
    kind: str  # merge | split | move_zone | absorbed | import

    def to_json(self) -> dict[str, str]:
        """Return the link as JSON-ready data."""
        return {"old": self.old, "new": self.new, "kind": self.kind}


@dataclass(frozen=True)
class Merge:
    """Merge adjacent cells into one new cell."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class Split:
    """Split a cell along a line (in the cells' CRS) into new cells."""

    code: str
    line: BaseGeometry


@dataclass(frozen=True)
class Reshape:
    """Give a cell a new outline; its neighbours give up or take the difference."""

    code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Reassign:
    """Give cells a new owner (网格员)."""

    codes: tuple[str, ...]
    owner: str


@dataclass(frozen=True)
class MoveZone:
    """Move cells to another zone (they get new codes of that zone)."""

    codes: tuple[str, ...]
    zone: int


@dataclass(frozen=True)
class SetOwners:
    """Give many cells their owners at once (``(code, owner)`` pairs), e.g. assign-owners."""

    owners: tuple[tuple[str, str], ...]


Edit = Merge | Split | Reshape | Reassign | MoveZone | SetOwners
EDIT_KINDS: dict[type[Any], str] = {
    SetOwners: "set_owners",
    Merge: "merge",
    Split: "split",
    Reshape: "reshape",
    Reassign: "reassign",
    MoveZone: "move_zone",
}


def edit_kind(edit: Edit) -> str:
    """Return the name of an edit: merge, split, reshape, reassign or move_zone."""
    return EDIT_KINDS[type(edit)]


def edit_to_json(edit: Edit) -> dict[str, Any]:
    """Return ``edit`` as JSON-ready data (geometries as WKT in the cells' CRS)."""
    data: dict[str, Any] = {"kind": edit_kind(edit)}
    if isinstance(edit, Merge):
        data["codes"] = list(edit.codes)
    elif isinstance(edit, Split):
        data.update(code=edit.code, line_wkt=shapely.to_wkt(edit.line))
    elif isinstance(edit, Reshape):
        data.update(code=edit.code, geometry_wkt=shapely.to_wkt(edit.geometry))
    elif isinstance(edit, Reassign):
        data.update(codes=list(edit.codes), owner=edit.owner)
    elif isinstance(edit, SetOwners):
        data["owners"] = [list(pair) for pair in edit.owners]
    else:
        data.update(codes=list(edit.codes), zone=edit.zone)
    return data


def edit_from_json(data: dict[str, Any]) -> Edit:
    """Return the edit written by :func:`edit_to_json`. Raises InvalidInput."""
    kind = data.get("kind")
    if kind == "merge":
        return Merge(tuple(data["codes"]))
    if kind == "split":
        return Split(data["code"], shapely.from_wkt(data["line_wkt"]))
    if kind == "reshape":
        return Reshape(data["code"], shapely.from_wkt(data["geometry_wkt"]))
    if kind == "reassign":
        return Reassign(tuple(data["codes"]), str(data["owner"]))
    if kind == "move_zone":
        return MoveZone(tuple(data["codes"]), int(data["zone"]))
    if kind == "set_owners":
        return SetOwners(tuple((str(c), str(o)) for c, o in data["owners"]))
    raise InvalidInput(f"Unknown edit kind {kind!r}.", zh=f"未知的编辑类型 {kind!r}。")


def normalize_cells(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the cells with the planner's columns and dtypes, sorted by code."""
    data: dict[str, Any] = {}
    n = len(cells)
    for column in CELL_COLUMNS:
        values: list[Any] = cells[column].tolist() if column in cells.columns else [None] * n
        if column == "zone":
            values = [None if _missing(v) else int(v) for v in values]
        elif column == "area_m2":
            values = [np.nan if _missing(v) else float(v) for v in values]
        else:
            values = [None if _missing(v) else str(v) for v in values]
        data[column] = pd.Series(values, dtype="float64" if column == "area_m2" else object)
    frame = gpd.GeoDataFrame(data, geometry=list(cells.geometry.values), crs=cells.crs)
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


@dataclass(frozen=True)
class DraftState:
    """A draft's cells (sorted by code), its lineage, and the codes it may never mint.

    ``taken`` holds every code ever used or retired on the campus (all plans); codes now
    in the cells and every old code of the lineage are never minted either.
    """

    cells: gpd.GeoDataFrame
    campus_code: str
    metric_crs: str
    taken: frozenset[str] = frozenset()
    lineage: tuple[Link, ...] = ()

    @classmethod
    def of(
        cls,
        cells: gpd.GeoDataFrame,
        *,
        campus_code: str,
        metric_crs: str,
        taken: Iterable[str] = (),
        lineage: Iterable[Link] = (),
    ) -> DraftState:
        """Return a state over ``cells`` (columns code, zone, kind, owner, area_m2)."""
        if cells.crs is None:
            raise InvalidInput(
                "The cells have no CRS: set one before editing.",
                zh="网格没有坐标参考系（CRS）：请先设置再编辑。",
            )
        state = cls(
            normalize_cells(cells), campus_code, metric_crs, frozenset(taken), tuple(lineage)
        )
        missing = state.cells["area_m2"].isna().to_numpy()
        if missing.any():
            frame = state.cells.copy()
            frame.loc[missing, "area_m2"] = _areas_m2(state, list(frame.geometry[missing]))
            state = replace(state, cells=frame)
        return state

    @property
    def codes(self) -> list[str]:
        """The cell codes, sorted."""
        return [str(c) for c in self.cells["code"]]

    @property
    def retired(self) -> frozenset[str]:
        """The codes this draft's lineage retired (old codes no longer in the cells)."""
        now = set(self.codes)
        return frozenset(link.old for link in self.lineage if link.old not in now)

    def row(self, code: str) -> int:
        """Return the row of ``code``. Raises InvalidInput listing a few codes."""
        hits = np.flatnonzero(self.cells["code"].to_numpy(dtype=object) == code)
        if not len(hits):
            sample = ", ".join(self.codes[:3])
            raise InvalidInput(
                f"This draft has no cell {code!r} (codes look like {sample}).",
                zh=f"该草稿没有网格 {code!r}（编号形如 {sample}）。",
            )
        return int(hits[0])


@dataclass(frozen=True)
class EditRecord:
    """What an edit changed, enough to undo it exactly.

    ``before`` holds the rows (as they were) of every cell the edit removed or changed;
    ``after_codes`` the codes of every cell it added or changed; ``links`` its lineage.
    """

    edit: Edit
    before: gpd.GeoDataFrame
    after_codes: tuple[str, ...]
    links: tuple[Link, ...]

    @property
    def retired(self) -> tuple[str, ...]:
        """The codes the edit removed from the draft."""
        after = set(self.after_codes)
        return tuple(c for c in self.before["code"] if c not in after)


@dataclass(frozen=True)
class Applied:
    """The draft after an edit, and the record of the edit."""

    state: DraftState
    record: EditRecord


def _is_geographic(state: DraftState) -> bool:
    return bool(CRS.from_user_input(state.cells.crs).is_geographic)


def _areas_m2(state: DraftState, geoms: Sequence[BaseGeometry]) -> list[float]:
    series = gpd.GeoSeries(list(geoms), crs=state.cells.crs)
    if _is_geographic(state):
        series = series.to_crs(state.metric_crs)
    return [float(a) for a in series.area]


def mint_codes(campus_code: str, zone: int, count: int, *, taken: Iterable[str]) -> list[str]:
    """Return ``count`` codes of ``zone``: the smallest sequences not in ``taken``."""
    used = set(taken)
    out: list[str] = []
    seq = 1
    while len(out) < count:
        code = format_code(campus_code, zone, seq)
        if code not in used:
            out.append(code)
            used.add(code)
        seq += 1
    return out


def _taken(state: DraftState) -> set[str]:
    return set(state.taken) | set(state.codes) | {link.old for link in state.lineage}


def _in_reading_order(state: DraftState, geoms: Sequence[BaseGeometry]) -> list[int]:
    series = gpd.GeoSeries(list(geoms), crs=state.cells.crs)
    if _is_geographic(state):
        series = series.to_crs(state.metric_crs)
    arr = np.asarray(series.values, dtype=object)
    centres = shapely.centroid(arr)
    order = reading_order(
        shapely.get_x(centres), shapely.get_y(centres), row_height_m=default_row_height_m(arr)
    )
    return [int(k) for k in order]


def _one_polygon(geom: BaseGeometry, what: str) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if len(parts) != 1:
        raise InvalidInput(
            f"{what} would not be one piece ({len(parts)} parts).",
            zh=f"编辑后的网格不是一整块（会分成 {len(parts)} 块）：请换一种画法。",
        )
    return parts[0]


def _conform(state: DraftState, changed: dict[int, BaseGeometry]) -> dict[int, BaseGeometry]:
    """Snap the changed cells and their neighbours onto each other's vertices.

    ``changed`` maps rows of ``state.cells`` (or negative keys for new cells) to geometries;
    returns every row whose geometry differs afterwards (neighbours included).
    """
    tol = SNAP_DEGREES if _is_geographic(state) else SNAP_METRES
    geoms = np.asarray(state.cells.geometry.values, dtype=object)
    changed_rows = {k for k in changed if k >= 0}
    new_geoms = list(changed.values())
    zone = shapely.buffer(shapely.union_all(new_geoms), tol * 10)
    near = [
        int(k)
        for k in shapely.STRtree(geoms).query(zone, predicate="intersects")
        if int(k) not in changed_rows
    ]
    out: dict[int, BaseGeometry] = {}
    vertices = shapely.multipoints(shapely.get_coordinates(np.asarray(new_geoms, dtype=object)))
    for k in near:
        snapped = shapely.snap(geoms[k], vertices, tol)
        if not _same_vertices(snapped, geoms[k]):
            out[k] = snapped
    neighbours = [out.get(k, geoms[k]) for k in near]
    for key, geom in changed.items():
        others = [g for g in new_geoms if g is not geom] + neighbours
        if others:
            ref = shapely.multipoints(shapely.get_coordinates(np.asarray(others, dtype=object)))
            geom = shapely.snap(geom, ref, tol)
        out[key] = geom
    return out


def _same_vertices(a: BaseGeometry, b: BaseGeometry) -> bool:
    ca, cb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    return len(ca) == len(cb) and set(map(tuple, ca)) == set(map(tuple, cb))


def _rebuild(
    state: DraftState,
    edit: Edit,
    *,
    changed: dict[int, BaseGeometry],
    removed: Sequence[int],
    added: Sequence[dict[str, Any]],
    links: Sequence[Link],
    attrs: dict[int, dict[str, Any]] | None = None,
) -> Applied:
    """Return the state with rows ``removed`` dropped, ``changed``/``attrs`` applied and
    ``added`` rows (dicts with a geometry) appended, plus the record."""
    attrs = attrs or {}
    cells = state.cells
    touched = sorted(set(changed) | set(attrs) | set(removed))
    before = cells.iloc[touched].copy()
    kept = cells.drop(index=list(removed))
    rows = kept.copy()
    geoms = list(rows.geometry.values)
    index = list(rows.index)
    geom_changed = [k for k in changed if k in rows.index]
    areas = _areas_m2(state, [changed[k] for k in geom_changed])
    for k, area in zip(geom_changed, areas, strict=True):
        pos = index.index(k)
        geoms[pos] = changed[k]
        rows.loc[k, "area_m2"] = area
    for k, values in attrs.items():
        for column, value in values.items():
            rows.loc[k, column] = value
    rows = gpd.GeoDataFrame(rows.drop(columns="geometry"), geometry=geoms, crs=cells.crs)
    new_rows = []
    if added:
        add_areas = _areas_m2(state, [a["geometry"] for a in added])
        for row, area in zip(added, add_areas, strict=True):
            new_rows.append({**row, "area_m2": area})
    addition = gpd.GeoDataFrame(
        pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in new_rows]),
        geometry=[r["geometry"] for r in new_rows],
        crs=cells.crs,
    )
    frame = normalize_cells(pd.concat([rows, addition], ignore_index=True) if added else rows)
    after_codes = [str(cells.at[k, "code"]) for k in touched if k not in set(removed)]
    after_codes = [c for c in after_codes if c in set(frame["code"])]
    after_codes += [str(r["code"]) for r in new_rows]
    new_state = replace(state, cells=frame, lineage=state.lineage + tuple(links))
    record = EditRecord(edit, normalize_cells(before), tuple(sorted(after_codes)), tuple(links))
    return Applied(new_state, record)


def _merge(state: DraftState, edit: Merge) -> Applied:
    codes = list(dict.fromkeys(edit.codes))
    if len(codes) < 2:
        raise InvalidInput(
            "Merging needs at least two cell codes.", zh="合并至少需要两个网格编号。"
        )
    rows = [state.row(c) for c in codes]
    geoms = [state.cells.geometry.iloc[k] for k in rows]
    union = shapely.union_all(geoms)
    if len(shapely.get_parts(union)) != 1:
        raise InvalidInput(
            f"Cells {', '.join(codes)} are not adjacent: merge touching cells.",
            zh=f"网格 {'、'.join(codes)} 不相邻：请合并相接的网格。",
        )
    merged = _one_polygon(union, "The merged cell")
    areas = _areas_m2(state, geoms)
    main = rows[int(np.argmax(areas))]
    zone = int(state.cells.at[main, "zone"])
    (code,) = mint_codes(state.campus_code, zone, 1, taken=_taken(state))
    snapped = _conform(state, {-1: merged})
    new_geom = snapped.pop(-1)
    added = [
        {
            "code": code,
            "zone": zone,
            "kind": state.cells.at[main, "kind"],
            "owner": state.cells.at[main, "owner"],
            "geometry": new_geom,
        }
    ]
    links = [Link(c, code, "merge") for c in codes]
    return _rebuild(state, edit, changed=snapped, removed=rows, added=added, links=links)


def _split(state: DraftState, edit: Split) -> Applied:
    k = state.row(edit.code)
    cell = state.cells.geometry.iloc[k]
    if edit.line.geom_type not in ("LineString", "MultiLineString"):
        raise InvalidInput(
            "Split a cell with a line (two or more points).",
            zh="请用一条线（两个或更多点）拆分网格。",
        )
    parts = [p for p in shapely.get_parts(split_polygon(cell, edit.line)) if not p.is_empty]
    if len(parts) < 2:
        raise InvalidInput(
            f"The line does not cut cell {edit.code} in two: draw it across the whole cell.",
            zh=f"这条线没有把网格 {edit.code} 分成两块：请画线贯穿整个网格。",
        )
    order = _in_reading_order(state, parts)
    parts = [parts[i] for i in order]
    zone = int(state.cells.at[k, "zone"])
    codes = mint_codes(state.campus_code, zone, len(parts), taken=_taken(state))
    snapped = _conform(state, {-1 - i: p for i, p in enumerate(parts)})
    added = [
        {
            "code": code,
            "zone": zone,
            "kind": state.cells.at[k, "kind"],
            "owner": state.cells.at[k, "owner"],
            "geometry": snapped.pop(-1 - i),
        }
        for i, code in enumerate(codes)
    ]
    links = [Link(edit.code, code, "split") for code in codes]
    return _rebuild(state, edit, changed=snapped, removed=[k], added=added, links=links)


def _reshape(state: DraftState, edit: Reshape) -> Applied:
    k = state.row(edit.code)
    geoms = np.asarray(state.cells.geometry.values, dtype=object)
    target = shapely.make_valid(edit.geometry)
    cell = geoms[k]
    tree = shapely.STRtree(geoms)
    candidates = sorted(
        {int(i) for i in tree.query(shapely.union_all([target, cell]), predicate="intersects")}
        | {k}
    )
    others = [i for i in candidates if i != k]
    territory = shapely.union_all(geoms[candidates])
    new_cell = _one_polygon(shapely.intersection(target, territory), f"Cell {edit.code}")
    new_geoms: dict[int, BaseGeometry] = {i: shapely.difference(geoms[i], new_cell) for i in others}
    given_up = shapely.get_parts(shapely.difference(cell, new_cell))
    for piece, area in zip(given_up, _areas_m2(state, list(given_up)), strict=True):
        if area < NOISE_M2:
            continue
        shared = {
            i: shapely.length(shapely.intersection(shapely.boundary(piece), g))
            for i, g in new_geoms.items()
            if not g.is_empty
        }
        best = max(shared.items(), key=lambda kv: (kv[1], -kv[0]), default=(None, 0.0))
        if best[0] is None or best[1] <= 0:
            raise InvalidInput(
                f"The area cell {edit.code} gives up near {_near(piece)} touches no other "
                "cell: keep it, or reshape a neighbour over it.",
                zh=f"网格 {edit.code} 在 {_near(piece)} 附近让出的区域不与其他网格相接："
                "请保留它，或调整相邻网格把它包进去。",
            )
        new_geoms[best[0]] = shapely.union(new_geoms[best[0]], piece)
    removed: list[int] = []
    changed: dict[int, BaseGeometry] = {k: new_cell}
    links: list[Link] = []
    for i, geom in new_geoms.items():
        code = str(state.cells.at[i, "code"])
        if geom.is_empty or _areas_m2(state, [geom])[0] < NOISE_M2:
            removed.append(i)
            links.append(Link(code, edit.code, "absorbed"))
            continue
        polygon = _one_polygon(geom, f"Cell {code}")
        if not _same_vertices(polygon, geoms[i]):
            changed[i] = polygon
    snapped = _conform(state, changed)
    return _rebuild(state, edit, changed=snapped, removed=removed, added=[], links=links)


def _near(geom: BaseGeometry) -> str:
    point = shapely.point_on_surface(geom)
    return f"({point.x:.6f}, {point.y:.6f})"


def _reassign(state: DraftState, edit: Reassign) -> Applied:
    if not edit.owner.strip():
        raise InvalidInput("Name the new owner.", zh="请填写新的网格员。")
    rows = [state.row(c) for c in dict.fromkeys(edit.codes)]
    attrs = {k: {"owner": edit.owner} for k in rows}
    return _rebuild(state, edit, changed={}, removed=[], added=[], links=[], attrs=attrs)


def _set_owners(state: DraftState, edit: SetOwners) -> Applied:
    attrs: dict[int, dict[str, Any]] = {}
    for code, owner in edit.owners:
        k = state.row(code)
        if state.cells.at[k, "owner"] != owner:
            attrs[k] = {"owner": owner}
    return _rebuild(state, edit, changed={}, removed=[], added=[], links=[], attrs=attrs)


def _move_zone(state: DraftState, edit: MoveZone) -> Applied:
    if edit.zone < 1:
        raise InvalidInput(
            f"Zones are numbered from 1, not {edit.zone}.",
            zh=f"片区从 1 开始编号，不能是 {edit.zone}。",
        )
    rows = [state.row(c) for c in dict.fromkeys(edit.codes)]
    rows = [k for k in rows if state.cells.at[k, "zone"] != edit.zone]
    if not rows:
        raise InvalidInput(
            f"The cells are already in zone {edit.zone}.",
            zh=f"这些网格已在片区 {edit.zone}。",
        )
    geoms = [state.cells.geometry.iloc[k] for k in rows]
    rows = [rows[i] for i in _in_reading_order(state, geoms)]
    codes = mint_codes(state.campus_code, edit.zone, len(rows), taken=_taken(state))
    added = [
        {
            "code": code,
            "zone": edit.zone,
            "kind": state.cells.at[k, "kind"],
            "owner": state.cells.at[k, "owner"],
            "geometry": state.cells.geometry.iloc[k],
        }
        for k, code in zip(rows, codes, strict=True)
    ]
    links = [
        Link(str(state.cells.at[k, "code"]), code, "move_zone")
        for k, code in zip(rows, codes, strict=True)
    ]
    return _rebuild(state, edit, changed={}, removed=rows, added=added, links=links)


def apply_edit(state: DraftState, edit: Edit) -> Applied:
    """Return the draft after ``edit`` and the record to undo it.

    Raises InvalidInput for unknown codes, cells that are not adjacent, a line that does
    not cut the cell, or a reshape that would leave a cell in several pieces.
    """
    if isinstance(edit, Merge):
        return _merge(state, edit)
    if isinstance(edit, Split):
        return _split(state, edit)
    if isinstance(edit, Reshape):
        return _reshape(state, edit)
    if isinstance(edit, Reassign):
        return _reassign(state, edit)
    if isinstance(edit, MoveZone):
        return _move_zone(state, edit)
    if isinstance(edit, SetOwners):
        return _set_owners(state, edit)
    raise InvalidInput(f"Unknown edit {edit!r}.", zh=f"未知的编辑 {edit!r}。")


def undo(state: DraftState, record: EditRecord) -> DraftState:
    """Return the exact state before the edit of ``record`` (the last one applied)."""
    n = len(record.links)
    if n and state.lineage[-n:] != record.links:
        raise InvalidInput("Only the last edit can be undone.", zh="只能撤销最后一次编辑。")
    keep = ~state.cells["code"].isin(list(record.after_codes))
    cells = pd.concat([state.cells[keep], record.before], ignore_index=True)
    frame = normalize_cells(gpd.GeoDataFrame(cells, geometry="geometry", crs=state.cells.crs))
    return replace(state, cells=frame, lineage=state.lineage[: len(state.lineage) - n])
