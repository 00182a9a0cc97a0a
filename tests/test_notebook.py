"""The notebook API: `csto_kg.query(...)` gives typed rows and, with pandas, a DataFrame."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys

import pytest
from conftest import ROOT

import csto_kg
from csto_kg.core.errors import UsageError

MEMBERS_2000 = {"Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"}


@pytest.fixture()
def members_2000(build_dir):
    return csto_kg.query("members", date="2000-01-01", data_root=ROOT, build_dir=build_dir)


def test_rows_have_typed_values(members_2000):
    rows = members_2000.records()
    assert {r["name"] for r in rows} == MEMBERS_2000
    for row in rows:
        assert row["date"] == dt.date(2000, 1, 1)
        assert isinstance(row["name"], str)
        assert row["state"].startswith("https://w3id.org/csto-kg/id/")
        assert row["certain"] is True  # every one of them held a membership certainly in force that day
        assert isinstance(row["since"], dt.date | str)  # a day, or a year/month kept at its precision
    belarus = next(r for r in rows if r["name"] == "Belarus")
    assert belarus["since"] == "1993"  # acceded in 1993, day unknown: not turned into 1 January


def test_rows_iterate_as_dicts(members_2000):
    assert len(members_2000) == len(MEMBERS_2000)
    assert [r["name"] for r in members_2000] == [r["name"] for r in members_2000.records()]
    assert members_2000.variables[:4] == ["date", "source", "state", "name"]


def test_dataframe_with_pandas(members_2000):
    if importlib.util.find_spec("pandas") is None:
        pytest.skip("pandas is not installed (the optional extra: pip install 'csto-kg[pandas]')")
    import pandas as pd

    frame = members_2000.dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == members_2000.variables
    assert len(frame) == len(MEMBERS_2000)
    assert set(frame["name"]) == MEMBERS_2000
    assert frame["certain"].dtype == bool
    assert frame.loc[frame["name"] == "Russia", "date"].iloc[0] == dt.date(2000, 1, 1)


def test_dataframe_without_pandas_says_how_to_get_it(members_2000, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now fails
    with pytest.raises(UsageError, match="pip install"):
        members_2000.dataframe()
