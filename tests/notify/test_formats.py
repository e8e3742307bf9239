"""The robots' message bodies, their signatures and the e-mail (pure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from zoning.errors import InvalidInput
from zoning.notify import (
    Notice,
    check_events,
    check_target,
    dingtalk_body,
    dingtalk_url,
    email_message,
    feishu_body,
    markdown_text,
    wecom_body,
)
from zoning.notify.robots import WECOM_MARKDOWN_BYTES

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def notice(detail: str = "楼道堆放杂物") -> Notice:
    return Notice.about(
        "assigned", campus="测试 大学", page="ledger", query={"hazard": "7"}, cell="C-01-02",
        place="图书馆", deadline=AT, recipient="张一", detail=detail,
    )  # fmt: skip


def test_every_body_names_the_cell_place_deadline_and_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPUSGRID_PUBLIC_URL", "https://grid.example.edu/")
    n = notice()
    link = "https://grid.example.edu/ledger?campus=%E6%B5%8B%E8%AF%95%20%E5%A4%A7%E5%AD%A6&hazard=7"
    assert n.link == link
    texts = [
        wecom_body(n)["markdown"]["content"],
        dingtalk_body(n)["markdown"]["text"],
        str(feishu_body(n, secret=None, timestamp_s=0)["content"]),
        email_message(n, sender="a@b.cn", to="c@d.cn").get_content(),
    ]
    for text in texts:
        assert "C-01-02" in text and "图书馆" in text and "2026-03-02 09:00" in text
        assert link in text
    assert wecom_body(n)["msgtype"] == "markdown"
    assert feishu_body(n, secret=None, timestamp_s=0)["msg_type"] == "post"


def test_user_text_cannot_forge_markdown_or_links() -> None:
    body = wecom_body(notice(detail="[点我](http://evil.example) **<font color=red>火</font>**"))
    content = body["markdown"]["content"]
    assert "](http://evil" not in content and "<font" not in content and "**<" not in content
    assert markdown_text("a\nb\r\nc") == "a b c"


def test_dingtalk_signature_is_the_documented_hmac() -> None:
    url = dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T", secret="S",
                       timestamp_ms=1_700_000_000_000)  # fmt: skip
    query = parse_qs(urlsplit(url).query)
    assert query["access_token"] == ["T"] and query["timestamp"] == ["1700000000000"]
    want = hmac.new(b"S", b"1700000000000\nS", hashlib.sha256).digest()
    assert base64.b64decode(query["sign"][0]) == want
    assert dingtalk_url("https://x/send?access_token=T", secret=None, timestamp_ms=1).endswith("=T")


def test_feishu_signature_keys_hmac_with_timestamp_and_secret() -> None:
    body = feishu_body(notice(), secret="S", timestamp_s=1_700_000_000)
    want = hmac.new(b"1700000000\nS", b"", hashlib.sha256).digest()
    assert body["timestamp"] == "1700000000" and base64.b64decode(body["sign"]) == want


def test_wecom_markdown_is_cut_to_4096_bytes_keeping_the_link() -> None:
    content = wecom_body(notice(detail="长" * 5000))["markdown"]["content"]
    assert len(content.encode()) <= WECOM_MARKDOWN_BYTES
    assert content.endswith(f"[打开 Open]({notice().link})")


def test_email_is_utf8_and_one_line_subject() -> None:
    mail = email_message(notice(), sender="grid@example.edu", to="safety@example.edu")
    assert "C-01-02" in mail["Subject"] and "\n" not in mail["Subject"]
    assert mail.get_content_charset() == "utf-8"


@pytest.mark.parametrize(
    ("kind", "target"),
    [("email", "not an address"), ("email", "a@b"), ("wecom", "ftp://x/y"), ("feishu", "x")],
)
def test_bad_targets_are_refused_with_what_to_give(kind: str, target: str) -> None:
    with pytest.raises(InvalidInput, match=r"e-mail address|webhook URL"):
        check_target(kind, target)


def test_unknown_events_are_named() -> None:
    with pytest.raises(InvalidInput, match="escalation"):
        check_events("major,escalation")
    assert check_events(None) == check_events("") and "assigned" in check_events(None)
