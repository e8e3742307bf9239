"""Refused API tokens are rate limited per client address: the window itself with a test
clock, and a real server started with a limit of 3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.rest_client import call, token_for
from tests.e2e.server import streamlit_server
from zoning.api.rest import PREFIX
from zoning.api.rest.auth import FAILURES_ENV, FailureWindow


def test_the_window_holds_off_an_address_after_the_limit_until_its_failures_age() -> None:
    now = [100.0]
    window = FailureWindow(3, window_s=60.0, clock=lambda: now[0])
    for _ in range(3):
        assert window.held_off("10.0.0.1") == 0.0
        window.failed("10.0.0.1")
        now[0] += 1.0
    assert window.held_off("10.0.0.1") == pytest.approx(57.0)
    assert window.held_off("10.0.0.2") == 0.0
    now[0] = 160.0
    assert window.held_off("10.0.0.1") == 0.0


@pytest.fixture(scope="module")
def limited(api_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("api-limited") / "streamlit.log"
    with streamlit_server(api_db, log, **{FAILURES_ENV: "3"}) as url:
        yield url


@pytest.mark.e2e
def test_after_three_refused_tokens_even_a_good_one_waits(limited: str, api_db: str) -> None:
    good = token_for(api_db, "api-limited", "viewer")
    assert call(limited, PREFIX + "/me", good)[0] == 200
    for n in range(3):
        assert call(limited, PREFIX + "/me", f"cgt_wrong-{n}")[0] == 401
    status, body, reply = call(limited, PREFIX + "/me", good)
    assert status == 429 and body["error"]["code"] == "too_many_failures"
    assert 1 <= int(reply.headers["retry-after"]) <= 60
    assert call(limited, "/open311/v2/requests.json?api_key=cgt_x")[0] == 429
