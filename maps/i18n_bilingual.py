"""UI strings that make the pages completely bilingual: Streamlit's own placeholders and the
values the system writes (a plan's method and reason), merged into
:data:`maps.i18n.CATALOGUE` (the key sets are disjoint)."""

from __future__ import annotations

from typing import Final

BILINGUAL_CATALOGUE: Final[dict[str, dict[str, str]]] = {
    # Streamlit's own "Choose an option" / "Choose options", given on every picker
    "ui.choose": {"zh": "请选择", "en": "Choose an option"},
    "ui.choose_many": {"zh": "请选择（可多选）", "en": "Choose options"},
    # how a plan was made (stored values not covered by maps.i18n "method.*")
    "method.import": {"zh": "从 QGIS 导入", "en": "imported from QGIS"},
    # reasons the system writes on a plan (a person's reason is shown as they wrote it)
    "reason.first plan of the demo campus": {
        "zh": "演示校区的第一版方案",
        "en": "first plan of the demo campus",
    },
}
