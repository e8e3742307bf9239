"""Every string the UI shows, in Chinese (the default) and English.

>>> t("nav.safety_map")
'安全地图'
>>> t("nav.safety_map", "en")
'Safety map'
>>> t("map.cells_count", "en", n=3)
'3 cells'
"""

from __future__ import annotations

from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"
LANG_NAMES: Final[dict[Lang, str]] = {"zh": "中文", "en": "English"}

# One entry per key: {"zh": ..., "en": ...}. Placeholders use str.format names.
CATALOGUE: Final[dict[str, dict[Lang, str]]] = {
    # app frame
    "app.title": {"zh": "校园网格化管理", "en": "Campus grid management"},
    "app.language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "app.campus": {"zh": "校园", "en": "Campus"},
    "app.attribution": {"zh": "数据来源：{text}", "en": "Data: {text}"},
    "app.no_campus": {
        "zh": "数据库中还没有校园。请先运行 `campusgrid demo` 生成演示校园，"
        "或用 `campusgrid import` 导入您的校园数据，然后刷新本页。",
        "en": "There is no campus in the database yet. Run `campusgrid demo` to create the "
        "demo campus, or `campusgrid import` to load your own, then reload this page.",
    },
    "app.database": {"zh": "数据库：{url}", "en": "Database: {url}"},
    "app.error": {"zh": "出错了：{message}", "en": "Error: {message}"},
    "app.no_plan": {
        "zh": "该校园还没有网格方案。运行 `campusgrid split` 生成一个。",
        "en": "This campus has no grid plan yet. Run `campusgrid split` to create one.",
    },
    "app.plan_caption": {
        "zh": "网格方案 v{version}（{status}，{method}，{cells} 个网格）",
        "en": "Grid plan v{version} ({status}, {method}, {cells} cells)",
    },
    # navigation
    "nav.safety_map": {"zh": "安全地图", "en": "Safety map"},
    "nav.leadership": {"zh": "领导驾驶舱", "en": "Leadership"},
    "nav.planner": {"zh": "网格规划", "en": "Grid planner"},
    "nav.inspections": {"zh": "巡查", "en": "Inspections"},
    "nav.ledger": {"zh": "台账", "en": "Ledger"},
    "nav.cameras": {"zh": "摄像头", "en": "Cameras"},
    # safety map
    "map.colour_by": {"zh": "网格着色", "en": "Colour cells by"},
    "map.layers": {"zh": "图层", "en": "Layers"},
    "map.legend": {"zh": "图例", "en": "Legend"},
    "map.cells_count": {"zh": "{n} 个网格", "en": "{n} cells"},
    "map.click_hint": {
        "zh": "点击地图上的网格查看详情。",
        "en": "Click a cell on the map to see its details.",
    },
    "map.alt": {
        "zh": "{campus} 三维安全地图：建筑、道路、网格与摄像头",
        "en": "3D safety map of {campus}: buildings, roads, grid cells and cameras",
    },
    "measure.zone": {"zh": "片区", "en": "Zone"},
    "measure.kind": {"zh": "网格类型", "en": "Cell kind"},
    "measure.area": {"zh": "面积", "en": "Area"},
    "measure.owner": {"zh": "网格员", "en": "Grid owner"},
    "layer.ground": {"zh": "校园地面", "en": "Campus ground"},
    "layer.landcover": {"zh": "水体绿地", "en": "Water and green"},
    "layer.roads": {"zh": "道路", "en": "Roads"},
    "layer.cells": {"zh": "网格", "en": "Grid cells"},
    "layer.buildings": {"zh": "建筑", "en": "Buildings"},
    "layer.cameras": {"zh": "摄像头", "en": "Cameras"},
    "layer.basemap": {"zh": "底图", "en": "Basemap"},
    # the selection panel
    "panel.title": {"zh": "所选对象", "en": "Selection"},
    "panel.cell": {"zh": "网格 {code}", "en": "Cell {code}"},
    "panel.building": {"zh": "建筑", "en": "Building"},
    "panel.camera": {"zh": "摄像头", "en": "Camera"},
    "panel.none": {"zh": "尚未选择。", "en": "Nothing selected."},
    "panel.gone": {
        "zh": "所选网格已不在当前方案中。",
        "en": "The selected cell is no longer in the current plan.",
    },
    # fields (table headers, panel rows, tooltips)
    "field.code": {"zh": "网格编码", "en": "Code"},
    "field.zone": {"zh": "片区", "en": "Zone"},
    "field.owner": {"zh": "网格员", "en": "Owner"},
    "field.kind": {"zh": "类型", "en": "Kind"},
    "field.area_m2": {"zh": "面积 (m²)", "en": "Area (m²)"},
    "field.name": {"zh": "名称", "en": "Name"},
    "field.use": {"zh": "用途", "en": "Use"},
    "field.height_m": {"zh": "高度 (m)", "en": "Height (m)"},
    "field.levels": {"zh": "层数", "en": "Levels"},
    "field.heading_deg": {"zh": "朝向 (°)", "en": "Heading (°)"},
    "field.hfov_deg": {"zh": "水平视场角 (°)", "en": "Horizontal FOV (°)"},
    "field.tilt_deg": {"zh": "俯仰角 (°)", "en": "Tilt (°)"},
    "field.mount_height_m": {"zh": "安装高度 (m)", "en": "Mount height (m)"},
    "field.resolution_px": {"zh": "水平分辨率 (px)", "en": "Resolution (px)"},
    "field.range_m": {"zh": "作用距离 (m)", "en": "Range (m)"},
    "field.indoor": {"zh": "室内", "en": "Indoor"},
    "field.version": {"zh": "版本", "en": "Version"},
    "field.status": {"zh": "状态", "en": "Status"},
    "field.method": {"zh": "划分方法", "en": "Method"},
    "field.author": {"zh": "作者", "en": "Author"},
    "field.reason": {"zh": "说明", "en": "Reason"},
    "field.created_at": {"zh": "创建时间", "en": "Created"},
    "field.cells": {"zh": "网格数", "en": "Cells"},
    "field.value": {"zh": "值", "en": "Value"},
    "field.item": {"zh": "项目", "en": "Field"},
    "field.share": {"zh": "面积占比 (%)", "en": "Share of area (%)"},
    "value.unassigned": {"zh": "未分配", "en": "unassigned"},
    "value.assigned": {"zh": "已分配", "en": "assigned"},
    "value.unnamed": {"zh": "未命名", "en": "unnamed"},
    "value.yes": {"zh": "是", "en": "yes"},
    "value.no": {"zh": "否", "en": "no"},
    "tip.cell": {
        "zh": "网格 {code}\n片区 {zone} · 网格员 {owner}\n面积 {area} m²",
        "en": "Cell {code}\nZone {zone} · owner {owner}\nArea {area} m²",
    },
    "tip.building": {
        "zh": "{name}\n{use} · 高 {height} m",
        "en": "{name}\n{use} · {height} m high",
    },
    "tip.camera": {
        "zh": "{name}\n朝向 {heading}° · 视场角 {fov}° · {range} m",
        "en": "{name}\nheading {heading}° · FOV {fov}° · {range} m",
    },
    # plan statuses, split methods and cell kinds (values stored by zoning)
    "status.draft": {"zh": "草稿", "en": "draft"},
    "status.active": {"zh": "生效", "en": "active"},
    "status.archived": {"zh": "已归档", "en": "archived"},
    "method.square": {"zh": "方格", "en": "square"},
    "method.hex": {"zh": "六边形", "en": "hexagon"},
    "method.unit": {"zh": "单元网格", "en": "unit grid"},
    "method.building": {"zh": "按建筑", "en": "by building"},
    "kind.square": {"zh": "方格", "en": "square"},
    "kind.hex": {"zh": "六边形", "en": "hexagon"},
    "kind.unit": {"zh": "单元网格", "en": "unit"},
    "kind.building": {"zh": "建筑", "en": "building"},
    "kind.open": {"zh": "开放空间", "en": "open space"},
    # building use groups (maps.colours.USE_COLOURS)
    "use.teaching": {"zh": "教学", "en": "Teaching"},
    "use.dormitory": {"zh": "宿舍", "en": "Dormitory"},
    "use.canteen": {"zh": "食堂", "en": "Canteen"},
    "use.library": {"zh": "图书馆", "en": "Library"},
    "use.sport": {"zh": "体育", "en": "Sport"},
    "use.laboratory": {"zh": "实验室", "en": "Laboratory"},
    "use.office": {"zh": "办公", "en": "Office"},
    "use.health": {"zh": "医疗", "en": "Health"},
    "use.other": {"zh": "其他", "en": "Other"},
    # planner
    "planner.plans": {"zh": "网格方案", "en": "Grid plans"},
    "planner.cells": {"zh": "当前方案的网格", "en": "Cells of the current plan"},
    "planner.note": {
        "zh": "方案的编辑、校验和激活将随网格规划功能上线；"
        "现在可用 `campusgrid split` 生成新方案。",
        "en": "Editing, validating and activating plans arrive with the planner feature; "
        "`campusgrid split` creates a new plan today.",
    },
    # cameras
    "cameras.table": {"zh": "摄像头清单", "en": "Cameras"},
    "cameras.none": {
        "zh": "该校园还没有摄像头数据。可用 `campusgrid import` 导入摄像头图层。",
        "en": "This campus has no cameras yet. Import a camera layer with `campusgrid import`.",
    },
    "cameras.note": {
        "zh": "覆盖范围、像素密度分级和盲区分析将随摄像头分析功能上线。",
        "en": "Coverage, pixel-density bands and blind spots arrive with the camera analysis "
        "feature.",
    },
    # leadership
    "leadership.by_zone": {"zh": "各片区网格", "en": "Cells by zone"},
    "leadership.cells": {"zh": "网格总数", "en": "Cells"},
    "leadership.zones": {"zh": "片区数", "en": "Zones"},
    "leadership.area_ha": {"zh": "网格总面积 (公顷)", "en": "Cell area (ha)"},
    "leadership.owned": {"zh": "已分配网格员", "en": "Cells with an owner"},
    "leadership.note": {
        "zh": "巡查完成率、逾期率、整改闭环率和排名将随巡查功能上线；目前展示网格划分情况。",
        "en": "Inspection completion, overdue and closure rates and rankings arrive with the "
        "inspections feature; this page shows the grid as it stands.",
    },
    # inspections / ledger
    "inspections.by_owner": {
        "zh": "各网格员负责的网格",
        "en": "Cells each owner is responsible for",
    },
    "inspections.note": {
        "zh": "巡查清单、巡查计划和现场上报将随巡查功能上线；下表是届时各网格员需要巡查的网格。",
        "en": "Checklists, inspection schedules and on-the-spot reports arrive with the "
        "inspections feature; below are the cells each owner will inspect.",
    },
    "ledger.by_cell": {"zh": "网格与责任人", "en": "Cells and who is responsible"},
    "ledger.note": {
        "zh": "隐患整改台账（发现、派单、整改、复核、销号）将随台账功能上线；"
        "下表是届时每条隐患将归属的网格与责任人。",
        "en": "The hazard rectification ledger (found, assigned, fixed, checked, closed) "
        "arrives with the ledger feature; below are the cells and owners each hazard will "
        "belong to.",
    },
}


def t(key: str, lang: str = DEFAULT_LANG, /, **values: object) -> str:
    """Return the string ``key`` in ``lang`` (Chinese when ``lang`` is unknown), formatted.

    Raises KeyError for an unknown key, so a typo fails in tests rather than on screen.
    """
    entry = CATALOGUE[key]
    text: str = entry[normalise_lang(lang)]
    return text.format(**values) if values else text


def label(prefix: str, value: object, lang: str = DEFAULT_LANG) -> str:
    """Return the translation of a stored value (``label("status", "draft")`` → "草稿").

    Values without an entry under ``prefix`` are returned as they are (as text).
    """
    text = "" if value is None else str(value)
    key = f"{prefix}.{text}"
    return t(key, lang) if key in CATALOGUE else text


def normalise_lang(lang: object) -> Lang:
    """Return ``lang`` if it is a supported language, else the default (Chinese)."""
    return lang if lang in LANGS else DEFAULT_LANG  # type: ignore[return-value]
