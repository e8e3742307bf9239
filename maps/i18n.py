"""Every string the UI shows, in Chinese (the default) and English.

>>> t("nav.safety_map")
'安全地图'
>>> t("nav.safety_map", "en")
'Safety map'
>>> t("map.cells_count", "en", n=3)
'3 cells'
"""

from __future__ import annotations

from typing import Final, Literal, cast

from maps.i18n_accounts import ACCOUNTS_CATALOGUE
from maps.i18n_bilingual import BILINGUAL_CATALOGUE
from maps.i18n_people import PEOPLE_CATALOGUE
from maps.i18n_workflow import WORKFLOW_CATALOGUE

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"
LANG_NAMES: Final[dict[Lang, str]] = {"zh": "中文", "en": "English"}

# The one catalogue: one entry per key, {"zh": ..., "en": ...}. Placeholders use
# str.format names.
CATALOGUE: Final[dict[str, dict[Lang, str]]] = {
    # app frame
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
    "app.warming": {
        "zh": "服务器刚启动，正在准备校园数据（{campus}，第 {done}/{total} 个）…",
        "en": "The server has just started and is preparing the campus data "
        "({campus}, {done} of {total})…",
    },
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
    "value.hidden": {"zh": "（内容不可见）", "en": "(details hidden)"},
    "field.phone": {"zh": "电话", "en": "Phone"},
    "panel.out_of_scope": {
        "zh": "该网格不在您的负责范围内：此处不显示其巡查与隐患。",
        "en": "This cell is outside your cells or zone: its inspections and hazards are not shown.",
    },
    "value.assigned": {"zh": "已分配", "en": "assigned"},
    "value.unnamed": {"zh": "未命名", "en": "unnamed"},
    "value.yes": {"zh": "是", "en": "yes"},
    "value.no": {"zh": "否", "en": "no"},
    "tip.cell": {
        "zh": "网格 {code}\n片区 {zone} · 网格员 {owner}\n面积 {area} m²",
        "en": "Cell {code}\nZone {zone} · owner {owner}\nArea {area} m²",
    },
    "tip.cell_short": {"zh": "网格 {code} · {owner}", "en": "Cell {code} · {owner}"},
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
    # safety map: measures, overlays, filters, panel (issue 4)
    "measure.completion": {"zh": "巡查完成率", "en": "Inspection completion"},
    "measure.hazards": {"zh": "未闭环隐患", "en": "Open hazards"},
    "measure.coverage": {"zh": "监控覆盖率", "en": "Camera coverage"},
    "layer.hazards": {"zh": "隐患", "en": "Hazards"},
    "layer.coverage": {"zh": "监控覆盖", "en": "Camera coverage"},
    "layer.blind_spots": {"zh": "监控盲区", "en": "Blind spots"},
    "layer.key_areas": {"zh": "重点区域", "en": "Key areas"},
    "layer.suggested": {"zh": "建议点位", "en": "Suggested sites"},
    "map.filters": {"zh": "筛选", "en": "Filters"},
    "map.computing_coverage": {
        "zh": "正在计算监控覆盖（首次需数秒）…",
        "en": "Computing camera coverage (a few seconds the first time)…",
    },
    "map.hazard_legend": {
        "zh": "网格隐患（每格一柱，颜色：最紧急状态，柱高：数量与严重程度）",
        "en": "Hazards per cell (colour: most urgent status, height: count and severity)",
    },
    "map.coverage_legend": {"zh": "监控像素密度等级", "en": "Camera pixel-density band"},
    "map.fetching_basemap": {"zh": "正在获取底图瓦片…", "en": "Fetching the basemap tiles…"},
    "map.basemap_failed": {
        "zh": "底图不可用，地图不带底图显示。{message}",
        "en": "No basemap: the map is drawn without it. {message}",
    },
    "map.basemap_stale": {
        "zh": "底图未能更新，显示的是之前保存的底图。{message}",
        "en": "The basemap could not be refreshed; the one saved earlier is shown. {message}",
    },
    "map.basemap_credit": {"zh": "底图：{credit}", "en": "Basemap: {credit}"},
    "map.basemap_partial": {
        "zh": "底图不完整。{message}",
        "en": "The basemap is incomplete. {message}",
    },
    "filter.zone": {"zh": "片区", "en": "Zones"},
    "filter.domain": {"zh": "领域", "en": "Domains"},
    "filter.status": {"zh": "隐患状态", "en": "Hazard status"},
    "filter.dates": {"zh": "日期范围", "en": "Date range"},
    "hstatus.open": {"zh": "未闭环", "en": "open"},
    "hstatus.overdue": {"zh": "已逾期", "en": "overdue"},
    "hstatus.closed": {"zh": "已结案", "en": "closed"},
    "hazard.group.waiting": {"zh": "已上报/已登记/已派发", "en": "reported/registered/dispatched"},
    "hazard.group.fixing": {"zh": "整改中", "en": "rectifying"},
    "hazard.group.checking": {"zh": "已整改/已验收", "en": "rectified/verified"},
    "hazard.group.closed": {"zh": "已结案", "en": "closed"},
    "hazard.group.rejected": {"zh": "已驳回", "en": "rejected"},
    "state.reported": {"zh": "已上报", "en": "reported"},
    "state.registered": {"zh": "已登记", "en": "registered"},
    "state.dispatched": {"zh": "已派发", "en": "dispatched"},
    "state.rectifying": {"zh": "整改中", "en": "rectifying"},
    "state.rectified": {"zh": "已整改", "en": "rectified"},
    "state.verified": {"zh": "已验收", "en": "verified"},
    "state.closed": {"zh": "已结案", "en": "closed"},
    "state.rejected": {"zh": "已驳回", "en": "rejected"},
    "severity.major": {"zh": "重大", "en": "major"},
    "severity.general": {"zh": "一般", "en": "general"},
    "band.identify": {"zh": "识别 (≥250 px/m)", "en": "Identify (≥250 px/m)"},
    "band.recognise": {"zh": "辨认 (≥125 px/m)", "en": "Recognise (≥125 px/m)"},
    "band.observe": {"zh": "观察 (≥62.5 px/m)", "en": "Observe (≥62.5 px/m)"},
    "band.detect": {"zh": "探测 (≥25 px/m)", "en": "Detect (≥25 px/m)"},
    "band.monitor": {"zh": "监视 (≥12.5 px/m)", "en": "Monitor (≥12.5 px/m)"},
    "key.gate": {"zh": "校门", "en": "gate"},
    "key.dormitory": {"zh": "宿舍入口", "en": "dormitory entrance"},
    "key.canteen": {"zh": "食堂入口", "en": "canteen entrance"},
    "level.cell_owner": {"zh": "网格员", "en": "Cell owner"},
    "level.zone_leader": {"zh": "片区负责人", "en": "Zone leader"},
    "level.safety_office": {"zh": "安全保卫处", "en": "Safety office"},
    "level.leadership": {"zh": "校领导", "en": "Leadership"},
    "level.closed": {"zh": "已结案", "en": "closed"},
    "value.none": {"zh": "无数据", "en": "no data"},
    "value.covered": {"zh": "已覆盖", "en": "covered"},
    "value.uncovered": {"zh": "未覆盖", "en": "not covered"},
    "value.done": {"zh": "已完成", "en": "done"},
    "value.not_done": {"zh": "未完成", "en": "not done"},
    "panel.chain": {"zh": "责任链", "en": "Chain of responsibility"},
    "panel.checklist": {
        "zh": "本期巡查清单（已完成 {done}/{due}）",
        "en": "Checklists this period ({done}/{due} done)",
    },
    "panel.open_hazards": {"zh": "未闭环隐患（{n}）", "en": "Open hazards ({n})"},
    "panel.recent": {"zh": "最近巡查", "en": "Recent inspections"},
    "panel.coverage": {
        "zh": "监控覆盖率：{pct}（探测级及以上）",
        "en": "Camera coverage: {pct} (detect or better)",
    },
    "panel.coverage_off": {
        "zh": "打开“监控覆盖”图层或按覆盖率着色即可查看覆盖率。",
        "en": "Turn on the camera coverage layer or measure to see the coverage.",
    },
    "tip.hazard": {
        "zh": "隐患 #{id} · {state} · {severity}\n{domain} · 网格 {cell} · 责任人 {responsible}\n"
        "{description}",
        "en": "Hazard #{id} · {state} · {severity}\n{domain} · cell {cell} · "
        "responsible {responsible}\n{description}",
    },
    "tip.hazard_cell": {
        "zh": "网格 {cell} · {n} 条隐患（重大 {major}）",
        "en": "Cell {cell} · {n} hazards ({major} major)",
    },
    "tip.blind_spot": {"zh": "监控盲区 {area} m²", "en": "Blind spot {area} m²"},
    "tip.key_area": {"zh": "{name}（{kind}）· {status}", "en": "{name} ({kind}) · {status}"},
    "tip.suggested": {
        "zh": "建议点位 #{rank} · 朝向 {heading}° · 新增覆盖 {gain} m²",
        "en": "Suggested site #{rank} · heading {heading}° · gains {gain} m²",
    },
    "field.template_code": {"zh": "检查表", "en": "Checklist"},
    "field.domain": {"zh": "领域", "en": "Domain"},
    "field.frequency": {"zh": "频次", "en": "Frequency"},
    "field.period": {"zh": "周期", "en": "Period"},
    "field.due_date": {"zh": "截止日期", "en": "Due"},
    "field.submitted_at": {"zh": "提交时间", "en": "Submitted"},
    "field.inspector": {"zh": "巡查人", "en": "Inspector"},
    "field.late": {"zh": "逾期", "en": "Late"},
    "field.level": {"zh": "层级", "en": "Level"},
    "field.person": {"zh": "责任人", "en": "Person"},
    "field.id": {"zh": "编号", "en": "No."},
    "field.state": {"zh": "状态", "en": "State"},
    "field.severity": {"zh": "等级", "en": "Severity"},
    "field.description": {"zh": "描述", "en": "Description"},
    "field.responsible": {"zh": "当前责任人", "en": "Responsible now"},
    "field.deadline": {"zh": "整改期限", "en": "Deadline"},
    "field.overdue_hours": {"zh": "逾期 (小时)", "en": "Overdue (h)"},
    "field.week": {"zh": "周次", "en": "Week"},
    "field.due": {"zh": "应检数", "en": "Due"},
    "field.completion_pct": {"zh": "完成率 (%)", "en": "Completion (%)"},
    "field.on_time_pct": {"zh": "按时完成率 (%)", "en": "On time (%)"},
    "field.closure_pct": {"zh": "结案率 (%)", "en": "Closure (%)"},
    "field.on_time_closure_pct": {"zh": "按期结案率 (%)", "en": "Closed on time (%)"},
    "field.missed": {"zh": "未完成", "en": "Missed"},
    "field.band": {"zh": "等级", "en": "Band"},
    "field.kind_key": {"zh": "类别", "en": "Kind"},
    "field.covered": {"zh": "覆盖情况", "en": "Covered"},
    "field.recognise_pct": {"zh": "辨认级覆盖 (%)", "en": "Recognise (%)"},
    "field.gain_m2": {"zh": "新增覆盖 (m²)", "en": "Gain (m²)"},
    "field.rank": {"zh": "排名", "en": "Rank"},
    "field.lon": {"zh": "经度", "en": "Longitude"},
    "field.lat": {"zh": "纬度", "en": "Latitude"},
    # leadership cockpit (issue 4)
    "kpi.completion": {"zh": "巡查完成率", "en": "Inspection completion"},
    "kpi.overdue": {"zh": "逾期隐患", "en": "Overdue hazards"},
    "kpi.closure": {"zh": "整改结案率", "en": "Closure rate"},
    "kpi.on_time_closure": {"zh": "按期结案率", "en": "On-time closure rate"},
    "kpi.blind_spot_ha": {"zh": "监控盲区 (公顷)", "en": "Blind spots (ha)"},
    "kpi.overdue_of_open": {"zh": "未闭环 {n} 条中", "en": "of {n} open"},
    "leadership.heatmap": {
        "zh": "巡查完成率热力图（柱高：完成率缺口，越高越差）",
        "en": "Inspection completion heatmap (height: shortfall, taller is worse)",
    },
    "leadership.week": {"zh": "回放周次", "en": "Replay week"},
    "leadership.all_weeks": {"zh": "全部", "en": "all weeks"},
    "leadership.worst": {"zh": "完成率最低的网格", "en": "Cells with the lowest completion"},
    "leadership.rank_zone": {"zh": "片区排名（差者在前）", "en": "Zones, worst first"},
    "leadership.rank_owner": {"zh": "网格员排名（差者在前）", "en": "Owners, worst first"},
    "leadership.trend": {"zh": "每周趋势 (%)", "en": "Weekly trend (%)"},
    "leadership.export": {"zh": "导出汇报材料", "en": "Export for the meeting"},
    "leadership.export_xlsx": {"zh": "下载 Excel 报表", "en": "Download the Excel report"},
    "leadership.export_png": {"zh": "下载图表 PNG", "en": "Download the charts (PNG)"},
    "leadership.computing": {
        "zh": "正在汇总完成率、隐患和监控覆盖（首次需数秒）…",
        "en": "Summing up completion, hazards and camera coverage (a few seconds the first time)…",
    },
    "leadership.no_history": {
        "zh": "还没有巡查记录：提交巡查后这里会显示完成率。",
        "en": "No inspections yet: completion shows here once checklists are submitted.",
    },
    # honest leadership figures (issue 16): a rate without a denominator, the period of
    # every figure, the CSV export
    "rate.nothing_due": {"zh": "—（无应检）", "en": "— (nothing due)"},
    "rate.no_hazard_due": {"zh": "—（无应结案隐患）", "en": "— (no hazard due)"},
    "leadership.period_all": {
        "zh": "近 90 天（{start} 至 {end}）",
        "en": "last 90 days ({start} to {end})",
    },
    "leadership.period_week": {
        "zh": "{week}（{start} 至 {end}）",
        "en": "{week} ({start} to {end})",
    },
    "leadership.period_now": {"zh": "当前", "en": "now"},
    "leadership.period_caption": {
        "zh": "统计期：{period}。回放周次决定热力图、指标卡、排名和导出；"
        "逾期隐患与监控盲区为当前状态，每周趋势始终为近 90 天。",
        "en": "Period: {period}. The replay week drives the heatmap, the figures, the rankings "
        "and the exports; overdue hazards and blind spots are as of now, the weekly trend "
        "always spans the last 90 days.",
    },
    "field.hazards_due": {"zh": "应结案数", "en": "Hazards due"},
    "leadership.no_owner": {"zh": "（未指定网格员）", "en": "(no owner)"},
    "leadership.export_csv": {"zh": "下载网格完成率 CSV", "en": "Download cell completion (CSV)"},
    # cameras page (issue 5's map)
    "cameras.summary": {"zh": "覆盖概况", "en": "Coverage summary"},
    "cameras.by_band": {"zh": "按像素密度等级（最佳等级）", "en": "By best pixel-density band"},
    "cameras.key_areas": {"zh": "重点区域覆盖", "en": "Key areas"},
    "cameras.key_uncovered": {"zh": "未覆盖的重点区域", "en": "Key area not covered"},
    "cameras.walkable_ha": {"zh": "可通行区域 (公顷)", "en": "Walkable (ha)"},
    "cameras.covered_pct": {"zh": "覆盖率 (探测级)", "en": "Covered (≥ detect)"},
    "cameras.blind_ha": {"zh": "盲区面积 (公顷)", "en": "Blind spots (ha)"},
    "cameras.key_covered": {"zh": "重点区域已覆盖", "en": "Key areas covered"},
    "cameras.count": {"zh": "摄像头数", "en": "Cameras"},
    "cameras.suggest": {"zh": "建议新增点位", "en": "Suggest new sites"},
    "cameras.suggest_count": {"zh": "建议数量", "en": "How many"},
    "cameras.table": {"zh": "摄像头清单", "en": "Cameras"},
    "cameras.none": {
        "zh": "该校园还没有摄像头数据。可用 `campusgrid import` 导入摄像头图层。",
        "en": "This campus has no cameras yet. Import a camera layer with `campusgrid import`.",
    },
    # a likely-duplicate complaint joins the first one's hazard; an officer may split it off
    "haction.attach": {"zh": "并入重复投诉", "en": "Duplicate attached"},
    "haction.split": {"zh": "拆分投诉", "en": "Complaint split off"},
    "field.joined": {"zh": "并入情况", "en": "Joined"},
    "ledger.joined_hazard": {"zh": "已并入隐患 #{id}", "en": "joined hazard #{id}"},
    "ledger.complaint_joined": {
        "zh": "投诉 #{id} 疑似与投诉 #{first} 重复，已并入隐患 #{hazard}（网格 {cell}，{owner}）；"
        "如确为不同问题，可由安全管理人员拆分。",
        "en": "Complaint #{id} is a likely duplicate of complaint #{first} and joined hazard "
        "#{hazard} (cell {cell}, {owner}); an officer can split it off if it is a different "
        "problem.",
    },
    # issue 16: finding things (search), placing on the map, photos, the cell panel
    "search.label": {"zh": "搜索", "en": "Search"},
    "search.placeholder": {
        "zh": "网格编号、建筑名、网格员姓名或隐患编号（如 #12）",
        "en": "Cell code, building name, owner name or hazard number (e.g. #12)",
    },
    "search.results": {"zh": "搜索结果（{n}）", "en": "Results ({n})"},
    "search.pick": {"zh": "选择一项，地图将飞到该处", "en": "Choose one to fly the map to it"},
    "search.pick_ledger": {"zh": "选择一项查看", "en": "Choose one to show it"},
    "search.none": {
        "zh": "没有找到“{q}”。只搜索您可查看的网格、建筑、网格员和隐患；隐患请输入完整编号。",
        "en": "Nothing found for “{q}”. Only the cells, buildings, owners and hazards you may "
        "see are searched; give a hazard's whole number.",
    },
    "search.option": {"zh": "{kind} · {label} · {where}", "en": "{kind} · {label} · {where}"},
    "search.kind.hazard": {"zh": "隐患", "en": "Hazard"},
    "search.kind.cell": {"zh": "网格", "en": "Cell"},
    "search.kind.building": {"zh": "建筑", "en": "Building"},
    "search.kind.owner": {"zh": "网格员", "en": "Owner"},
    "search.clear": {"zh": "清除搜索", "en": "Clear the search"},
    "search.hazard_ledger": {
        "zh": "隐患 #{id} 的详情和照片在“台账”页（搜索 #{id}）。",
        "en": "Hazard #{id}'s details and photos are on the Ledger page (search #{id}).",
    },
    "search.showing_cell": {
        "zh": "台账只显示网格 {cell} 的隐患。",
        "en": "The ledger shows the hazards of cell {cell} only.",
    },
    "search.showing_owner": {
        "zh": "台账只显示网格员 {owner} 的隐患。",
        "en": "The ledger shows the hazards of owner {owner} only.",
    },
    "panel.done_pct": {"zh": "完成率 {pct}", "en": "{pct} done"},
    "panel.done_means": {
        "zh": "“{done}/{due}”指本期（每份检查表当前的日、周或月）应交的 {due} 份检查表中已提交 "
        "{done} 份；地图按“完成率”着色时统计的是筛选日期内的全部应检。",
        "en": "“{done}/{due}” means {done} of the {due} checklists due this period (each "
        "checklist's current day, week or month) have been submitted; the map's completion "
        "colour counts every due checklist in the filter's dates.",
    },
    "panel.phones_hidden": {
        "zh": "电话号码仅对已登录的工作人员显示。",
        "en": "Phone numbers are shown to signed-in staff only.",
    },
    "photo.title": {"zh": "照片（{n}）", "en": "Photos ({n})"},
    "photo.none": {"zh": "该隐患没有照片。", "en": "This hazard has no photos."},
    "photo.hidden": {
        "zh": "敏感领域隐患的照片仅对责任链内有权查看的人员显示。",
        "en": "Photos of a hazard in a sensitive domain are shown only to those in its chain "
        "who may read it.",
    },
    "photo.missing": {
        "zh": "照片文件 {name} 已不在照片库中（照片库路径是否已更改？）。",
        "en": "Photo file {name} is no longer in the photo store (was its folder moved?).",
    },
    "photo.source.inspection": {"zh": "巡查不合格项", "en": "failed checklist item"},
    "photo.source.report": {"zh": "隐患上报", "en": "hazard report"},
    "photo.source.complaint": {"zh": "公众投诉", "en": "public complaint"},
    "place.map_hint": {
        "zh": "在地图上点击网格或建筑，取其中心点作为位置；也可直接填写经纬度。",
        "en": "Click a cell or building on the map to take its centre as the location, or "
        "type the longitude and latitude.",
    },
    "place.picked": {
        "zh": "已选取 {what}：{lon}, {lat}",
        "en": "Picked {what}: {lon}, {lat}",
    },
    "place.map_alt": {
        "zh": "选取位置的地图：点击网格或建筑",
        "en": "Map for picking a location: click a cell or building",
    },
    "ledger.report_hazard": {"zh": "上报隐患", "en": "Report a hazard"},
    "ledger.severity": {"zh": "隐患等级", "en": "Severity"},
    "ledger.description": {"zh": "隐患描述", "en": "Description"},
    "ledger.report": {"zh": "上报", "en": "Report"},
    "ledger.reported": {
        "zh": "已上报隐患 #{id}（网格 {cell}，{owner}）。",
        "en": "Hazard #{id} reported (cell {cell}, {owner}).",
    },
    # the planner, inspections and ledger pages (their strings live in maps/i18n_workflow.py;
    # the key sets are disjoint)
    **cast("dict[str, dict[Lang, str]]", WORKFLOW_CATALOGUE),
    **cast("dict[str, dict[Lang, str]]", ACCOUNTS_CATALOGUE),
    **cast("dict[str, dict[Lang, str]]", PEOPLE_CATALOGUE),
    **cast("dict[str, dict[Lang, str]]", BILINGUAL_CATALOGUE),
    # named zones (片区): the planner's rename box
    "zones.rename": {"zh": "片区改名", "en": "Rename a zone"},
    "zones.pick": {"zh": "片区", "en": "Zone"},
    "zones.new_name": {"zh": "新名称", "en": "New name"},
    "zones.rename_do": {"zh": "改名", "en": "Rename"},
    "zones.renamed": {
        "zh": "片区 {number}「{old}」已改名为「{new}」。",
        "en": "Zone {number} “{old}” is now called “{new}”.",
    },
    "zones.need_name": {"zh": "请填写新名称。", "en": "Type the new name first."},
    "zones.redraw_hint": {
        "zh": "重画片区：`campusgrid zones export` 导出 GeoJSON，在 QGIS 中编辑后用 "
        "`campusgrid zones import` 导回，再重新划分网格。",
        "en": "To redraw zones: `campusgrid zones export` them as GeoJSON, edit them in QGIS, "
        "`campusgrid zones import` the file and split again.",
    },
    # issue 16: the kinds of a plan's problems (the planner's problems table)
    "problem_kind.invalid_geometry": {"zh": "几何无效", "en": "Invalid geometry"},
    "problem_kind.overlap": {"zh": "网格重叠", "en": "Overlap"},
    "problem_kind.gap": {"zh": "空隙", "en": "Gap"},
    "problem_kind.outside": {"zh": "超出校区", "en": "Outside the campus"},
    "problem_kind.sliver": {"zh": "细长碎片", "en": "Sliver"},
    "problem_kind.too_small": {"zh": "面积过小", "en": "Too small"},
    "problem_kind.too_large": {"zh": "面积过大", "en": "Too large"},
    "problem_kind.no_owner": {"zh": "没有网格员", "en": "No owner"},
    "problem_kind.duplicate_code": {"zh": "编码重复", "en": "Duplicate code"},
    "problem_kind.retired_code": {"zh": "编码已停用", "en": "Retired code"},
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
