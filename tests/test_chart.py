"""The charts: valid SVG and PNG files whose rows, bars and markers match the graph."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from csto_kg.cli import main

pytest.importorskip("matplotlib", reason="the charts need matplotlib: pip install 'csto-kg[chart]'")

SVG = "{http://www.w3.org/2000/svg}"
ARTICLE = "https://w3id.org/csto-kg/graph/article"


@pytest.fixture(scope="module")
def chart(build_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Draw a chart through the command line once per argument list; returns the file."""
    folder = tmp_path_factory.mktemp("charts")
    made: dict[tuple[str, ...], Path] = {}

    def draw(kind: str, name: str, *args: str) -> Path:
        key = (kind, name, *args)
        if key not in made:
            out = folder / name
            result = CliRunner().invoke(main, ["chart", kind, "-o", str(out), *args, "--data", str(ROOT), "--build-dir", str(build_dir)])
            assert result.exit_code == 0, result.output
            assert f"wrote {out}" in result.stderr
            made[key] = out
        return made[key]

    return draw


def ids(path: Path) -> dict[str, ET.Element]:
    root = ET.parse(path).getroot()  # fails unless the SVG is well-formed XML
    assert root.tag == f"{SVG}svg"
    return {e.get("id"): e for e in root.iter() if e.get("id")}


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext()).strip()


def first_x(element: ET.Element) -> float:
    """The x of the first point of the element's first path (a bar's left edge)."""
    path = next(element.iter(f"{SVG}path"))
    return float(re.match(r"\s*M\s*([-\d.]+)", path.get("d")).group(1))


@pytest.fixture(scope="module")
def article_memberships(ask):
    return ask(f"""
        SELECT ?m ?state ?name WHERE {{
          GRAPH <{ARTICLE}> {{ ?m a csto:Membership ; csto:member ?state ; csto:organisation kg:csto }}
          ?state rdfs:label ?name . FILTER(lang(?name) = "en")
        }}""")


def slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def test_membership_svg_has_one_labelled_row_per_state(chart, article_memberships):
    found = ids(chart("membership", "membership.svg"))
    rows = {k: v for k, v in found.items() if k.startswith("row-")}
    states = {r["state"]: r["name"] for r in article_memberships}
    assert len(rows) == len(states) >= 9
    for state, name in states.items():
        assert text_of(rows[f"row-{slug(state)}"]) == name


def test_membership_svg_has_one_bar_per_article_membership(chart, article_memberships):
    found = ids(chart("membership", "membership.svg"))
    bars = sorted(k for k in found if k.startswith("bar-"))
    assert len(bars) == len(article_memberships)
    per_state: dict[str, int] = {}
    for r in article_memberships:
        per_state[slug(r["state"])] = per_state.get(slug(r["state"]), 0) + 1
    expected = sorted(f"bar-{state}-{n}" for state, count in per_state.items() for n in range(1, count + 1))
    assert bars == expected


def test_a_date_known_only_to_the_year_is_drawn_as_uncertain(chart, ask):
    found = ids(chart("membership", "membership.svg"))
    # Belarus acceded in "1993": the bar starts at the first day that year can mean, the
    # certain part only after the last one.
    assert ask('ASK { fact:membership-belarus-1993 csto:possiblyFrom "1993-01-01"^^xsd:date ; csto:certainlyFrom "1993-12-31"^^xsd:date }')
    assert first_x(found["bar-belarus-1"]) < first_x(found["certain-belarus-1"]) - 5
    # Russia signed on a known day: no uncertain stretch.
    assert first_x(found["bar-russia-1"]) == pytest.approx(first_x(found["certain-russia-1"]), abs=0.01)


def test_key_events_and_the_founding_are_marked(chart, ask):
    found = ids(chart("membership", "membership.svg"))
    invocations = ask("SELECT DISTINCT ?e WHERE { ?e a csto:ArticleInvocation ; csto:earliest ?d }")
    for row in invocations:
        assert any(k == f"event-{slug(row['e'])}" or k.startswith(f"event-{slug(row['e'])}-") for k in found), row
    foundings = ask(
        'SELECT ?e WHERE { ?e a csto:Founding ; csto:concerns kg:csto ; csto:earliest ?d . FILTER(?d >= "1992-05-15"^^xsd:date) }'
    )
    assert foundings
    for row in foundings:
        assert f"milestone-{slug(row['e'])}" in found


def test_date_draws_a_line_and_lists_the_members(chart, named):
    found = ids(chart("membership", "membership-2000.svg", "--date", "2000-01-01"))
    assert "date-line" in found
    members = named("members", date="2000-01-01")
    listed = text_of(found["members-on-date"])
    assert f"({len(members)})" in listed
    for row in members:
        assert row["name"] in listed
    assert "Uzbekistan" not in listed  # it had left the treaty in 1999


def test_membership_png(chart):
    data = chart("membership", "membership.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1200 and 500 <= height < width


def test_timeline_counts_every_dated_event(chart, ask, store):
    from csto_kg.publish.chart import timeline_data

    found = ids(chart("timeline", "timeline.svg"))
    data = timeline_data(store)
    dated = ask("SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a csto:Event ; csto:earliest ?d }")[0]["n"]
    assert data.total == dated > 10
    segments = [k for k in found if k.startswith("events-")]
    assert len(segments) == sum(1 for values in data.counts.values() for v in values if v)
    years_with_events = {y for i, y in enumerate(data.years) if any(v[i] for v in data.counts.values())}
    assert {int(k.split("-")[1]) for k in segments} == years_with_events


def test_timeline_png(chart):
    data = chart("timeline", "timeline.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_chart_format_is_a_usage_error(build_dir, tmp_path):
    result = CliRunner().invoke(
        main, ["chart", "membership", "-o", str(tmp_path / "x.txt"), "--data", str(ROOT), "--build-dir", str(build_dir)]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and ".svg, .png or .pdf" in result.stderr
    assert not (tmp_path / "x.txt").exists()


def test_a_bad_date_is_a_usage_error(build_dir, tmp_path):
    args = ["chart", "membership", "-o", str(tmp_path / "x.svg"), "--date", "2000", "--data", str(ROOT), "--build-dir", str(build_dir)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "x.svg").exists()


def test_missing_matplotlib_is_one_line_and_exit_1(build_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    result = CliRunner().invoke(
        main, ["chart", "timeline", "-o", str(tmp_path / "t.svg"), "--data", str(ROOT), "--build-dir", str(build_dir)]
    )
    assert result.exit_code == 1
    assert result.stderr == "csto-kg: error: matplotlib is not installed: pip install 'csto-kg[chart]'\n"


def test_charts_leave_pyplot_and_the_backend_alone(build_dir, tmp_path):
    # No pyplot (and so no switch of the global backend a notebook has chosen).
    code = (
        "import sys, matplotlib; before = dict.get(matplotlib.rcParams, 'backend')\n"
        "from csto_kg.publish.chart import membership_chart\n"
        "membership_chart(sys.argv[3], data_root=sys.argv[1], build_dir=sys.argv[2])\n"
        "print('matplotlib.pyplot' in sys.modules, dict.get(matplotlib.rcParams, 'backend') == before)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(build_dir), str(tmp_path / "m.svg")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_the_figure_is_available_for_notebooks(store, layout):
    from matplotlib.figure import Figure

    from csto_kg.publish.chart import membership_figure

    figure = membership_figure(store, layout, "2010-01-01")
    assert isinstance(figure, Figure)
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert "Uzbekistan" in labels and "Armenia" in labels
