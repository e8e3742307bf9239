"""Reading input files into :class:`~zoning.campus.io._osm.TaggedLayer` objects in EPSG:4326.

Supported: OSM XML/PBF (:mod:`zoning.campus.io._osm`), GeoJSON, GeoPackage (every layer),
Shapefile and a cameras CSV. A folder stands for every supported file in it. In layer files
the campus layer comes from the file name (GeoJSON, Shapefile, CSV) or the layer name
(GeoPackage).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from zoning.campus.io._osm import TaggedLayer, is_osm_file, read_osm, record_tags, tag_text
from zoning.errors import ImportFailed, InvalidInput
from zoning.geo import chinacrs
from zoning.geo.crs import WGS84

#: Suffixes of layer files read through GDAL.
LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
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


def layer_kind(name: str) -> tuple[str, str | None] | None:
    """Return (campus layer, fallback landcover kind) for a file or layer name, or None.

    >>> layer_kind("buildingss"), layer_kind("hfut_water"), layer_kind("cells")
    (('buildings', None), ('landcover', 'water'), None)
    """
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
                    ".gpkg, .shp or cameras .csv files in it."
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
                    ".geojson, .gpkg, .shp and cameras .csv files."
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
    files: Sequence[Path], *, crs: CRS | chinacrs.ChineseCrs | None
) -> tuple[list[TaggedLayer], list[str]]:
    """Read every file into tagged layers in EPSG:4326; return them and the warnings.

    Raises :class:`ImportFailed` for an unreadable file or coordinates that are not lon/lat.
    """
    layers: list[TaggedLayer] = []
    warnings: list[str] = []
    for path in files:
        if is_osm_file(path):
            read = read_osm(path)
            if crs is not None:
                read = [_with_geometry(t, _to_wgs84(t.geometry, None, crs, t.origin)) for t in read]
            layers.extend(read)
        elif path.suffix.lower() in CSV_SUFFIXES:
            layers.append(_read_csv(path, crs=crs))
        else:
            for name, frame in _read_layer_file(path):
                kind = layer_kind(name)
                if kind is None:
                    warnings.append(
                        f"{path.name}: layer {name!r} is not a campus layer (boundary, buildings, "
                        "roads, pois, landcover, water, leisure, gates, cameras…), skipped"
                    )
                    continue
                origin = path.name if path.suffix.lower() != ".gpkg" else f"{path.name}:{name}"
                layers.append(_tagged_file_layer(frame, kind=kind, origin=origin, crs=crs))
    for layer in layers:
        warnings.extend(layer.warnings)
    return layers, warnings


def _read_layer_file(path: Path) -> list[tuple[str, gpd.GeoDataFrame]]:
    try:
        if path.suffix.lower() == ".gpkg":
            names = [str(row[0]) for row in pyogrio.list_layers(path)]
        else:
            names = [path.stem]
        result = []
        for name in names:
            layer = name if path.suffix.lower() == ".gpkg" else None
            frame = pyogrio.read_dataframe(path, layer=layer, on_invalid="ignore")
            if not isinstance(frame, gpd.GeoDataFrame):
                continue  # a table without geometry (e.g. GPKG attributes) is not a layer
            if layer is None and layer_kind(name) is None:
                # The file name says nothing: try the layer name stored inside the file.
                name = str(pyogrio.list_layers(path)[0][0])
            result.append((name, frame))
        return result
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
        frame, kind=("cameras", None), origin=path.name, crs=crs, row_ids=True
    )


def _tagged_file_layer(
    frame: gpd.GeoDataFrame,
    *,
    kind: tuple[str, str | None],
    origin: str,
    crs: CRS | chinacrs.ChineseCrs | None,
    row_ids: bool = False,
) -> TaggedLayer:
    warnings: list[str] = []
    geometry = np.asarray(frame.geometry.values, dtype=object)
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if missing.any():
        warnings.append(f"{origin}: {int(missing.sum())} feature(s) without geometry skipped")
    keep = ~missing
    frame = frame.loc[keep]
    geometry = _to_wgs84(geometry[keep], frame.crs, crs, origin)
    from_osm = bool(OSM_MARKER_COLUMNS & set(frame.columns))
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    labels = list(frame.index)
    ids: list[str] = []
    tags: list[dict[str, str]] = []
    # A Python loop over at most a few thousand features: tags are per-row dictionaries.
    for label, record, geom in zip(labels, records, geometry, strict=True):
        ids.append(_file_source_id(record, geom, origin, label, row_ids=row_ids))
        tags.append(record_tags(record, blob_columns=TAG_BLOB_COLUMNS))
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
) -> np.ndarray:
    """Return ``geometry`` in EPSG:4326, honouring the ``--crs`` override."""
    if isinstance(crs, str):  # gcj02 / bd09: lon/lat in a Chinese web-map datum
        result = chinacrs.to_wgs84(geometry, source=crs)
    else:
        source = crs if crs is not None else file_crs
        if source is None:
            source = WGS84  # no CRS in the file: lon/lat is the only sensible guess
        series = gpd.GeoSeries(geometry, crs=source)
        result = np.asarray(series.to_crs(WGS84).values, dtype=object)
    if len(result):
        xmin, ymin, xmax, ymax = shapely.total_bounds(result)
        if not (-180.0 <= xmin <= xmax <= 180.0 and -90.0 <= ymin <= ymax <= 90.0):
            raise ImportFailed(
                f"{origin}: coordinates ({xmin:.1f}, {ymin:.1f}) are not longitude/latitude; "
                "pass --crs with the file's coordinate system, e.g. --crs EPSG:4547."
            )
    out: np.ndarray = result
    return out


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
