"""Choosing the campus boundary among the university polygons of an extract.

The campus is the ``amenity=university`` polygon(s). An extract often holds several:
neighbouring universities (bupt, cau), a campus split into parts (shu: 东区 + 南区), a
student village with its own polygon. Candidates are grouped into campuses:

1. a candidate lying inside another (≥ 99 % of its area) belongs to the container;
2. candidates whose names share a *stem* (the name without a trailing bracketed
   qualifier: "上海大学（宝山校区南区）" → "上海大学") and lie within
   :data:`SAME_CAMPUS_GAP_M` of each other form one campus.

One campus is taken as is; so are all rows of a boundary layer without ``amenity`` tags
(the user cut it). With several and no ``boundary_name`` the import stops with
:class:`ImportFailed` listing each campus with its area (ha) and building count: guessing
the wrong campus silently would be worse than asking. ``boundary_name`` matches a polygon's
name (``name``, ``name:en``, ``name_en``, ``alt_name``…) or a campus stem, exactly first,
then as a substring, case- and width-insensitively (NFKC).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from zoning.campus.io._osm import TaggedLayer
from zoning.errors import ImportFailed
from zoning.geo.crs import WGS84, metric_crs_for

#: Polygons of one university closer than this (m) are parts of one campus.
SAME_CAMPUS_GAP_M = 500.0
#: Share of a candidate's area inside another candidate for it to count as nested.
NESTED_SHARE = 0.99
NAME_KEYS = ("name", "name_en", "name:en", "name:zh", "official_name", "alt_name", "short_name")
_BRACKET_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


@dataclass(frozen=True)
class Candidate:
    """One campus polygon found in the input."""

    source_id: str
    origin: str
    name: str | None
    names: tuple[str, ...]
    geometry: shapely.Geometry  # EPSG:4326
    declared: bool  # from a boundary layer without amenity tags: the user cut it


def normalize(text: str) -> str:
    """Return ``text`` folded for matching: NFKC, case-folded, without whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def name_stem(name: str | None) -> str:
    """Return the campus stem of a name: "合肥工业大学(翡翠湖校区)" → "合肥工业大学".

    >>> name_stem("上海大学（宝山校区南区）")
    '上海大学'
    """
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).strip()
    while True:
        stripped = _BRACKET_SUFFIX.sub("", text)
        if stripped == text or not stripped:
            return text
        text = stripped


def find_candidates(layers: list[TaggedLayer]) -> tuple[list[Candidate], list[str]]:
    """Return the campus polygons of every input (universities, else colleges) and warnings."""
    found: dict[str, list[Candidate]] = {"university": [], "college": [], "declared": []}
    for layer in layers:
        if layer.kind not in ("osm:multipolygons", "boundary"):
            continue
        has_amenity = any("amenity" in tags for tags in layer.tags)
        for source_id, tags, geom in zip(layer.source_ids, layer.tags, layer.geometry, strict=True):
            amenity = tags.get("amenity")
            if layer.kind == "boundary" and not has_amenity:
                bucket = "declared"
            elif amenity in ("university", "college"):
                bucket = amenity
            elif layer.kind == "boundary" and amenity is None:
                bucket = "declared"
            else:
                continue
            if shapely.get_type_id(geom) not in (3, 6):
                continue
            names = tuple(tags[k] for k in NAME_KEYS if tags.get(k))
            name = tags.get("name") or tags.get("name_en") or tags.get("name:en")
            found[bucket].append(
                Candidate(source_id, layer.origin, name, names, geom, bucket == "declared")
            )
    warnings: list[str] = []
    candidates = found["declared"] + found["university"]
    if not candidates and found["college"]:
        candidates = found["college"]
        warnings.append("no amenity=university polygon found; using the amenity=college one(s)")
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(_dedup_key(candidate), candidate)
    return list(unique.values()), warnings


def _dedup_key(candidate: Candidate) -> str:
    if "/" in candidate.source_id and "#" not in candidate.source_id:
        return candidate.source_id  # an OSM id: the same polygon read from two files
    return f"{candidate.origin}|{candidate.source_id}"


def group_campuses(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Return the candidates grouped into campuses (nested ones and same-stem neighbours)."""
    if not candidates:
        return []
    geoms = np.array([c.geometry for c in candidates], dtype=object)
    metric = gpd.GeoSeries(geoms, crs=WGS84).to_crs(metric_crs_for(shapely.union_all(geoms)))
    shapes = np.asarray(metric.values, dtype=object)
    areas = shapely.area(shapes)
    count = len(candidates)
    parent = list(range(count))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    # A handful of candidates: the pairwise loop is cheaper than building a tree.
    stems = [normalize(name_stem(c.name)) for c in candidates]
    for i in range(count):
        for j in range(i + 1, count):
            small, big = (i, j) if areas[i] <= areas[j] else (j, i)
            shared = shapely.area(shapely.intersection(shapes[small], shapes[big]))
            if areas[small] > 0 and shared >= NESTED_SHARE * areas[small]:
                join(small, big)
            elif (
                stems[i] == stems[j] and shapely.distance(shapes[i], shapes[j]) <= SAME_CAMPUS_GAP_M
            ):
                join(i, j)
    groups: dict[int, list[Candidate]] = {}
    for i in sorted(range(count), key=lambda k: -areas[k]):
        groups.setdefault(find(i), []).append(candidates[i])
    return list(groups.values())


def choose_campus(
    candidates: list[Candidate],
    *,
    boundary_name: str | None,
    buildings: npt.NDArray[np.object_],
    source: str,
) -> list[Candidate]:
    """Return the polygons of the campus to import.

    ``buildings`` (EPSG:4326 footprints) only feed the building counts shown to the user.
    Raises :class:`ImportFailed` when there is no candidate, several campuses and no
    ``boundary_name``, or a ``boundary_name`` that matches none or several campuses.
    """
    if not candidates:
        raise ImportFailed(
            f"No campus boundary in {source}: no amenity=university polygon and no boundary "
            "layer; export an area that contains the whole campus or add a boundary layer."
        )
    groups = group_campuses(candidates)
    if boundary_name is None or not boundary_name.strip():
        if all(c.declared for c in candidates):
            return candidates  # a boundary layer without amenity tags: the user cut it
        if len(groups) == 1:
            return groups[0]
        described = _describe(groups, buildings)
        raise ImportFailed(
            f"{len(groups)} campuses in {source}: {described}. Pass --boundary-name with "
            f"the one to import, e.g. --boundary-name '{_label(_ranked(groups, buildings)[0])}'."
        )
    chosen = _match(groups, boundary_name)
    matched_groups = [g for g in groups if any(c in chosen for c in g)]
    if not chosen:
        raise ImportFailed(
            f"No campus in {source} matches --boundary-name '{boundary_name}'; the campuses "
            f"are: {_describe(groups, buildings)}."
        )
    if len(matched_groups) > 1:
        raise ImportFailed(
            f"--boundary-name '{boundary_name}' matches {len(matched_groups)} campuses in "
            f"{source}: {_describe(matched_groups, buildings)}; give the full name of one."
        )
    return chosen


def _match(groups: list[list[Candidate]], boundary_name: str) -> list[Candidate]:
    needle = normalize(boundary_name)
    exact: list[Candidate] = []
    for group in groups:
        if any(normalize(name_stem(c.name)) == needle for c in group):
            exact.extend(group)
            continue
        exact.extend(c for c in group if any(normalize(n) == needle for n in c.names))
    if exact:
        return exact
    return [c for group in groups for c in group if any(needle in normalize(n) for n in c.names)]


def _building_count(group: list[Candidate], buildings: npt.NDArray[np.object_]) -> int:
    if len(buildings) == 0:
        return 0
    area = shapely.union_all([c.geometry for c in group])
    return int(np.count_nonzero(shapely.intersects(buildings, area)))


def _area_ha(group: list[Candidate]) -> float:
    union = gpd.GeoSeries([shapely.union_all([c.geometry for c in group])], crs=WGS84)
    return float(union.to_crs(metric_crs_for(union.iloc[0])).area.iloc[0]) / 1e4


def _label(group: list[Candidate]) -> str:
    if len(group) > 1:
        stem = name_stem(group[0].name)
        if all(normalize(name_stem(c.name)) == normalize(stem) for c in group):
            return stem
    return group[0].name or group[0].source_id


def _ranked(
    groups: list[list[Candidate]], buildings: npt.NDArray[np.object_]
) -> list[list[Candidate]]:
    return sorted(groups, key=lambda g: (-_building_count(g, buildings), -_area_ha(g)))


def _describe(groups: list[list[Candidate]], buildings: npt.NDArray[np.object_]) -> str:
    parts = []
    for group in _ranked(groups, buildings):
        english = next((n for c in group for n in c.names if n.isascii() and n != c.name), None)
        label = f"'{_label(group)}'" + (f" ({english})" if english else "")
        if len(group) > 1:
            label += f" [{len(group)} polygons: {', '.join(c.name or c.source_id for c in group)}]"
        count = _building_count(group, buildings)
        parts.append(f"{label} {_area_ha(group):.1f} ha, {count} buildings")
    return "; ".join(parts)
