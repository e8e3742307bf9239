"""Test fixtures shared by the whole suite: a real database on each backend.

``db`` is parametrized over SpatiaLite (a fresh file per test) and PostGIS (a server the
test session starts as the ``postgres`` user on a free 127.0.0.1 port, emptied between
tests). Without PostgreSQL the PostGIS leg is skipped, except with ``CI=true``, where it
must run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests import cli_command_cache
from tests.demo_copies import DEMO, DemoCopy, DemoTemplates, engine_on
from tests.pgserver import empty_postgis, find_pg_bin, postgis_server
from zoning.store.engine import open_engine

# Automatic backups (before activate, replace, migrations) of the tests' databases go to one
# temporary folder, never to the checkout's data/backups (PostGIS has no file to sit beside).
os.environ.setdefault("CAMPUSGRID_BACKUP_DIR", tempfile.mkdtemp(prefix="campusgrid-backups-"))
# Inspection photos likewise: PostGIS has no file to sit beside, and the default would be the
# checkout's data/photos.
os.environ.setdefault("CAMPUSGRID_PHOTO_DIR", tempfile.mkdtemp(prefix="campusgrid-photos-"))
# The map's layer files likewise (default: ~/.cache/campusgrid/layers, shared by every
# process of the user: two test workers pruning one folder would delete each other's files).
os.environ.setdefault("CAMPUSGRID_LAYER_DIR", tempfile.mkdtemp(prefix="campusgrid-layers-"))
# The pages' stored frames (app_pages/_ui/stored.py) are a cache across server starts: every
# page test starts afresh, so each stored and looked for its frames (~0.6 s a page test).
# tests/app/test_stored_frames.py turns them on where they are what is tested.
os.environ.setdefault("CAMPUSGRID_STORED_FRAMES", "0")
# The collector's freezing (app_pages/_ui/collector.py) would freeze the test process's own
# objects (fixtures) after a long page test; tests/app/test_collector.py tests it directly.
os.environ.setdefault("CAMPUSGRID_GC_FREEZE", "0")
# The CLI tests' runner builds the app's click command once, not per invocation (~0.15 s each).
cli_command_cache.install()


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """The URL of the session's PostGIS server (migrated), started on first use."""
    if find_pg_bin() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL + PostGIS must be installed in CI (make test-deps)")
        pytest.skip("PostgreSQL + PostGIS not installed: run `make test-deps`")
    with postgis_server() as url:
        engine = open_engine(url)
        yield url
        engine.dispose()


@pytest.fixture(scope="session")
def spatialite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SpatiaLite file that each test copies (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = open_engine(f"sqlite:///{path}")
    engine.dispose()
    return path


@pytest.fixture(params=["spatialite", "postgis"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty, migrated database on each backend."""
    if request.param == "postgis":
        url = request.getfixturevalue("postgis_url")
        empty_postgis(url)
        yield url
    else:
        template: Path = request.getfixturevalue("spatialite_template")
        path = tmp_path / "campusgrid.sqlite"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    """A ready engine on an empty database, on each backend."""
    with engine_on(db_url) as engine:
        yield engine


@pytest.fixture
def sqlite_url(tmp_path: Path, spatialite_template: Path) -> str:
    """The URL of a fresh migrated SpatiaLite file (for CLI and app tests)."""
    path = tmp_path / "campusgrid.sqlite"
    shutil.copy(spatialite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    """The small demo seeded once per session and backend (see tests/demo_copies.py); the
    SpatiaLite templates once for all the xdist workers of the run (their temporary folders
    lie in one folder of the run)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "demo-templates"
    folder.mkdir(exist_ok=True)
    templates = DemoTemplates(folder)
    yield templates
    templates.close()


@pytest.fixture(params=["spatialite", "postgis"])
def demo_copy(
    request: pytest.FixtureRequest, tmp_path: Path, demo_templates: DemoTemplates
) -> Iterator[DemoCopy]:
    """On each backend: a function ``(history_days) -> URL`` of a fresh copy of the small demo
    (seed 0, campus ``demo``) with that many days of history; the test may write to it."""
    made: list[str] = []
    server = request.getfixturevalue("postgis_url") if request.param == "postgis" else None

    def copy(history_days: int) -> str:
        if server is not None:
            url = demo_templates.postgis(server, history_days)
        else:
            url = demo_templates.spatialite(history_days, tmp_path / f"demo-{len(made)}.sqlite")
        made.append(url)
        return url

    yield copy
    for url in made:
        if not url.startswith("sqlite"):
            demo_templates.drop(url)


@pytest.fixture
def demo_url(request: pytest.FixtureRequest, demo_copy: DemoCopy) -> str:
    """On each backend, the URL of a fresh copy of the small demo (campus ``demo``) with 30
    days of history, or the module's ``DEMO_HISTORY_DAYS``."""
    return demo_copy(int(getattr(request.module, "DEMO_HISTORY_DAYS", 30)))


@pytest.fixture
def demo(demo_url: str) -> Iterator[tuple[Engine, str]]:
    """On each backend, an engine on :func:`demo_url`'s copy and the campus's name."""
    with engine_on(demo_url) as engine:
        yield engine, DEMO
