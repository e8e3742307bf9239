"""Hostile and mistyped arguments end in one clear line, exit code 2, nothing written.

Before these bounds, ``--at 9999-12-31`` and ``--duplicate-window-h 1e308`` ended in an
OverflowError (exit 3), and a latitude of 200, a complaint radius of −1 m, a photo of
``/etc/shadow`` and a submission dated 2030 were accepted. Both backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from tests.safety_campus import CAMPUS, centre, make_campus
from zoning.cli import app
from zoning.store.engine import open_engine

runner = CliRunner()

#: The tables a safety command writes to; a refused command must leave each as it was.
TABLES = (
    "inspection", "inspection_result", "inspection_due", "hazard", "hazard_event", "complaint",
    "audit_event",
)  # fmt: skip


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES
        }


LON, LAT = centre("C-00-00")
SUBMIT = (
    "inspections", "submit", CAMPUS, "--cell", "C-00-00", "--template", "security", "--by",
    "张一", "--result", "*=pass",
)  # fmt: skip
COMPLAIN = (
    "complaints", "add", CAMPUS, "--lon", str(LON), "--lat", str(LAT), "--category", "repairs",
    "--text", "灯坏了",
)  # fmt: skip

#: (arguments, a fragment of the one error line)
REFUSED: list[tuple[tuple[str, ...], str]] = [
    ((*COMPLAIN, "--at", "9999-12-31T23:59:59"), "--at 9999-12-31 is out of range"),
    ((*COMPLAIN, "--at", "0001-01-01T00:00"), "--at 0001-01-01 is out of range"),
    ((*COMPLAIN, "--at", "2030-01-01"), "is in the future"),
    ((*COMPLAIN, "--duplicate-window-h", "1e308"), "duplicate window 1e+308 h is out of range"),
    ((*COMPLAIN, "--duplicate-window-h", "nan"), "duplicate window nan h is out of range"),
    ((*COMPLAIN, "--duplicate-distance-m", "-1"), "duplicate distance -1 m is out of range"),
    ((*COMPLAIN, "--text", "a\x00b"), "control character U+0000"),
    ((*COMPLAIN, "--text", "x" * 5000), "at most 4000"),
    ((*COMPLAIN, "--contact", "\x1b[31m"), "control character U+001B"),
    (
        (
            "complaints",
            "add",
            CAMPUS,
            "--lon",
            "0",
            "--lat",
            "0",
            "--category",
            "repairs",
            "--text",
            "x",
        ),
        "outside the campus",
    ),
    (
        (
            "complaints",
            "add",
            CAMPUS,
            "--lon",
            str(LON),
            "--lat",
            "200",
            "--category",
            "repairs",
            "--text",
            "x",
        ),
        "not a WGS-84 longitude/latitude pair",
    ),
    ((*SUBMIT, "--at", "9999-12-31"), "--at 9999-12-31 is out of range"),
    ((*SUBMIT, "--at", "2030-01-01"), "is in the future"),
    (
        (*SUBMIT, "--at", "2026-03-03T10:00", "--lon", str(LON), "--lat", "200"),
        "not a WGS-84 longitude/latitude pair",
    ),
    (
        (*SUBMIT, "--at", "2026-03-03T10:00", "--lon", "0", "--lat", "0"),
        "lies outside campus",
    ),
    ((*SUBMIT, "--at", "2026-03-03T10:00", "--lon", str(LON)), "Give both the longitude"),
    ((*SUBMIT, "--at", "2026-03-03T10:00", "--photo", "patrols=/etc/passwd"), "is not an image"),
    ((*SUBMIT, "--at", "2026-03-03T10:00", "--photo", "patrols=/etc"), "is not a file"),
    ((*SUBMIT, "--at", "2026-03-03T10:00", "--note", "patrols=\x07"), "control character"),
    (
        ("hazards", "move", CAMPUS, "1", "register", "--by", "安全处", "--at", "0001-01-01"),
        "out of range",
    ),
    (
        ("hazards", "move", CAMPUS, "99999999999999999999", "register", "--by", "安全处"),
        "is not an id",
    ),
    (
        ("hazards", "move", CAMPUS, "1", "extend", "--by", "安全处", "--deadline", "9999-12-31"),
        "--deadline 9999-12-31 is out of range",
    ),
    (("hazards", "show", CAMPUS, "0"), "is not an id"),
    (("inspections", "due", CAMPUS, "--date", "9999-12-31"), "--date 9999-12-31 is out of range"),
    (("inspections", "due", CAMPUS, "--date", "2100-12-31"), "more than 366 days after today"),
    (("inspections", "report", CAMPUS, "--from", "0001-01-01"), "--from 0001-01-01 is out of"),
    (("inspections", "report", CAMPUS, "--to", "2099-01-01"), "more than 366 days after today"),
    (("complaints", "list", "a\x01b"), "campus name contains the control character U+0001"),
]


def test_hostile_arguments_are_one_line_exit_2_and_change_nothing(db_url: str) -> None:
    engine = open_engine(db_url)
    make_campus(engine)
    before = counts(engine)
    for args, expected in REFUSED:
        code, _, err = cli(*args, "--db", db_url)
        shown = f"{args[:2]} … {args[-2:]}: exit {code}, {err!r}"
        assert code == 2, shown
        assert err.startswith("error: ") and err.count("\n") == 1, shown
        assert expected in err, shown
        assert counts(engine) == before, shown


def _photo_with_gps(path: Path) -> None:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x013B] = "张一"  # Artist: a person's name
    exif.get_ifd(0x8825)[2] = (39.0, 4.0, 51.6)  # GPSLatitude
    image.save(path, format="JPEG", exif=exif)


def test_photos_are_copied_into_the_store_as_clean_images(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "photos"
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(store))
    engine = open_engine(db_url)
    make_campus(engine)
    original = tmp_path / "exit.jpg"
    _photo_with_gps(original)
    with Image.open(original) as given:
        assert given.getexif()  # the test photo does carry personal EXIF
    code, _, err = cli(
        *SUBMIT, "--at", "2026-03-03T10:00", "--result", "patrols=fail",
        "--photo", f"patrols={original}", "--db", db_url,
    )  # fmt: skip
    assert code == 0, err
    with engine.connect() as conn:
        (stored,) = conn.execute(
            sa.text("SELECT photo_path FROM inspection_result WHERE photo_path IS NOT NULL")
        ).scalars()
    assert Path(stored).parent == store.resolve() and Path(stored) != original.resolve()
    with Image.open(stored) as copy:
        assert copy.size == (64, 48)
        kept = copy.getexif()  # the location stays (issue 16), the person and phone go
        assert 0x010F not in kept and 0x013B not in kept
        assert kept.get_ifd(0x8825)[2] == (39.0, 4.0, 51.6)
    original.unlink()  # the ledger keeps its own copy
    assert Path(stored).is_file()


def test_a_photo_over_the_limit_is_refused_and_the_limit_can_be_raised(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "photos"
    monkeypatch.setenv("CAMPUSGRID_PHOTO_DIR", str(store))
    monkeypatch.setenv("CAMPUSGRID_MAX_PHOTO_MB", "0.0001")  # 100 bytes
    engine = open_engine(db_url)
    make_campus(engine)
    photo = tmp_path / "big.png"
    Image.new("RGB", (300, 300), (1, 2, 3)).save(photo)
    before = counts(engine)
    args = (*SUBMIT, "--at", "2026-03-03T10:00", "--photo", f"patrols={photo}", "--db", db_url)
    code, _, err = cli(*args)
    assert (
        code == 2 and "photos may be at most 0.0001 MB" in err and "CAMPUSGRID_MAX_PHOTO_MB" in err
    )
    assert counts(engine) == before and not store.exists()
    monkeypatch.setenv("CAMPUSGRID_MAX_PHOTO_MB", "5")
    code, _, err = cli(*args)
    assert code == 0, err
    assert len(list(store.iterdir())) == 1


def test_a_submission_in_the_future_schedules_nothing(db_url: str) -> None:
    """`--at 2030-01-01` used to store ~3 years of due rows (97,000 on the demo)."""
    engine = open_engine(db_url)
    make_campus(engine)
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT max(due_date) FROM inspection_due")).scalar_one()
    code, _, err = cli(*SUBMIT, "--at", "2030-01-01", "--db", db_url)
    assert code == 2 and "is in the future" in err
    with engine.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT max(due_date) FROM inspection_due")).scalar_one() == last
        )
