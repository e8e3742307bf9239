"""Cameras behind the account: coverage and suggested sites need VIEW_MAP, checked by the
services for the CLI and the pages alike (both backends, a real campus in the database)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.actors import ADMIN, actor
from tests.small_campus import small_campus
from zoning.accounts import MATRIX, Permission, Role
from zoning.cli import app
from zoning.errors import PermissionDenied
from zoning.services import accounts
from zoning.services import cameras as camera_services
from zoning.services.database import open_engine
from zoning.store.campus import save_campus

PASSWORD = "a long enough password"
runner = CliRunner()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_with_the_map_sees_the_coverage_and_sites(db: Engine, role: Role) -> None:
    save_campus(db, name="大", layers=small_campus())  # two cameras
    who = actor(role, person="网格员甲", campus="大", zone=1)
    assert who.can(Permission.VIEW_MAP)
    summary = camera_services.campus_coverage(db, "大", actor=who).summary()
    assert summary == camera_services.campus_coverage(db, "大", actor=ADMIN).summary()
    assert summary["cameras"] == 2
    sites = camera_services.suggest_cameras(db, "大", actor=who, count=1)
    assert list(sites["rank"]) == [1]


def test_a_role_without_the_map_is_refused(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The services read the matrix: take VIEW_MAP from the viewer and both are refused."""
    save_campus(db, name="大", layers=small_campus())
    monkeypatch.setitem(MATRIX, Role.VIEWER, frozenset())
    viewer = actor(Role.VIEWER, name="li")
    with pytest.raises(PermissionDenied, match="li \\(viewer\\) may not see the camera cov"):
        camera_services.campus_coverage(db, "大", actor=viewer)
    with pytest.raises(PermissionDenied, match="view_map") as refused:
        camera_services.suggest_cameras(db, "大", actor=viewer, count=1)
    assert refused.value.permission == "view_map"


def test_the_cli_runs_coverage_as_the_named_account(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_engine(db_url)
    save_campus(engine, name="大", layers=small_campus())
    accounts.add_account(engine, ADMIN, "viewer1", "viewer", PASSWORD)
    engine.dispose()
    result = runner.invoke(app, ["--as", "viewer1", "coverage", "大", "--json", "--db", db_url])
    assert result.exit_code == 0, result.stderr
    assert '"cameras": 2' in result.stdout
    monkeypatch.setitem(MATRIX, Role.VIEWER, frozenset())
    for command in (["coverage", "大"], ["suggest-cameras", "大", "--count", "1"]):
        result = runner.invoke(app, ["--as", "viewer1", *command, "--db", db_url])
        assert result.exit_code == 2, result.stdout
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith("error: viewer1 (viewer) may not see")
        assert "view_map" in result.stderr
    result = runner.invoke(app, ["--as", "nobody1", "coverage", "大", "--db", db_url])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
