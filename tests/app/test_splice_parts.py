"""A recount's frame without the recounted cells' rows, cut as slices between the dropped
runs (a grid's rows lie grouped by cell): the same rows, in the same order, as a boolean
mask gives, whatever the runs (none, all, at either end, more than are sliced)."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest

from app_pages._ui import splice


def _grid(cells: int, rows_per_cell: int) -> pd.DataFrame:
    codes = np.repeat([f"C{i:04d}" for i in range(cells)], rows_per_cell)
    return pd.DataFrame(
        {
            "cell_code": pd.array(codes, dtype="str"),
            "week": [f"2026-W{i % 13 + 1:02d}" for i in range(len(codes))],
            "due": np.arange(len(codes), dtype="int64"),
        }
    )


@pytest.mark.parametrize(
    "dropped",
    [[], ["C0000"], ["C0049"], ["C0000", "C0049"], ["C0007", "C0008", "C0020"],
     [f"C{i:04d}" for i in range(50)]],
)  # fmt: skip
def test_the_parts_are_the_rows_a_mask_keeps(dropped: list[str]) -> None:
    grid = _grid(50, 6)
    drop = grid["cell_code"].isin(dropped).to_numpy()
    parts = splice.without(grid, drop)
    got = pd.concat(parts, ignore_index=True) if parts else grid.iloc[:0]
    pd.testing.assert_frame_equal(got, grid[~drop].reset_index(drop=True))


def test_many_runs_fall_back_to_a_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = _grid(40, 3)
    monkeypatch.setattr(splice, "SLICED_RUNS", 5)
    drop = grid["cell_code"].isin([f"C{i:04d}" for i in range(0, 40, 2)]).to_numpy()
    parts = splice.without(grid, drop)
    assert len(parts) == 1
    want = grid[~drop].reset_index(drop=True)
    pd.testing.assert_frame_equal(parts[0].reset_index(drop=True), want)


def test_recounted_replaces_the_cells_rows_and_keeps_the_dtypes() -> None:
    grid = _grid(10, 4)

    def count(cells: list[str]) -> pd.DataFrame:
        fresh = grid[grid["cell_code"].isin(cells)].copy()
        fresh["due"] = -1
        return fresh.astype({"due": "int32"})  # a count may come back narrower

    got = splice.recounted(grid, ["C0003", "C0009"], count)
    assert got is not None
    assert list(got.dtypes) == list(grid.dtypes)
    assert len(got) == len(grid)
    assert (got.loc[got["cell_code"].isin(["C0003", "C0009"]), "due"] == -1).all()
    assert (got.loc[~got["cell_code"].isin(["C0003", "C0009"]), "due"] >= 0).all()
    assert splice.recounted(grid, [], count) is grid
    emptied = splice.recounted(grid, ["C0001"], lambda cells: grid.iloc[:0])
    assert emptied is not None and len(emptied) == len(grid) - 4


def test_spliced_text_columns_are_gathered_into_one_chunk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each splice concatenates slices (Arrow chunks); past MAX_CHUNKS a text column is
    gathered into one chunk, with the same values and dtype."""
    monkeypatch.setattr(splice, "MAX_CHUNKS", 4)
    grid = _grid(30, 3)

    def count(cells: list[str]) -> pd.DataFrame:
        return grid[grid["cell_code"].isin(cells)].copy()

    def chunks(frame: pd.DataFrame) -> int:
        return int(frame["cell_code"].array.__arrow_array__().num_chunks)

    frame, most = grid, 0
    for i in range(12):
        spliced = splice.recounted(frame, [f"C{(7 * i) % 30:04d}"], count)
        assert spliced is not None
        frame, most = spliced, max(most, chunks(spliced))
    assert most <= 4 + 3, "gathered once past the limit (a splice adds at most 3 chunks)"
    assert frame["cell_code"].dtype == grid["cell_code"].dtype
    key = ["cell_code", "week", "due"]
    pd.testing.assert_frame_equal(
        frame.sort_values(key).reset_index(drop=True), grid.sort_values(key).reset_index(drop=True)
    )
    few = splice.compacted(grid)
    assert few is grid, "nothing past the limit: the frame itself"


def test_a_selection_asked_again_of_the_same_frame_is_the_one_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rows_of: the rows of some cells, made once per frame (by identity) and values; another
    frame, column or values is selected afresh; a frame gone is not kept alive by it."""
    monkeypatch.setattr(splice, "_SELECTED", [])
    grid = _grid(10, 3)
    first = splice.rows_of(grid, "cell_code", {"C0001", "C0004"})
    assert list(first["cell_code"].unique()) == ["C0001", "C0004"] and len(first) == 6
    assert splice.rows_of(grid, "cell_code", ["C0004", "C0001"]) is first
    assert splice.rows_of(grid.copy(), "cell_code", {"C0001", "C0004"}) is not first
    assert len(splice.rows_of(grid, "cell_code", {"C0002"})) == 3
    watched = weakref.ref(grid)
    del grid, first
    gc.collect()
    assert watched() is None, "the selections keep no frame alive"
