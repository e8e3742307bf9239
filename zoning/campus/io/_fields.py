"""Attribute and layer names as planning offices write them, mapped to the campus model.

- :data:`FIELD_ALIASES`: the ONE table of attribute names (Chinese and common English
  spellings) read as a model field; the README's Import section lists the same table.
- :data:`LAYER_NAME_ALIASES`: Chinese layer / file / CAD layer names read as a campus layer.
- :func:`parse_field_map` / :func:`parse_layer_map`: the ``--field`` and ``--layer-map``
  options (``name=楼栋名称``; ``围墙=boundary,建筑=buildings``).
- :func:`field_renames`: which columns of one layer to read as which model field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from zoning.errors import InvalidInput

#: Attribute name (compared case-insensitively, spaces trimmed) → model field. ``use`` is
#: read as ``road_class`` on roads and ``kind`` on POIs and landcover; ``height_m`` as
#: ``mount_height_m`` on cameras. A column already named like the model field wins.
FIELD_ALIASES: dict[str, str] = {
    "名称": "name",
    "名字": "name",
    "建筑名称": "name",
    "建筑物名称": "name",
    "楼名": "name",
    "道路名称": "name",
    "层数": "levels",
    "楼层": "levels",
    "楼层数": "levels",
    "地上层数": "levels",
    "建筑层数": "levels",
    "floors": "levels",
    "storeys": "levels",
    "高度": "height_m",
    "建筑高度": "height_m",
    "楼高": "height_m",
    "用途": "use",
    "类型": "use",
    "建筑用途": "use",
    "使用功能": "use",
    "功能": "use",
    "建筑类型": "use",
    "道路等级": "use",
    "编号": "source_id",
    "代码": "source_id",
    "建筑编号": "source_id",
    "楼号": "source_id",
    "code": "source_id",
    "朝向": "heading_deg",
    "方位角": "heading_deg",
    "视场角": "hfov_deg",
    "水平视场角": "hfov_deg",
    "安装高度": "mount_height_m",
    "俯仰角": "tilt_deg",
    "分辨率": "resolution_px",
    "监控距离": "range_m",
}
#: Per campus layer, model fields read under another name on that layer.
LAYER_TARGETS: dict[str, dict[str, str]] = {
    "roads": {"use": "road_class"},
    "pois": {"use": "kind"},
    "landcover": {"use": "kind"},
    "cameras": {"height_m": "mount_height_m"},
}
#: Fields ``--field FIELD=COLUMN`` may name (``code`` is the feature's ``source_id``).
FIELD_TARGETS: tuple[str, ...] = (
    "name", "use", "levels", "height_m", "source_id", "code", "road_class", "kind",
    "heading_deg", "hfov_deg", "tilt_deg", "mount_height_m", "resolution_px", "range_m",
    "indoor",
)  # fmt: skip
#: Fragments of Chinese layer names (file, GeoPackage or CAD layer) → (campus layer, fallback
#: landcover/POI kind); the first fragment found in the name wins.
LAYER_NAME_ALIASES: dict[str, tuple[str, str | None]] = {
    "用地红线": ("boundary", None),
    "红线": ("boundary", None),
    "围墙": ("boundary", None),
    "边界": ("boundary", None),
    "校区范围": ("boundary", None),
    "校园范围": ("boundary", None),
    "建筑": ("buildings", None),
    "房屋": ("buildings", None),
    "楼栋": ("buildings", None),
    "道路": ("roads", None),
    "路网": ("roads", None),
    "园路": ("roads", None),
    "监控": ("cameras", None),
    "摄像": ("cameras", None),
    "出入口": ("pois", "gate"),
    "校门": ("pois", "gate"),
    "兴趣点": ("pois", None),
    "水系": ("landcover", "water"),
    "水体": ("landcover", "water"),
    "绿地": ("landcover", "green"),
    "运动场": ("landcover", "sport"),
    "操场": ("landcover", "sport"),
    "停车": ("landcover", "parking"),
}
#: What ``--layer-map NAME=LAYER`` may name as LAYER, and the (layer, fallback kind) read.
LAYER_TARGETS_BY_NAME: dict[str, tuple[str, str | None]] = {
    "boundary": ("boundary", None),
    "buildings": ("buildings", None),
    "roads": ("roads", None),
    "pois": ("pois", None),
    "gates": ("pois", "gate"),
    "cameras": ("cameras", None),
    "landcover": ("landcover", None),
    "water": ("landcover", "water"),
    "green": ("landcover", "green"),
    "sport": ("landcover", "sport"),
    "parking": ("landcover", "parking"),
}


def chinese_layer_kind(name: str) -> tuple[str, str | None] | None:
    """Return (campus layer, fallback kind) for a Chinese layer name, or None.

    >>> [chinese_layer_kind(name) for name in ("房屋面", "总图_道路中心线", "标注")]
    [('buildings', None), ('roads', None), None]
    """
    for fragment, kind in LAYER_NAME_ALIASES.items():
        if fragment in name:
            return kind
    return None


def _pairs(values: Sequence[str], *, option: str, example: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            left, sep, right = item.partition("=")
            if not sep or not left.strip() or not right.strip():
                raise InvalidInput(f"{option} {item.strip()!r} is not NAME=VALUE; e.g. {example}.")
            pairs.append((left.strip(), right.strip()))
    return pairs


def parse_field_map(values: Sequence[str]) -> dict[str, str]:
    """Return {column: model field} from ``--field FIELD=COLUMN`` values.

    Raises :class:`InvalidInput` for a malformed value or a field the model does not have.

    >>> parse_field_map(["name=楼栋名称", "code=BH"])
    {'楼栋名称': 'name', 'BH': 'source_id'}
    """
    result: dict[str, str] = {}
    for target, column in _pairs(values, option="--field", example="--field name=楼栋名称"):
        if target not in FIELD_TARGETS:
            raise InvalidInput(
                f"--field {target}={column}: {target!r} is not a field campusgrid reads; use one "
                f"of {', '.join(FIELD_TARGETS)}."
            )
        result[column] = "source_id" if target == "code" else target
    return result


def parse_layer_map(values: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """Return {layer name: (campus layer, fallback kind)} from ``--layer-map`` values.

    Raises :class:`InvalidInput` for a malformed value or an unknown campus layer.

    >>> parse_layer_map(["围墙=boundary,建筑=buildings", "水=water"])["水"]
    ('landcover', 'water')
    """
    result: dict[str, tuple[str, str | None]] = {}
    example = "--layer-map 围墙=boundary,建筑=buildings,道路=roads"
    for name, target in _pairs(values, option="--layer-map", example=example):
        kind = LAYER_TARGETS_BY_NAME.get(target.lower())
        if kind is None:
            raise InvalidInput(
                f"--layer-map {name}={target}: {target!r} is not a campus layer; use one of "
                f"{', '.join(LAYER_TARGETS_BY_NAME)}."
            )
        result[name] = kind
    return result


def field_renames(columns: Iterable[str], *, layer: str, user: Mapping[str, str]) -> dict[str, str]:
    """Return {column: model field} for the columns of one ``layer`` to read under a model name.

    ``user`` (from :func:`parse_field_map`) wins; then a column already named like the field;
    then :data:`FIELD_ALIASES` in column order (the first of 层数 and 楼层 wins).

    >>> field_renames(["名称", "层数", "楼层", "高度"], layer="buildings", user={})
    {'名称': 'name', '层数': 'levels', '高度': 'height_m'}
    >>> field_renames(["类型", "高度"], layer="cameras", user={"类型": "name"})
    {'类型': 'name', '高度': 'mount_height_m'}
    """
    columns = [str(c) for c in columns]
    on_layer = LAYER_TARGETS.get(layer, {})
    renames: dict[str, str] = {}
    taken = set(columns)
    for column in columns:
        if column in user:
            target = on_layer.get(user[column], user[column])
            renames[column] = target
            taken.add(target)
    for column in columns:
        if column in renames:
            continue
        field = FIELD_ALIASES.get(column.strip().lower())
        if field is None:
            continue
        target = on_layer.get(field, field)
        if target == column or target in taken:
            continue
        renames[column] = target
        taken.add(target)
    return renames
