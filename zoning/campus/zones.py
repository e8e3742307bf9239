"""Zone polygons (片区) read from a layer file: one named MultiPolygon per zone, EPSG:4326.

A zone layer is what a planning office draws for its quarters (教学区, 北区 …): polygons
with a name. :func:`read_zones` reads it from any file ``campusgrid import`` reads
(GeoJSON, GeoPackage, Shapefile, DXF, OSM), through the same readers, and returns one row
per distinct name; the parts of one name (a zone in two pieces) become one MultiPolygon.
Rows are in the order the names first appear in the file.

>>> from pathlib import Path                                       # doctest: +SKIP
>>> zones, warnings = read_zones(Path("zones.geojson"), name_field="片区")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from zoning.campus.io._fields import FIELD_ALIASES
from zoning.campus.io._read import expand_paths, read_inputs
from zoning.errors import ImportFailed
from zoning.geo.crs import WGS84

#: Attributes read as the zone's name when ``--name-field`` is not given, first found wins.
NAME_FIELDS: tuple[str, ...] = (
    "name", "zone", "zone_name", "quarter", "片区", "片区名称", "分区", "区域", "名称",
)  # fmt: skip
#: Longest zone name kept (characters): it is shown in tables and map tooltips.
MAX_NAME_CHARS = 64


def _name_keys(name_field: str | None) -> tuple[str, ...]:
    """Return the tag keys a name may be under: the field, and its model name (名称 → name)."""
    if name_field is None:
        return NAME_FIELDS
    alias = FIELD_ALIASES.get(name_field.strip().lower())
    return (name_field,) if alias is None else (name_field, alias)


def read_zones(
    path: Path, *, name_field: str | None = None, crs: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Return the zones of the file at ``path`` (columns ``name``, geometry in EPSG:4326) and
    the reader's warnings.

    ``name_field`` names the attribute holding the zone name (default: the first of
    :data:`NAME_FIELDS` the polygons have). ``crs`` overrides the file's CRS, as for
    ``campusgrid import --crs``. Raises :class:`ImportFailed` for an unreadable file, a file
    with no polygons, no name attribute (the message lists the attributes there are) or a
    polygon without a name.
    """
    from zoning.campus.io._read import resolve_crs

    files, warnings = expand_paths([path])
    layers, read_warnings = read_inputs(files, crs=resolve_crs(crs), any_layer="zones")
    warnings += read_warnings
    tags: list[dict[str, str]] = []
    geoms: list[object] = []
    for layer in layers:  # a Python loop over a few dozen zones
        for record, geom in zip(layer.tags, layer.geometry, strict=True):
            polygons = _polygons(geom)
            if polygons is not None:
                tags.append(record)
                geoms.append(polygons)
    where = Path(path).name
    if not geoms:
        raise ImportFailed(
            f"{where} has no polygons: a zone layer holds one polygon (area) per zone (片区), "
            "with its name; draw them in QGIS and save as GeoJSON or GeoPackage.",
            zh=f"{where} 中没有多边形：片区图层中每个片区是一个带名称的多边形（面）；"
            "请在 QGIS 中绘制，并保存为 GeoJSON 或 GeoPackage。",
        )
    keys = _name_keys(name_field)
    key = next((k for k in keys if any(t.get(k) for t in tags)), None)
    if key is None:
        fields = sorted({k for t in tags for k in t})
        asked = f"no field {name_field!r}" if name_field else "no name field"
        raise ImportFailed(
            f"{where} has {asked} for the zones; its fields are "
            f"{', '.join(fields) or 'none'}: give the one holding the names with --name-field.",
            zh=f"{where} 中{'没有字段 ' + repr(name_field) if name_field else '没有名称字段'}"
            f"可作片区名称；它的字段有：{', '.join(fields) or '无'}：请用 --name-field "
            "指明存放名称的字段。",
        )
    names: list[str] = []
    for n, record in enumerate(tags, start=1):
        name = " ".join(str(record.get(key) or "").split())
        if not name:
            raise ImportFailed(
                f"{where}: polygon {n} has no {key!r}: every zone needs a name (fill it in, "
                "or delete the polygon).",
                zh=f"{where}：第 {n} 个多边形没有 {key!r}：每个片区都需要名称（请填写，或删除"
                "该多边形）。",
            )
        if len(name) > MAX_NAME_CHARS:
            raise ImportFailed(
                f"{where}: the zone name {name[:20]!r}… is {len(name)} characters long, over "
                f"{MAX_NAME_CHARS}: is --name-field the right field?",
                zh=f"{where}：片区名称 {name[:20]!r}… 长 {len(name)} 个字符，超过 "
                f"{MAX_NAME_CHARS}：--name-field 是否选对了字段？",
            )
        names.append(name)
    return _dissolved(names, np.asarray(geoms, dtype=object)), warnings


def _polygons(geom: object) -> object | None:
    """Return the polygonal part of ``geom`` (made valid), or None when it has no area."""
    if geom is None or shapely.is_empty(geom):
        return None
    fixed = shapely.make_valid(geom)
    parts = shapely.get_parts(fixed)
    polys = [p for p in parts if shapely.get_type_id(p) in (3, 6) and shapely.area(p) > 0]
    return shapely.union_all(polys) if polys else None


def _dissolved(names: list[str], geoms: np.ndarray) -> gpd.GeoDataFrame:
    """Return one row per name (the union of its polygons), in order of first appearance."""
    order = list(dict.fromkeys(names))
    merged = [
        shapely.union_all([g for n, g in zip(names, geoms, strict=True) if n == name])
        for name in order
    ]  # a Python loop over a few dozen zones
    return gpd.GeoDataFrame({"name": order}, geometry=merged, crs=WGS84)
