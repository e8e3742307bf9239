"""Leadership figures as text: a rate without a denominator says why (issue 16)."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from PIL import Image

from maps.measures import measure_colours, measure_text
from maps.report import charts_png, ranking_table, rate_text


@pytest.mark.parametrize(
    ("lang", "nothing_due", "no_hazard_due"),
    [("zh", "—（无应检）", "—（无应结案隐患）"), ("en", "— (nothing due)", "— (no hazard due)")],
)
def test_a_rate_without_a_denominator_says_why(
    lang: str, nothing_due: str, no_hazard_due: str
) -> None:
    assert rate_text(math.nan, reason="rate.nothing_due", lang=lang) == nothing_due  # type: ignore[arg-type]
    assert rate_text(None, reason="rate.no_hazard_due", lang=lang) == no_hazard_due  # type: ignore[arg-type]
    assert rate_text(0.0, lang=lang) == "0.0%"  # type: ignore[arg-type]
    assert measure_text("completion", math.nan, lang=lang).endswith(nothing_due)  # type: ignore[arg-type]
    _, legend = measure_colours(["A"], {}, "completion", lang=lang)  # type: ignore[arg-type]
    assert legend[-1].label == nothing_due


def test_the_ranking_never_shows_none_or_nan() -> None:
    report = pd.DataFrame(
        {
            "owner": ["王五", None, "李四"],
            "due": [10, 4, 0],
            "hazards_due": [0, 2, 3],
            "completion_rate": [0.5, 1.0, math.nan],
            "on_time_rate": [0.4, 1.0, math.nan],
            "closure_rate": [math.nan, 0.0, 1.0],
            "closed_on_time_rate": [math.nan, 0.0, 2 / 3],
        }
    )
    zh = ranking_table(report, "owner", lang="zh")
    assert zh["owner"].tolist() == ["王五", "（未指定网格员）", "李四"]  # worst first, NaN last
    assert zh.loc[0, "closure_pct"] == "—（无应结案隐患）"
    assert zh.loc[1, "closure_pct"] == "0.0%"  # a real zero stays a zero
    assert zh.loc[2, "completion_pct"] == "—（无应检）"
    assert zh.loc[2, "on_time_closure_pct"] == "66.7%"
    assert zh["due"].tolist() == [10, 4, 0] and zh["hazards_due"].tolist() == [0, 2, 3]
    en = ranking_table(report, "owner", lang="en")
    assert en.loc[1, "owner"] == "(no owner)" and en.loc[0, "closure_pct"] == "— (no hazard due)"
    shown = {str(v) for v in [*zh.to_numpy().ravel(), *en.to_numpy().ravel()]}
    assert not shown & {"None", "nan", "NaN", "<NA>"}


def test_the_charts_carry_their_notes_and_skip_missing_bars() -> None:
    trend = pd.DataFrame({"完成率": [50.0, 60.0]}, index=["2026-W01", "2026-W02"])
    ranking = pd.Series({"北区": math.nan, "南区": 80.0})
    plain = charts_png(title="t", trend=trend, ranking=ranking, trend_title="a", ranking_title="b")
    noted = charts_png(
        title="t", trend=trend, ranking=ranking, trend_title="a", ranking_title="b",
        notes=["校园 Campus: demo", "统计期 Period: 2026-W01"],
    )  # fmt: skip
    before, after = Image.open(io.BytesIO(plain)), Image.open(io.BytesIO(noted))
    assert after.height == before.height + 48
    band = after.convert("L").crop((30, 52, 600, 96))  # the two note lines
    assert band.getextrema()[0] < 128, "the notes were not drawn"
