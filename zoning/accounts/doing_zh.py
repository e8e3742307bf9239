"""The Chinese of a refusal: what was refused (``doing``) and why, as the services word them.

:meth:`zoning.accounts.Actor.require` and :meth:`~zoning.accounts.Actor.refuse` build the
English line for the CLI and the logs and, from these tables, the Chinese line for the pages.
A phrase holds values with ``{}`` (a student number, a cell code, a hazard number); a value
that is itself a word of :data:`WORDS` (a hazard action) is translated too, any other value
is kept as it is. tests/accounts/test_doing_zh.py fails on a phrase in the source that has
no Chinese here.

>>> chinese("activate a plan")
'启用方案'
>>> chinese("submit an inspection of cell C-12")
'提交网格 C-12 的巡查'
>>> chinese("verify a hazard")
'验收隐患'
>>> chinese("juggle the cells") is None
True
"""

from __future__ import annotations

import re
from functools import cache

#: English phrase (``{}`` for a value) → Chinese (``{0}``, ``{1}`` for the values, in order).
PHRASES: dict[str, str] = {
    # accounts, tokens, backups, notifications
    "add accounts": "添加账号",
    "list accounts": "查看账号列表",
    "disable or enable accounts": "停用或启用账号",
    "change another account's password": "修改其他账号的密码",
    "make API tokens for another account": "为其他账号生成 API 令牌",
    "list another account's API tokens": "查看其他账号的 API 令牌",
    "revoke another account's API tokens": "吊销其他账号的 API 令牌",
    "back up the database": "备份数据库",
    "restore the database": "恢复数据库",
    "add a notification channel": "添加通知渠道",
    "list the notification channels": "查看通知渠道",
    "remove a notification channel": "删除通知渠道",
    "test a notification channel": "测试通知渠道",
    "read the notification log": "查看通知记录",
    "run the scheduler": "运行定时任务",
    # campus, map, plans
    "see the campuses": "查看校区",
    "see the cells": "查看网格",
    "see the plans": "查看方案",
    "see the campus map": "查看校园地图",
    "see the camera coverage": "查看摄像头覆盖",
    "read the stored campus frames": "读取保存的全校汇总数据",
    "store the campus frames": "保存全校汇总数据",
    "they hold the whole campus, nothing redacted": "这些数据包含全校的全部内容，未做遮蔽",
    "see the cameras": "查看摄像头",
    "see suggested camera sites": "查看建议的摄像头位置",
    "import a campus": "导入校区",
    "export a campus": "导出校区",
    "import people": "导入人员",
    "seed the demo campus": "生成演示校区",
    "seed the demo's students": "生成演示学生",
    "split a campus into a plan": "划分网格方案",
    "draft a plan": "起草方案",
    "edit a plan": "编辑方案",
    "undo a plan edit": "撤销方案编辑",
    "assign the owners of a plan": "分配方案的网格员",
    "activate a plan": "启用方案",
    "import a plan": "导入方案",
    "read the audit trail": "查看审计记录",
    "list the zones of a campus": "查看校区的片区",
    "read the zone names of a campus": "查看校区的片区名称",
    "import the zones of a campus": "导入校区的片区",
    "rename a zone": "重命名片区",
    "export the zones of a campus": "导出校区的片区",
    "print QR sheets": "打印二维码",
    # inspections and reports
    "see the inspections due": "查看待巡查事项",
    "see the inspections due of {}": "查看 {0} 的待巡查事项",
    "submit an inspection": "提交巡查",
    "submit an inspection of cell {}": "提交网格 {0} 的巡查",
    "see the completion report": "查看完成情况报表",
    "see the completion by owner": "查看各网格员的完成情况",
    "export the {}": "导出{0}",
    "the cell lies outside the cells you answer for": "该网格不在您负责的范围内",
    "the account is linked to no person (campusgrid users add … --person)": (
        "该账号未关联人员（请管理员用 campusgrid users add … --person 关联）"
    ),
    "an inspector sees only their own cells ({})": "网格员只能查看自己的网格（{0}）",
    # hazards and complaints
    "read the hazard ledger": "查看隐患台账",
    "see a hazard's photos": "查看隐患照片",
    "see hazard #{}": "查看隐患 #{0}",
    "{} a hazard": "{0}隐患",
    "{} hazard #{}": "{0}隐患 #{1}",
    "report a hazard": "上报隐患",
    "report a hazard in cell {}": "在网格 {0} 上报隐患",
    "record a complaint": "登记投诉",
    "reply to a complaint": "回复投诉",
    "reply to complaint #{}": "回复投诉 #{0}",
    "split a complaint": "拆分投诉",
    "split complaint #{}": "拆分投诉 #{0}",
    "read the complaints": "查看投诉",
    "it lies outside the cells you answer for (your zone or your own cells)": (
        "它不在您负责的范围内（您的片区或您的网格）"
    ),
    "it was rectified by {}: separation of duties, someone else (the zone leader or the "
    "safety office) must verify and close it": (
        "该隐患由 {0} 整改：按职责分离，须由他人（片区负责人或安全办）验收并结案"
    ),
    # people grid: roster, roll call, whereabouts, key students, duty
    "import the student roster": "导入学生名册",
    "see the student roster": "查看学生名册",
    "see a roll-call code": "查看点名码",
    "see the roll-call code of {}": "查看 {0} 的点名码",
    "open the roll call": "开启点名",
    "close the roll call": "结束点名",
    "see the roll-call board": "查看点名看板",
    "check in to the roll call": "点名签到",
    "check in student {}": "为学生 {0} 签到",
    "mark a leave": "登记请假",
    "mark student {} on {}": "将学生 {0} 登记为{1}",
    "add a holiday": "添加假期",
    "see the holidays": "查看假期",
    "see the holiday whereabouts": "查看假期去向",
    "export the holiday whereabouts": "导出假期去向",
    "see the return counts": "查看返校统计",
    "see the people grid's figures": "查看学生网格统计",
    "declare their holiday whereabouts": "填报自己的假期去向",
    "declare for student {}": "为学生 {0} 填报去向",
    "verify the whereabouts of student {}": "核实学生 {0} 的去向",
    "mark student {} back": "登记学生 {0} 已返校",
    "follow up student {}": "跟进学生 {0}",
    "put student {} on the key-student list": "将学生 {0} 列入重点关注名单",
    "log a visit to student {}": "记录对学生 {0} 的走访",
    "see the key-student list": "查看重点关注名单",
    "see the grid members' duty records": "查看网格员的值班记录",
    "that belongs to the safety office or an admin": "这由安全办或系统管理员负责",
    "only its grid member, its students' counsellors and the safety office may": (
        "只有该楼的网格员、其学生的辅导员和安全办可以"
    ),
    "only the student or their dormitory's grid member may": "只有学生本人或其宿舍楼的网格员可以",
    "only the student's counsellor, the college's deputy secretary and the safety office may": (
        "只有该学生的辅导员、学院副书记和安全办可以"
    ),
    "nobody approves their own leave": "任何人都不能批准自己的请假",
    "nobody does that for themselves": "任何人都不能为自己办理",
    "the student is not in your part": "该学生不在您负责的范围内",
}

#: Values that are words of the services (hazard actions and states, exports, leave kinds)
#: → Chinese, in the ledger's vocabulary (the catalogue's ``haction.*`` and ``hstate.*``).
WORDS: dict[str, str] = {
    "register": "登记",
    "reject": "驳回",
    "dispatch": "派发",
    "start": "开始整改",
    "complete": "整改完成",
    "verify": "验收",
    "rework": "返工",
    "close": "结案",
    "extend": "延期",
    "reported": "已上报",
    "registered": "已登记",
    "dispatched": "已派发",
    "rectifying": "整改中",
    "rectified": "已整改",
    "verified": "已验收",
    "closed": "已结案",
    "rejected": "已驳回",
    "ledger": "隐患台账",
    "report": "完成情况报表",
    "leave": "请假",
    "away": "在外",
}


def word(value: str) -> str:
    """Return the Chinese of a service word (:data:`WORDS`), the value itself when unknown."""
    return WORDS.get(value, value)


#: The Chinese names of the roles (the same as the catalogue's ``role.*``).
ROLES_ZH: dict[str, str] = {
    "admin": "系统管理员",
    "planner": "网格规划员",
    "safety_officer": "安全办",
    "zone_leader": "片区负责人",
    "inspector": "网格员",
    "leadership": "校领导",
    "viewer": "只读用户",
    "counsellor": "辅导员",
    "deputy_secretary": "学院副书记",
    "grid_member": "楼栋网格员",
    "student": "学生",
}


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Return the phrases with values as anchored patterns, most literal text first."""
    templated = [(en, zh) for en, zh in PHRASES.items() if "{}" in en]
    templated.sort(key=lambda pair: -len(pair[0].replace("{}", "")))
    return tuple(
        (re.compile("".join("(.+?)" if part == "{}" else re.escape(part) for part in _split(en))
                    + r"\Z", re.DOTALL), zh)
        for en, zh in templated
    )  # fmt: skip


def _split(template: str) -> list[str]:
    """Return ``template`` cut into its text and its ``{}`` slots."""
    return [part for part in re.split(r"(\{\})", template) if part]


def chinese(phrase: str) -> str | None:
    """Return the Chinese of a refusal phrase, or None when it has none."""
    if phrase in PHRASES:
        return PHRASES[phrase]
    if phrase in WORDS:
        return WORDS[phrase]
    for pattern, zh in _patterns():
        found = pattern.match(phrase)
        if found:
            return zh.format(*(WORDS.get(value, value) for value in found.groups()))
    return None


def role_zh(role: str) -> str:
    """Return the Chinese name of a role value (the value itself when unknown)."""
    return ROLES_ZH.get(role, role)


__all__ = ["PHRASES", "ROLES_ZH", "WORDS", "chinese", "role_zh", "word"]
