"""Each command through the command line: results on stdout, diagnostics on stderr."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from csto_kg.cli import main


@pytest.fixture()
def run(build_dir: Path):
    def invoke(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(main, [*args, "--data", str(ROOT), "--build-dir", str(build_dir)], input=input)

    return invoke


def test_members_today_lists_the_six_members(run):
    result = run("query", "members")
    assert result.exit_code == 0, result.output
    for state in ("Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan"):
        assert state in result.stdout
    assert "Uzbekistan" not in result.stdout
    assert "withdrawal announced" in result.stdout
    frozen = run("query", "members", "-p", "date", "2024-03-01")
    assert "participation frozen" in frozen.stdout


def test_members_on_a_date_as_csv(run):
    result = run("query", "members", "-p", "date", "2010-01-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(r["name"] for r in rows) == ["Armenia", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"]


@pytest.mark.parametrize("fmt, marker", [("json", '"head"'), ("xml", "<sparql"), ("tsv", "?name"), ("table", "----")])
def test_result_formats(run, fmt, marker):
    result = run("query", "members", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert marker in result.stdout


def test_json_results_are_sparql_json(run):
    result = run("query", "members", "-p", "date", "1992-06-01", "--format", "json")
    data = json.loads(result.stdout)
    names = sorted(b["name"]["value"] for b in data["results"]["bindings"])
    assert names == ["Armenia", "Kazakhstan", "Kyrgyzstan", "Russia", "Tajikistan", "Uzbekistan"]


def test_query_from_file_stdin_and_expression(run, tmp_path):
    text = "SELECT ?name WHERE { kg:armenia csto:capital/rdfs:label ?name }"
    path = tmp_path / "capital.rq"
    path.write_text(text)
    for args, stdin in (((str(path),), None), (("-",), text), (("-e", text), None)):
        result = run("query", *args, "--format", "csv", input=stdin)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == ["name", "Yerevan"]


def test_ask_and_construct(run):
    assert run("query", "-e", "ASK { kg:russia a org:Organization }").stdout.strip() == "no"
    assert run("query", "-e", "ASK { kg:csto a org:FormalOrganization }").stdout.strip() == "yes"
    result = run("query", "-e", "CONSTRUCT { kg:armenia rdfs:label ?l } WHERE { kg:armenia rdfs:label ?l }", "--format", "nt")
    assert result.stdout.strip() == '<https://w3id.org/csto-kg/id/armenia> <http://www.w3.org/2000/01/rdf-schema#label> "Armenia"@en .'


def test_asserted_leaves_out_inferences(run):
    text = "ASK { kg:csto a org:FormalOrganization }"
    assert run("query", "-e", text).stdout.strip() == "yes"
    assert run("query", "-e", text, "--asserted").stdout.strip() == "no"


def test_queries_lists_the_catalogue(run):
    result = run("queries")
    assert result.exit_code == 0
    for name in ("members", "membership-history", "former-members", "member-facts", "organs", "office-holders", "observers"):
        assert f"{name}:" in result.stdout
    assert "-p date (date, default today)" in result.stdout


def test_output_file_format_from_extension(run, tmp_path):
    out = tmp_path / "members.csv"
    result = run("query", "members", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("date,source,state")


def test_build_command_reports_counts(tmp_path):
    result = CliRunner().invoke(main, ["build", "--data", str(ROOT), "--build-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "graph/inferred" in result.stderr
    assert (tmp_path / "current").is_symlink()


def test_check_command_passes(run):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "ok    entity-without-label-violation" in result.stdout


def test_python_dash_m_runs_the_cli(build_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "csto_kg", "query", "organs", "--format", "csv", "--build-dir", str(build_dir), "--data", str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Collective Rapid Reaction Force" in proc.stdout


def test_commands_build_on_demand(tmp_path):
    # No build yet: the first query builds, as a newcomer's first command must.
    result = CliRunner().invoke(main, ["query", "observers", "--data", str(ROOT), "--build-dir", str(tmp_path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "National Assembly of the Republic of Serbia" in result.stdout


def test_export_command_writes_the_format_of_the_file_name(run, tmp_path):
    from rdflib import Graph

    out = tmp_path / "csto.jsonld"
    result = run("export", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "json-ld" in result.stderr
    graph = Graph().parse(out, format="json-ld")
    assert len(graph) > 1000
    turtle = run("export", "--format", "turtle", "--inferred")
    assert turtle.exit_code == 0
    assert "org:FormalOrganization" in turtle.stdout
