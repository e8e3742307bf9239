"""One hash for every secret token at rest: sessions, API tokens and tracking numbers are
stored as the hex SHA-256 of their UTF-8 text (the format stored before stays the same)."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.actors import ADMIN, actor
from tests.safety_campus import CAMPUS, make_campus
from zoning.accounts.tokens import token_hash
from zoning.services import accounts, public
from zoning.store.campus import campus_id
from zoning.store.public import buildings


def test_the_hash_is_hex_sha256_of_the_text() -> None:
    assert token_hash("abc") == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    issued = secrets.token_urlsafe(24)  # the tracking numbers' old ASCII encoding agrees
    assert token_hash(issued) == hashlib.sha256(issued.encode("ascii")).hexdigest()
    assert token_hash("口令") == hashlib.sha256("口令".encode()).hexdigest()


def _stored(engine: Engine, table: str) -> set[str]:
    with engine.connect() as conn:
        return {str(h) for (h,) in conn.execute(sa.text(f"SELECT token_hash FROM {table}"))}


def test_sessions_tokens_and_tracking_numbers_are_stored_as_that_hash(
    db: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(tmp_path))
    make_campus(db)
    accounts.add_account(db, ADMIN, "hashed1", "viewer", "a long enough password")
    _, api_token = accounts.add_token(db, ADMIN, "hashed1", label="ci")
    assert token_hash(api_token) in _stored(db, "api_token")
    assert (accounts.token_actor(db, api_token) or ADMIN).name == "hashed1"
    who = accounts.sign_in(db, "hashed1", "a long enough password")
    session = accounts.open_session(db, who)
    assert token_hash(session) in _stored(db, "web_session")
    assert (accounts.session_actor(db, session) or ADMIN).name == "hashed1"
    with db.connect() as conn:
        first = int(buildings(conn, campus_id(conn, CAMPUS))["id"].iloc[0])
    place = public.public_place(db, CAMPUS, building=str(first))
    number = public.submit_public_complaint(
        db, place, actor=actor("safety_officer", campus=CAMPUS), category="repairs", text="灯坏了"
    )
    assert token_hash(number) in _stored(db, "complaint_tracking")
    assert public.track(db, number).status == "received"
