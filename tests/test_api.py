"""Everything the command line does is callable from Python."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conftest import ROOT

import csto_kg


def test_query_returns_typed_records(build_dir):
    result = csto_kg.query("member-facts", date="2020-01-01", data_root=ROOT, build_dir=build_dir)
    rows = result.records()
    total = rows[-1]
    assert total["name"] == "Total"
    assert total["population"] == 3015400 + 9155000 + 20286000 + 7213000 + 146150000 + 10786000
    assert isinstance(total["areaKm2"], Decimal)
    assert rows[0]["date"] == dt.date(2020, 1, 1)


def test_query_parameters_as_a_dict_or_keywords(build_dir):
    by_dict = csto_kg.query("members", {"date": "1995-01-01"}, data_root=ROOT, build_dir=build_dir).records()
    by_kw = csto_kg.query("members", date="1995-01-01", data_root=ROOT, build_dir=build_dir).records()
    assert by_dict == by_kw
    assert len(by_kw) == 9  # all nine parties between the 1993 accessions and 1999


def test_export_to_a_file(build_dir, tmp_path):
    out = tmp_path / "graph.ttl"
    fmt = csto_kg.export(out, data_root=ROOT, build_dir=build_dir)
    assert fmt.name == "turtle"
    assert "kg:armenia" in out.read_text()


def test_build_returns_counts(tmp_path):
    result = csto_kg.build(ROOT, tmp_path)
    assert result.triples["https://w3id.org/csto-kg/graph/inferred"] > 1000
    assert result.store.is_dir()


def test_core_does_not_import_the_cli():
    import subprocess
    import sys

    code = (
        "import csto_kg.querying.sparql, csto_kg.building.pipeline, csto_kg.exporting.serialize, sys; "
        "print('csto_kg.cli' in sys.modules, 'click' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_query_path_does_not_import_rdflib_or_owlrl(build_dir):
    import subprocess
    import sys

    code = (
        "import sys; from csto_kg.cli import main\n"
        "try:\n    main(['query', 'members', '--data', sys.argv[1], '--build-dir', sys.argv[2]])\n"
        "except SystemExit:\n    pass\n"
        "print('rdflib' in sys.modules, 'owlrl' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT), str(build_dir)], capture_output=True, text=True, check=True)
    assert proc.stderr.split()[-2:] == ["False", "False"]
