"""The UI strings of sign-in, accounts and permissions (merged into :data:`maps.i18n.CATALOGUE`)."""

from __future__ import annotations

from typing import Final

ACCOUNTS_CATALOGUE: Final[dict[str, dict[str, str]]] = {
    "auth.sign_in_first": {
        "zh": "请先登录。",
        "en": "Please sign in first.",
    },
    "auth.sign_in_link": {"zh": "登录", "en": "Sign in"},
    "auth.sign_out": {"zh": "退出登录", "en": "Sign out"},
    "auth.who": {"zh": "当前用户：{name}（{role}）", "en": "Signed in: {name} ({role})"},
    "auth.zone": {"zh": "片区 {zone}", "en": "zone {zone}"},
    "auth.denied": {
        "zh": "无权操作：{message}",
        "en": "Not allowed: {message}",
    },
    "role.admin": {"zh": "系统管理员", "en": "admin"},
    "role.planner": {"zh": "网格规划员", "en": "planner"},
    "role.safety_officer": {"zh": "安全办", "en": "safety officer"},
    "role.zone_leader": {"zh": "片区负责人", "en": "zone leader"},
    "role.inspector": {"zh": "网格员", "en": "inspector"},
    "role.leadership": {"zh": "校领导", "en": "leadership"},
    "role.viewer": {"zh": "只读用户", "en": "viewer"},
}
