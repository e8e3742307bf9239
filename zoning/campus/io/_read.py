"""Reading input files into :class:`~zoning.campus.io._osm.TaggedLayer` objects in EPSG:4326.

Supported: OSM XML/PBF (:mod:`zoning.campus.io._osm`), GeoJSON, GeoPackage (every layer),
Shapefile, DXF site plans (:mod:`zoning.campus.io._dxf`) and a cameras CSV. A folder stands
for every supported file in it. In layer files the campus layer comes from ``--layer-map``,
else the file name (GeoJSON, Shapefile, CSV) or the layer name (GeoPackage, DXF), English or
Chinese (:mod:`zoning.campus.io._fields`). Attribute names are read through
:func:`zoning.campus.io._fields.field_renames`; coordinates through
:func:`zoning.campus.io._crs.to_wgs84`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from zoning.campus.io._crs import to_wgs84
from zoning.campus.io._dxf import read_dxf
from zoning.campus.io._encoding import shapefile_encoding
from zoning.campus.io._fields import chinese_layer_kind, field_renames
from zoning.campus.io._gdal import read_frame
from zoning.campus.io._osm import TaggedLayer, is_osm_file, read_osm, record_tags, tag_text
from zoning.errors import ImportFailed, InvalidInput
from zoning.geo import chinacrs
from zoning.geo.crs import WGS84

#: Suffixes of layer files read through GDAL.
LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".dxf")
CSV_SUFFIXES = (".csv",)

#: Campus layer (and fallback landcover kind) for each layer / file name we recognise.
#: Names are compared lower-case with trailing "s" removed, so "buildingss" is "buildings".
LAYER_ALIASES: dict[str, tuple[str, str | None]] = {
    "boundary": ("boundary", None),
    "boundarie": ("boundary", None),
    "campu": ("boundary", None),
    "building": ("buildings", None),
    "road": ("roads", None),
    "street": ("roads", None),
    "path": ("roads", None),
    "route": ("roads", None),
    "poi": ("pois", None),
    "point": ("pois", None),
    "gate": ("pois", "gate"),
    "entrance": ("pois", "entrance"),
    "camera": ("cameras", None),
    "cctv": ("cameras", None),
    "landcover": ("landcover", None),
    "water": ("landcover", "water"),
    "leisure": ("landcover", None),
    "landuse": ("landcover", None),
    "green": ("landcover", "green"),
    "park": ("landcover", "green"),
    "tree": ("landcover", "green"),
    "parking": ("landcover", "parking"),
}
#: Columns whose value is a whole tag set (hstore string, JSON object or dict).
TAG_BLOB_COLUMNS = ("other_tags", "osm_tags", "all_tags", "tags")
#: Columns that show a layer file was made from OpenStreetMap data.
OSM_MARKER_COLUMNS = frozenset({"osm_id", "osm_way_id", "osm_type", "other_tags", "osm_tags"})
_LON_COLUMNS = ("lon", "lng", "longitude", "x")
_LAT_COLUMNS = ("lat", "latitude", "y")
#: Attributes that give a building's height or storeys (then a Z is not used as its height).
_HEIGHT_KEYS = ("height_m", "height", "building:height", "levels", "building:levels")
#: A footprint whose Z varies by more than this (m) is a 3-D outline: its Z extent is a height.
Z_EXTENT_MIN_M = 0.5
Kind = tuple[str, str | None]


def layer_kind(name: str) -> tuple[str, str | None] | None:
    """Return (campus layer, fallback landcover kind) for a file or layer name, or None.

    >>> layer_kind("buildingss"), layer_kind("hfut_water"), layer_kind("cells")
    (('buildings', None), ('landcover', 'water'), None)
    >>> layer_kind("房屋面")
    ('buildings', None)
    """
    chinese = chinese_layer_kind(name)
    if chinese:
        return chinese
    key = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    tokens = [key, *key.split("_")[::-1]]
    for token in tokens:
        found = LAYER_ALIASES.get(token.rstrip("s"))
        if found:
            return found
    return None


def expand_paths(paths: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """Return the files to read (each path, or the supported files of a folder) and warnings.

    Raises :class:`ImportFailed` for a missing path, an unsupported suffix or an empty folder.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise ImportFailed("No input file given: pass an .osm/.osm.pbf file or layer files.")
    files: list[Path] = []
    warnings: list[str] = []
    for item in paths:
        path = Path(item).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and _supported(p))
            if not found:
                raise ImportFailed(
                    f"The folder {path} holds no supported file; put .osm, .osm.pbf, .geojson, "
                    ".gpkg, .shp, .dxf or cameras .csv files in it."
                )
            chosen = _prefer_one_form(found)
            skipped = [p.name for p in found if p not in chosen]
            if skipped:
                warnings.append(
                    f"{path.name}/: read {', '.join(p.name for p in chosen)}; skipped "
                    f"{', '.join(skipped)} (the same campus in another form)"
                )
            files.extend(chosen)
        elif path.is_file():
            if not _supported(path):
                raise ImportFailed(
                    f"{path.name}: unsupported file type; campusgrid reads .osm, .osm.pbf, "
                    ".geojson, .gpkg, .shp, .dxf and cameras .csv files."
                )
            files.append(path)
        else:
            raise ImportFailed(f"{path} does not exist; check the path and try again.")
    return files, warnings


def _supported(path: Path) -> bool:
    name = path.name.lower()
    return is_osm_file(path) or name.endswith(LAYER_SUFFIXES + CSV_SUFFIXES)


def _prefer_one_form(files: list[Path]) -> list[Path]:
    """In a folder holding the same campus in several forms, read one form only.

    An OSM extract wins over layer files, and separate layer files win over a GeoPackage
    holding the same layers (the campus folders ship map.osm, *.geojson and campus.gpkg).
    """
    osm = [p for p in files if is_osm_file(p)]
    if osm:
        return osm + [p for p in files if p.suffix.lower() == ".csv"]
    singles = [p for p in files if p.suffix.lower() != ".gpkg"]
    if any(p.suffix.lower() in (".geojson", ".json", ".shp") for p in singles):
        return singles
    return files


def resolve_crs(crs: str | None) -> CRS | chinacrs.ChineseCrs | None:
    """Return the CRS named by the ``--crs`` option: None, a pyproj CRS, "gcj02" or "bd09".

    Raises :class:`InvalidInput` for a name that is none of these.
    """
    if crs is None or not crs.strip():
        return None
    chinese = chinacrs.parse_chinese_crs(crs)
    if chinese:
        return chinese
    try:
        return CRS.from_user_input(crs.strip())
    except CRSError as exc:
        raise InvalidInput(
            f"--crs {crs!r} is not a coordinate system; use EPSG:xxxx (e.g. EPSG:4326, "
            "EPSG:4547), gcj02 (Amap, Tencent) or bd09 (Baidu)."
        ) from exc


def read_inputs(
    files: Sequence[Path],
    *,
    crs: CRS | chinacrs.ChineseCrs | None,
    any_layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    layer_map: Mapping[str, Kind] | None = None,
) -> tuple[list[TaggedLayer], list[str]]:
    """Read every file into tagged layers in EPSG:4326; return them and the warnings.

    With ``any_layer`` (e.g. "boundary"), every layer of a layer file is read as that campus
    layer whatever its name. ``fields`` ({column: model field}, from ``--field``) and
    ``layer_map`` ({layer name: kind}, from ``--layer-map``) name what the files do not.
    Raises :class:`ImportFailed` for an unreadable file, a missing or wrong CRS, or a
    ``--field``/``--layer-map`` name found in no file.
    """
    fields = fields or {}
    layer_map = layer_map or {}
    layers: list[TaggedLayer] = []
    warnings: list[str] = []
    columns_seen: set[str] = set()
    layers_seen: set[str] = set()
    for path in files:
        if is_osm_file(path):
            read = read_osm(path)
            if crs is not None:
                read = [
                    _with_geometry(t, _to_wgs84(t.geometry, None, crs, t.origin, default=WGS84))
                    for t in read
                ]
            layers.extend(read)
        elif path.suffix.lower() in CSV_SUFFIXES:
            layers.append(_read_csv(path, crs=crs))
        else:
            frames, file_warnings, names = _read_layer_file(path, layer_map=layer_map)
            warnings.extend(file_warnings)
            layers_seen.update(names)
            for name, frame, known in frames:
                layers_seen.add(name)
                columns_seen.update(str(c) for c in frame.columns if c != frame.geometry.name)
                mapped = layer_map.get(name) or layer_map.get(path.stem)
                kind = (any_layer, None) if any_layer else mapped or known or layer_kind(name)
                if kind is None:
                    warnings.append(
                        f"{path.name}: layer {name!r} is not a campus layer (boundary, buildings, "
                        "roads, pois, landcover, water, leisure, gates, cameras…), skipped"
                    )
                    continue
                several = path.suffix.lower() in (".gpkg", ".dxf")
                origin = f"{path.name}:{name}" if several else path.name
                layers.append(
                    _tagged_file_layer(frame, kind=kind, origin=origin, crs=crs, fields=fields)
                )
    for layer in layers:
        warnings.extend(layer.warnings)
    _check_names_used(fields, layer_map, columns=columns_seen, layers=layers_seen, files=files)
    return layers, warnings


def _check_names_used(
    fields: Mapping[str, str],
    layer_map: Mapping[str, Kind],
    *,
    columns: set[str],
    layers: set[str],
    files: Sequence[Path],
) -> None:
    """Refuse a ``--field`` column or ``--layer-map`` layer that no file has (a typo)."""
    for column, field in fields.items():
        if column not in columns:
            raise ImportFailed(
                f"--field {field}={column}: no input layer has a column {column!r}; the columns "
                f"are {', '.join(sorted(columns)) or 'none'}."
            )
    stems = {p.stem for p in files}
    for name in layer_map:
        if name not in layers and name not in stems:
            raise ImportFailed(
                f"--layer-map {name}=…: no input file or layer is called {name!r}; the layers "
                f"are {', '.join(sorted(layers)) or 'none'}."
            )


def _read_layer_file(
    path: Path, *, layer_map: Mapping[str, Kind]
) -> tuple[list[tuple[str, gpd.GeoDataFrame, Kind | None]], list[str], list[str]]:
    """Return (layer name, frame, kind when the reader knows it) per layer read, the warnings
    and the names of every layer in the file."""
    warnings: list[str] = []
    try:
        if path.suffix.lower() == ".dxf":
            found, warnings, names = read_dxf(path, layer_map=layer_map, english_kind=layer_kind)
            return [(name, frame, kind) for name, kind, frame in found], warnings, names
        encoding: str | None = None
        if path.suffix.lower() == ".shp":
            encoding, note = shapefile_encoding(path)
            if note:
                warnings.append(f"{path.name}: {note}")
        if path.suffix.lower() == ".gpkg":
            names = [str(row[0]) for row in pyogrio.list_layers(path)]
        else:
            names = [path.stem]
        result: list[tuple[str, gpd.GeoDataFrame, Kind | None]] = []
        for name in names:
            layer = name if path.suffix.lower() == ".gpkg" else None
            options = {"encoding": encoding} if encoding else {}
            frame, read_warnings = read_frame(
                path, origin=path.name, layer=layer, on_invalid="ignore", **options
            )
            warnings.extend(w for w in read_warnings if w not in warnings)
            if not isinstance(frame, gpd.GeoDataFrame):
                continue  # a table without geometry (e.g. GPKG attributes) is not a layer
            if layer is None and layer_kind(name) is None and name not in layer_map:
                # The file name says nothing: try the layer name stored inside the file.
                name = str(pyogrio.list_layers(path)[0][0])
            result.append((name, frame, None))
        return result, warnings, names
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, ...
        raise ImportFailed(
            f"{path.name} could not be read ({_first_line(exc)}); check that it is a valid "
            f"{path.suffix.lstrip('.')} file, e.g. by opening it in QGIS."
        ) from exc


def _read_csv(path: Path, *, crs: CRS | chinacrs.ChineseCrs | None) -> TaggedLayer:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFailed(
            f"{path.name} could not be read as CSV ({_first_line(exc)}); save it as UTF-8 CSV "
            "with a header row (lon, lat, heading_deg, …)."
        ) from exc
    columns = {c.strip().lower(): c for c in table.columns}
    lon_col = next((columns[c] for c in _LON_COLUMNS if c in columns), None)
    lat_col = next((columns[c] for c in _LAT_COLUMNS if c in columns), None)
    if lon_col is None or lat_col is None:
        raise ImportFailed(
            f"{path.name}: a cameras CSV needs lon and lat columns (degrees); found "
            f"{', '.join(map(str, table.columns)) or 'no columns'}."
        )
    lon = pd.to_numeric(table[lon_col], errors="coerce")
    lat = pd.to_numeric(table[lat_col], errors="coerce")
    bad = np.flatnonzero(lon.isna().to_numpy() | lat.isna().to_numpy())
    if bad.size:
        row = int(bad[0]) + 2  # 1-based, after the header line
        raise ImportFailed(
            f"{path.name} row {row}: lon/lat {table[lon_col].iloc[bad[0]]!r}, "
            f"{table[lat_col].iloc[bad[0]]!r} is not a pair of numbers; fix the row."
        )
    frame = gpd.GeoDataFrame(
        table.drop(columns=[lon_col, lat_col]),
        geometry=shapely.points(lon.to_numpy(), lat.to_numpy()),
        crs=WGS84,
    )
    # CSV rows are named by their line number so that errors point at the right line.
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return _tagged_file_layer(
        frame, kind=("cameras", None), origin=path.name, crs=crs, row_ids=True, default_crs=WGS84
    )


def _tagged_file_layer(
    frame: gpd.GeoDataFrame,
    *,
    kind: tuple[str, str | None],
    origin: str,
    crs: CRS | chinacrs.ChineseCrs | None,
    row_ids: bool = False,
    fields: Mapping[str, str] | None = None,
    default_crs: str | None = None,
) -> TaggedLayer:
    warnings: list[str] = []
    renames = field_renames(
        [c for c in frame.columns if c != frame.geometry.name], layer=kind[0], user=fields or {}
    )
    if renames:
        replaced = [t for t in renames.values() if t in frame.columns and t not in renames]
        frame = frame.drop(columns=replaced).rename(columns=renames)
    geometry = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    for label in frame.index[missing]:  # one line per feature: a user fixes them one by one
        warnings.append(
            f"{origin}: feature {label} has no geometry (empty, or not buildable by GDAL), skipped"
        )
    keep = ~missing
    frame = frame.loc[keep]
    z_heights = _z_heights(geometry[keep]) if kind[0] == "buildings" else None
    geometry = _to_wgs84(geometry[keep], frame.crs, crs, origin, default=default_crs)
    from_osm = bool(OSM_MARKER_COLUMNS & set(frame.columns))
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    labels = list(frame.index)
    ids: list[str] = []
    tags: list[dict[str, str]] = []
    # A Python loop over at most a few thousand features: tags are per-row dictionaries.
    for label, record, geom in zip(labels, records, geometry, strict=True):
        ids.append(_file_source_id(record, geom, origin, label, row_ids=row_ids))
        tags.append(record_tags(record, blob_columns=TAG_BLOB_COLUMNS))
    if z_heights is not None:
        warnings += _use_z_heights(tags, z_heights, origin=origin)
    return TaggedLayer(
        kind[0],
        origin,
        ids,
        tags,
        geometry,
        fallback_kind=kind[1],
        from_osm=from_osm,
        warnings=warnings,
    )


def _file_source_id(
    record: dict[str, object], geom: object, origin: str, label: object, *, row_ids: bool
) -> str:
    """Return an OSM-style id (``way/1``) when the record has one, else ``file#row``."""
    osm_type = tag_text(record.get("osm_type"))
    osm_id = tag_text(record.get("osm_id"))
    way_id = tag_text(record.get("osm_way_id"))
    if osm_type and osm_id:
        return f"{osm_type.lower()}/{osm_id}"
    if way_id:
        return f"way/{way_id}"
    if osm_id:
        geom_type = shapely.get_type_id(geom)
        if geom_type == 0:
            return f"node/{osm_id}"
        if geom_type in (1, 2, 5):
            return f"way/{osm_id}"
        return f"relation/{osm_id}" if "osm_way_id" in record else f"osm/{osm_id}"
    name = tag_text(record.get("source_id")) or tag_text(record.get("id"))
    if name:
        return name
    return f"{origin} row {label}" if row_ids else f"{origin}#{label}"


def _to_wgs84(
    geometry: np.ndarray,
    file_crs: object,
    crs: CRS | chinacrs.ChineseCrs | None,
    origin: str,
    *,
    default: str | None = None,
) -> np.ndarray:
    """Return ``geometry`` in EPSG:4326 (2-D), honouring ``--crs`` (see ``_crs``)."""
    return to_wgs84(geometry, file_crs=file_crs, override=crs, origin=origin, default=default)


def _z_heights(geometry: np.ndarray) -> list[tuple[float, str] | None]:
    """Return, per footprint, (height in m, "extent" or "constant") from its Z, or None.

    A Z that varies over the footprint gives its extent (a 3-D outline); a constant non-zero
    Z is read as the height above ground; no Z, or Z all zero, gives None.
    """
    result: list[tuple[float, str] | None] = [None] * len(geometry)
    if not len(geometry):
        return result
    for i in np.flatnonzero(shapely.has_z(geometry)):  # only 3-D footprints: a plain loop
        z = shapely.get_coordinates(geometry[i], include_z=True)[:, 2]
        z = z[np.isfinite(z)]
        if not len(z) or not np.any(z):
            continue
        low, high = float(z.min()), float(z.max())
        if high - low > Z_EXTENT_MIN_M:
            result[i] = (round(high - low, 3), "extent")
        elif low > 0:
            result[i] = (round(high, 3), "constant")
    return result


def _use_z_heights(
    tags: list[dict[str, str]], z_heights: list[tuple[float, str] | None], *, origin: str
) -> list[str]:
    """Give buildings without a height or storeys attribute their Z height (``z_height_m``);
    return the warning that says so."""
    used: dict[str, int] = {"extent": 0, "constant": 0}
    for record, found in zip(tags, z_heights, strict=True):
        if found is None or any(record.get(k) for k in _HEIGHT_KEYS):
            continue
        record["z_height_m"] = str(found[0])
        used[found[1]] += 1
    if not any(used.values()):
        return []
    how = []
    if used["extent"]:
        how.append(f"{used['extent']} from the Z range of their 3-D outline")
    if used["constant"]:
        how.append(f"{used['constant']} from their constant Z, read as height above ground")
    return [
        f"{origin}: 3-D footprints read as 2-D; {sum(used.values())} building(s) without a "
        f"height or storeys attribute take their height from Z ({', '.join(how)}); if Z is "
        "an elevation above sea level, give the height with --field height_m=COLUMN"
    ]


def _with_geometry(layer: TaggedLayer, geometry: np.ndarray) -> TaggedLayer:
    return TaggedLayer(
        layer.kind,
        layer.origin,
        layer.source_ids,
        layer.tags,
        geometry,
        fallback_kind=layer.fallback_kind,
        from_osm=layer.from_osm,
        warnings=layer.warnings,
    )


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
