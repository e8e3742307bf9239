"""The UI strings of the people grid's pages: 点名, 去向, 学生网格 (merged into
:data:`maps.i18n.CATALOGUE`; the key sets are disjoint)."""

from __future__ import annotations

from typing import Final


def _pair(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


PEOPLE_CATALOGUE: Final[dict[str, dict[str, str]]] = {
    "nav.rollcall": _pair("点名", "Roll call"),
    "nav.whereabouts": _pair("假期去向", "Whereabouts"),
    "nav.students": _pair("学生网格", "Students"),
    "role.counsellor": _pair("辅导员", "counsellor"),
    "role.deputy_secretary": _pair("学院副书记", "deputy secretary"),
    "role.grid_member": _pair("学生网格员", "student grid member"),
    "role.student": _pair("学生", "student"),
    # 点名
    "rollcall.checkin": _pair("晚点名签到", "Check in to tonight's roll call"),
    "rollcall.student_no": _pair("学号", "Student number"),
    "rollcall.code": _pair(
        "楼栋签到码（6 位，向网格员获取）", "Building code (6 digits, from the grid member)"
    ),
    "rollcall.no_location": _pair("无法获取定位", "No location available"),
    "rollcall.location_help": _pair(
        "经纬度来自手机定位（手机页会自动填入）；只保存是否通过、距离区间和精度，不保存坐标。",
        "The longitude and latitude come from the phone's location (the phone page fills them "
        "in); only pass/fail, the distance band and the accuracy are kept, never the point.",
    ),
    "rollcall.accuracy_m": _pair("定位精度（米）", "Accuracy (m)"),
    "rollcall.checkin_button": _pair("签到", "Check in"),
    "rollcall.no_location_next": _pair(
        "没有定位无法线上签到：请到宿舍楼找本楼网格员，由网格员为你签到。",
        "Without a location the check-in cannot pass: find your building's grid member, who "
        "checks you in.",
    ),
    "rollcall.checked_in": _pair(
        "签到成功（距离：{band}，精度 {accuracy} 米）。",
        "Checked in (distance: {band}, accuracy {accuracy} m).",
    ),
    "rollcall.open": _pair("开启今晚点名", "Open tonight's roll call"),
    "rollcall.opened": _pair(
        "已开启 {night} 晚点名（{window}），应到 {expected} 人。",
        "The roll call of {night} is open ({window}), {expected} expected.",
    ),
    "rollcall.close": _pair("结束点名", "Close the roll call"),
    "rollcall.closed": _pair(
        "{night} 晚点名已结束：未签到且未请假者记为缺勤。",
        "The roll call of {night} is closed: everyone unmarked without leave is missing.",
    ),
    "rollcall.code_title": _pair("楼栋签到码", "Building code"),
    "rollcall.show_code": _pair("显示签到码", "Show the code"),
    "rollcall.code_now": _pair("{building} 当前签到码", "Current code of {building}"),
    "rollcall.code_rotates": _pair(
        "签到码每 2 分钟更换一次，上一个码仍可用；每次查看都会记录。",
        "The code changes every 2 minutes (the previous one still works); every view is recorded.",
    ),
    "rollcall.none_yet": _pair("本校区还没有点名记录。", "No roll call on this campus yet."),
    "rollcall.state_open": _pair("进行中", "open"),
    "rollcall.state_closed": _pair("已结束", "closed"),
    "rollcall.night": _pair("{night} 晚点名（{state}）", "Roll call of {night} ({state})"),
    "rollcall.level": _pair("层级", "Level"),
    "rollcall.level.dormitory": _pair("宿舍楼", "Dormitory"),
    "rollcall.level.class": _pair("班级", "Class"),
    "rollcall.level.counsellor": _pair("辅导员", "Counsellor"),
    "rollcall.level.college": _pair("学院", "College"),
    "rollcall.group": _pair("分组", "Group"),
    "rollcall.expected": _pair("应到", "Expected"),
    "rollcall.present": _pair("已签到", "Present"),
    "rollcall.on_leave": _pair("请假/在外", "On leave / away"),
    "rollcall.missing": _pair("未到", "Missing"),
    "rollcall.missing_list": _pair("未到名单（{n} 人）", "Missing students ({n})"),
    "rollcall.nobody_missing": _pair("无人缺勤。", "Nobody is missing."),
    "rollcall.student_only": _pair(
        "点名结果只对你所在的网格链（网格员、辅导员、学院）可见。",
        "The results are visible to your own chain only (grid member, counsellor, college).",
    ),
    # 去向
    "where.holiday": _pair("假期", "Holiday"),
    "where.no_holiday": _pair(
        "还没有假期：由学生工作管理员用 `campusgrid whereabouts holiday-add` 添加。",
        "No holiday yet: an administrator adds one with `campusgrid whereabouts holiday-add`.",
    ),
    "where.declare": _pair("填报本人假期去向", "Declare your holiday plan"),
    "where.plan": _pair("去向", "Plan"),
    "where.plan.staying": _pair("留校", "Staying on campus"),
    "where.plan.home": _pair("回家", "Going home"),
    "where.plan.travelling": _pair("外出旅行", "Travelling"),
    "where.plan.None": _pair("未填报", "not declared"),
    "where.destination": _pair("目的地（外出必填）", "Destination (travelling: required)"),
    "where.leave_on": _pair("离校日期", "Leaving on"),
    "where.return_on": _pair("返校日期", "Returning on"),
    "where.companions": _pair("同行人", "Companions"),
    "where.contact": _pair("联系方式（外出必填）", "Contact (travelling: required)"),
    "where.declare_button": _pair("提交", "Submit"),
    "where.declared": _pair("已提交，等待网格员核实。", "Declared; your grid member verifies it."),
    "where.flagged_as": _pair("已提示辅导员：{reason}", "Flagged to the counsellor: {reason}"),
    "where.flag.alone": _pair("独自外出", "travelling alone"),
    "where.flag.destination": _pair("目的地需关注", "destination needs attention"),
    "where.flag.late": _pair("晚于截止日期返校", "returns after the deadline"),
    "where.return_by": _pair("返校截止：{day}", "Return deadline: {day}"),
    "where.count.class": _pair("班级", "Class"),
    "where.count.expected": _pair("应返", "Expected"),
    "where.count.declared": _pair("已填报", "Declared"),
    "where.count.flagged": _pair("风险", "Flagged"),
    "where.count.verified": _pair("已核实", "Verified"),
    "where.count.staying": _pair("留校", "Staying"),
    "where.count.returned": _pair("已返校", "Back"),
    "where.count.followed_up": _pair("已跟进", "Followed up"),
    "where.count.not_back": _pair("未返校", "Not back"),
    "where.count.unaccounted": _pair("未掌握", "Unaccounted"),
    "where.all_accounted": _pair("所有学生均已掌握去向。", "Every student is accounted for."),
    "where.list.undeclared": _pair("未填报", "Not declared"),
    "where.list.flagged": _pair("风险提示", "Flagged plans"),
    "where.list.not_back": _pair("未返校及跟进", "Not back and follow-up"),
    "where.status.returned": _pair("已返校", "back"),
    "where.status.staying": _pair("留校", "staying"),
    "where.status.accounted": _pair("已跟进", "accounted for"),
    "where.status.expected": _pair("未到截止", "expected"),
    "where.status.overdue": _pair("逾期未返", "overdue"),
    "where.status.escalated": _pair("已上报辅导员", "escalated"),
    "where.nobody": _pair("无。", "Nobody."),
    "where.col.student_no": _pair("学号", "Student no."),
    "where.col.name": _pair("姓名", "Name"),
    "where.col.class": _pair("班级", "Class"),
    "where.col.building": _pair("楼栋", "Building"),
    "where.col.room": _pair("房间", "Room"),
    "where.col.plan": _pair("去向", "Plan"),
    "where.col.destination": _pair("目的地", "Destination"),
    "where.col.return_on": _pair("返校日期", "Returning on"),
    "where.col.flags": _pair("风险提示", "Flags"),
    "where.col.status": _pair("状态", "Status"),
    "where.col.followups": _pair("跟进次数", "Follow-ups"),
    "where.col.last_note": _pair("最近跟进", "Last note"),
    "where.col.expected_return": _pair("预计返校", "Expected back"),
    "where.followup": _pair("记录一次跟进", "Note a follow-up"),
    "where.contacted": _pair("联系了谁（如：家长）", "Who was contacted (e.g. family)"),
    "where.reason": _pair("未返原因", "Why they are not back"),
    "where.escalate": _pair("上报辅导员", "Escalate to the counsellor"),
    "where.followup_button": _pair("保存跟进", "Save the note"),
    "where.noted": _pair("跟进已记录。", "Follow-up noted."),
    "where.export": _pair("生成 Excel（学院汇总）", "Build the college's workbook"),
    "where.download": _pair("下载 Excel", "Download the workbook"),
    # 学生网格
    "students.search": _pair(
        "搜索：姓名、学号、楼栋或房间", "Search: name, number, building or room"
    ),
    "students.all": _pair("全部", "All"),
    "students.level.college": _pair("学院", "College"),
    "students.level.counsellor": _pair("辅导员", "Counsellor"),
    "students.level.class": _pair("班级", "Class"),
    "students.level.building": _pair("宿舍楼", "Dormitory"),
    "students.count": _pair("人数", "Students"),
    "students.shown": _pair("显示 {n} / {total} 名学生", "{n} of {total} students"),
    "students.none": _pair(
        "你负责的网格中没有学生：先导入花名册（`campusgrid students import`）。",
        "No students in your part of the grid: import the roster (`campusgrid students import`).",
    ),
    "students.col.student_no": _pair("学号", "Student no."),
    "students.col.name": _pair("姓名", "Name"),
    "students.col.college": _pair("学院", "College"),
    "students.col.class": _pair("班级", "Class"),
    "students.col.counsellor": _pair("辅导员", "Counsellor"),
    "students.col.building": _pair("楼栋", "Building"),
    "students.col.room": _pair("房间", "Room"),
    "students.col.bed": _pair("床位", "Bed"),
    "students.col.roles": _pair("职务", "Roles"),
    "students.col.phone": _pair("电话", "Phone"),
    "students.col.reason": _pair("关注原因", "Reason"),
    "students.col.since": _pair("列入日期", "Listed since"),
    "students.col.last_visit": _pair("最近走访", "Last visit"),
    "students.col.visits": _pair("走访次数", "Visits"),
    "students.key": _pair("重点关注学生（{n} 人）", "Key students ({n})"),
    "students.key_none": _pair("暂无重点关注学生。", "No key students."),
    "students.key_audited": _pair(
        "每次查看重点关注名单都会记录。", "Every view of this list is recorded."
    ),
    # 领导驾驶舱 · 学生网格 (counts only)
    "leadership.people": _pair(
        "学生网格 · 今晚点名 / 假期返校", "Student grid · tonight's roll call / holiday returns"
    ),
    "leadership.people_counts_only": _pair(
        "仅统计人数，不含任何学生姓名。", "Counts only: no student's name."
    ),
    "leadership.people_holiday": _pair(
        "{holiday} 返校（截止 {return_by}）", "Returns after {holiday} (deadline {return_by})"
    ),
    "leadership.people_no_holiday": _pair("当前没有假期。", "No current holiday."),
    "people.col.college": _pair("学院", "College"),
    "people.col.due": _pair("应到", "Due"),
    "people.col.checked_in": _pair("已签到", "Checked in"),
    "people.col.on_leave": _pair("请假", "On leave"),
    "people.col.away": _pair("在外", "Away"),
    "people.col.missing": _pair("未到", "Missing"),
    "people.col.expected": _pair("应返", "Expected"),
    "people.col.declared": _pair("已报去向", "Declared"),
    "people.col.flagged": _pair("风险提示", "Flagged"),
    "people.col.returned": _pair("已返校", "Returned"),
    "people.col.not_back": _pair("未返校", "Not back"),
    # 点名 · 宿舍楼地图
    "rollcall.map": _pair("宿舍楼签到情况", "Dormitories tonight"),
    "rollcall.map_legend": _pair(
        "绿色：签到率 ≥ 95%；黄色：80%–95%；红色：低于 80%；灰色：今晚没有点名。",
        "Green: ≥ 95 % checked in; amber: 80–95 %; red: below 80 %; grey: no roll call tonight.",
    ),
    "rollcall.map_tooltip": _pair(
        "{building}：已签到 {present}/{expected}，请假/在外 {on_leave}，未到 {missing}",
        "{building}: {present}/{expected} checked in, {on_leave} on leave/away, {missing} missing",
    ),
}
