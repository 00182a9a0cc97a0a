"""`csto-kg validate` and the build's validation gate: SHACL shapes, violation queries and
the OWL-RL consistency check, reported with node, label, file, line and a fix."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, TURTLE_PREFIXES, scratch_copy

from csto_kg.building.pipeline import validate_sources as validate
from csto_kg.validate.checks import violation_queries
from csto_kg.validate.locations import subject_lines
from csto_kg.validate.report import CHECK, SH, SHAPES, Report, ValidationError

INVALID = sorted((ROOT / "tests" / "fixtures" / "invalid").glob("*.ttl"))
CSTO = "https://w3id.org/csto-kg/ontology#"
KG = "https://w3id.org/csto-kg/id/"
EV = "https://w3id.org/csto-kg/event/"
FACT = "https://w3id.org/csto-kg/fact/"
SRC = "https://w3id.org/csto-kg/source/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

PREFIXES = TURTLE_PREFIXES


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "csto_kg", *args], capture_output=True, text=True, cwd=cwd, check=False)


def problems_of(report: Report, node: str) -> list:
    return [p for p in report.problems if p.node == node]


# -- the project's own graph --------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory) -> Report:
    return validate(ROOT, tmp_path_factory.mktemp("unused-build"))


def test_the_project_graph_validates(clean_report):
    assert clean_report.conforms, clean_report.text()
    assert clean_report.shapes >= 9
    assert clean_report.checks == len(violation_queries(ROOT / "queries"))
    assert clean_report.triples > 3000
    assert clean_report.summary().startswith("valid:")


def test_every_check_says_how_to_fix_it():
    for query in violation_queries(ROOT / "queries"):
        assert re.search(r"^#\+ fix: \S", query.text, re.M), f"{query.name} has no '#+ fix:' header"


def test_every_shape_says_what_is_wrong_and_how_to_fix_it():
    shapes = ox.Store()
    shapes.load(path=str(ROOT / "shapes" / "csto-shapes.ttl"), format=ox.RdfFormat.TURTLE)
    targets = f"<{SH}targetClass>|<{SH}targetSubjectsOf>"
    targeted = [r["s"] for r in shapes.query(f"SELECT ?s WHERE {{ ?s a <{SH}NodeShape> FILTER EXISTS {{ ?s {targets} ?c }} }}")]
    assert len(targeted) >= 9
    for shape in targeted:
        assert shapes.query(f"ASK {{ {shape} <{SHAPES}fix> ?fix }}"), f"{shape} has no cshape:fix"
    silent = list(shapes.query(f"SELECT ?p WHERE {{ ?s a <{SH}NodeShape> ; <{SH}property> ?p MINUS {{ ?p <{SH}message> ?m }} }}"))
    assert silent == []


def test_the_shapes_cover_every_kind_of_node():
    text = (ROOT / "shapes" / "csto-shapes.ttl").read_text(encoding="utf-8")
    for kind in ("Membership", "ObserverStatus", "Tenure", "Event", "State", "Organ", "Source", "SourcePart", "Page"):
        assert f"sh:targetClass csto:{kind} ;" in text, kind


# -- each invalid fixture, all in one scratch copy -----------------------------------------


@pytest.fixture(scope="module")
def invalid_report(tmp_path_factory) -> tuple[Report, Path]:
    data = scratch_copy(tmp_path_factory.mktemp("invalid") / "data")
    for i, fixture in enumerate(INVALID):
        # The fixtures share a made-up state; one per fixture keeps them from mixing.
        text = fixture.read_text(encoding="utf-8").replace("testland", f"testland{i}")
        (data / "graph" / "article" / f"zz-{fixture.name}").write_text(text, encoding="utf-8")
    return validate(data, data / "build"), data


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_each_invalid_fixture_is_reported_at_its_file_and_line(fixture, invalid_report):
    report, data = invalid_report
    found = [p for p in report.problems if p.rule == CHECK + fixture.stem]
    assert found, f"{fixture.stem} not reported:\n{report.text()}"
    mine = [p for p in found if p.file == str(data / "graph" / "article" / f"zz-{fixture.name}")]
    assert mine, [(p.node, p.file) for p in found]
    for problem in mine:
        assert problem.line and problem.line > 1
        line = Path(problem.file).read_text(encoding="utf-8").splitlines()[problem.line - 1]
        local = problem.node.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        assert local in line, (problem.node, line)
        assert problem.fix and problem.message


def test_the_invalid_report_in_text_json_and_turtle(invalid_report):
    report, _data = invalid_report
    assert not report.conforms
    text = report.text()
    assert "fix: " in text and "zz-event-without-actor-violation.ttl:" in text
    assert text.rstrip().splitlines()[-1].startswith("the graph does not validate:")
    doc = json.loads(json.dumps(report.as_json()))
    assert doc["conforms"] is False and len(doc["problems"]) == len(report.problems)
    first = doc["problems"][0]
    assert {"node", "label", "file", "line", "message", "fix", "rule", "kind"} <= set(first)
    # The SHACL validation report vocabulary.
    graph = ox.Store()
    from csto_kg.validate.report import render

    graph.load(render(report, "turtle"), format=ox.RdfFormat.TURTLE)
    assert graph.query(f"ASK {{ ?r a <{SH}ValidationReport> ; <{SH}conforms> false }}")
    results = list(
        graph.query(
            f"""SELECT ?result ?focus ?message ?severity ?source WHERE {{
              ?report <{SH}result> ?result . ?result a <{SH}ValidationResult> ;
                <{SH}focusNode> ?focus ; <{SH}resultMessage> ?message ;
                <{SH}resultSeverity> ?severity ; <{SH}sourceShape> ?source ;
                <{SH}sourceConstraintComponent> ?component }}"""
        )
    )
    assert len(results) == len([p for p in report.problems if p.node])
    sources = {r["source"].value for r in results}
    assert any(s.startswith(CHECK) for s in sources) and any(s.startswith(SHAPES) for s in sources)


# -- shapes one by one ----------------------------------------------------------------------

BAD_NODES = (
    PREFIXES
    + """
kg:bad-state a csto:State ; rdfs:label "Bad state"@en ;
    csto:population -5 ; csto:areaKm2 5 ; csto:capital kg:armenia ;
    prov:wasDerivedFrom src:wikipedia-lead .
kg:bad-organ a csto:Organ ; rdfs:label "Organ of nothing"@en ; prov:wasDerivedFrom src:wikipedia-lead .
src:bad-source a csto:Source ; rdfs:label "A source without a key"@en .
src:bad-part a csto:SourcePart ; rdfs:label "A part of nothing"@en .
src:bad-reliability a csto:Source , csto:WireService , csto:Encyclopedia ; rdfs:label "A source of two reliabilities"@en ;
    csto:key "bad-reliability" .
src:bad-page a csto:Page ; rdfs:label "A page without its address and the day it was read"@en ;
    dcterms:isPartOf src:wikipedia ; dcterms:title "Somewhere" ; dcterms:language "english" .
fact:bad-tenure a csto:Tenure ; rdfs:label "A tenure without time"@en ;
    csto:post kg:secretary-general ; csto:holder kg:stanislav-zas ; prov:wasDerivedFrom src:wikipedia-lead .
fact:bad-observer a csto:ObserverStatus ; rdfs:label "An observer that is a full member"@en ;
    csto:member kg:serbia ; csto:organisation kg:csto ; csto:status csto:FullMember ;
    csto:during t:from-2013 ; prov:wasDerivedFrom src:wikipedia-observers .
fact:bad-membership a csto:Membership ; rdfs:label "A membership of an organisation, not a state"@en ;
    csto:member kg:nato ; csto:organisation kg:csto ; csto:status csto:FullMember ;
    csto:during t:from-2013 ; prov:wasDerivedFrom src:wikipedia-lead .
ev:bad-event a csto:Signing ; rdfs:label "An event dated with a string"@en ;
    csto:date "5 May 2005" ; csto:actor kg:russia ; prov:wasDerivedFrom src:wikipedia-lead .
"""
)

EXPECTED = {
    KG + "bad-state": {("StateShape", CSTO + "population"), ("StateShape", CSTO + "areaKm2"), ("StateShape", CSTO + "capital")},
    KG + "bad-organ": {("OrganShape", CSTO + "organOf")},
    SRC + "bad-source": {("SourceShape", CSTO + "key")},
    SRC + "bad-part": {("SourcePartShape", "http://purl.org/dc/terms/isPartOf")},
    SRC + "bad-reliability": {("SourceShape", RDF + "type")},
    SRC + "bad-page": {
        ("PageShape", "https://schema.org/url"),
        ("PageShape", "http://purl.org/dc/terms/language"),
        ("PageShape", CSTO + "readOn"),
    },
    FACT + "bad-tenure": {("TenureShape", None)},
    FACT + "bad-observer": {("ObserverStatusShape", CSTO + "status")},
    FACT + "bad-membership": {("MembershipShape", CSTO + "member")},
    EV + "bad-event": {("EventShape", CSTO + "date")},
}


def test_a_string_in_an_integer_range_is_an_inconsistency(tmp_path):
    # OWL 2 (W3C case string-integer-clash): a value outside its range datatype's value space
    data = scratch_copy(tmp_path / "data")
    bad = data / "graph" / "article" / "zz-bad.ttl"
    bad.write_text(BAD_NODES.replace("csto:population -5", 'csto:population "many"'), encoding="utf-8")
    report = validate(data, tmp_path / "build")
    problems = [p for p in report.problems if p.kind == "consistency"]
    assert problems and "many" in problems[0].message


def test_each_shape_reports_its_node(tmp_path):
    data = scratch_copy(tmp_path / "data")
    bad = data / "graph" / "article" / "zz-bad.ttl"
    bad.write_text(BAD_NODES, encoding="utf-8")
    report = validate(data, tmp_path / "build")
    lines = BAD_NODES.splitlines()
    for node, expected in EXPECTED.items():
        found = {(p.rule.rpartition("#")[2], p.path) for p in problems_of(report, node) if p.kind == "shape"}
        assert expected <= found, (node, found)
        problem = next(p for p in problems_of(report, node) if p.kind == "shape")
        assert problem.file == str(bad)
        assert lines[problem.line - 1].startswith(node.replace(KG, "kg:").replace(SRC, "src:").replace(FACT, "fact:").replace(EV, "ev:"))
        assert problem.label and problem.fix
    # Nothing else in the project's graph is blamed.
    assert {p.node for p in report.problems if p.kind == "shape"} <= set(EXPECTED)


# -- syntax and consistency -----------------------------------------------------------------


def test_a_syntax_error_is_reported_with_file_and_line(tmp_path):
    data = scratch_copy(tmp_path / "data")
    broken = data / "graph" / "article" / "zz-broken.ttl"
    broken.write_text(PREFIXES + "kg:x a csto:State ;\n    rdfs:label 'X'@en ;;; <oops\n", encoding="utf-8")
    report = validate(data, tmp_path / "build")
    assert [p.kind for p in report.problems] == ["syntax"]
    assert report.problems[0].file == str(broken) and report.problems[0].line == PREFIXES.count("\n") + 2
    proc = cli("validate", "--format", "json", "--data", str(data), "--build-dir", str(tmp_path / "build"))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["problems"][0]["kind"] == "syntax"


def test_an_inconsistency_is_reported_with_the_node(tmp_path):
    data = scratch_copy(tmp_path / "data")
    bad = data / "graph" / "article" / "zz-bad.ttl"
    bad.write_text(PREFIXES + 'kg:testland a csto:State ; rdfs:label "Testland"@en ;\n    csto:population "1e9"^^xsd:integer .\n')
    report = validate(data, tmp_path / "build")
    assert [p.kind for p in report.problems] == ["consistency"], report.text()
    assert "inconsistent" in report.problems[0].message


def test_a_date_bound_that_is_not_a_date_is_reported_not_raised(tmp_path):
    data = scratch_copy(tmp_path / "data")
    (data / "graph" / "article" / "zz-bad.ttl").write_text(PREFIXES + 't:someday a time:Instant ; csto:notBefore "2020" .\n')
    report = validate(data, tmp_path / "build")
    assert not report.conforms
    # a string where the range is xsd:date: an OWL 2 inconsistency (W3C string-integer-clash)
    assert any(p.kind == "consistency" and '"2020"' in p.message for p in report.problems), report.text()
    proc = cli("build", "--data", str(data), "--build-dir", str(tmp_path / "build"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# -- the command line -----------------------------------------------------------------------


def test_validate_command_exit_codes_and_formats(tmp_path):
    where = ["--data", str(ROOT), "--build-dir", str(tmp_path / "build")]
    ok = cli("validate", *where)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("valid:")
    out = tmp_path / "report.ttl"
    as_turtle = cli("validate", "-o", str(out), *where)
    assert as_turtle.returncode == 0
    graph = ox.Store()
    graph.load(path=str(out), format=ox.RdfFormat.TURTLE)
    assert graph.query(f"ASK {{ ?r a <{SH}ValidationReport> ; <{SH}conforms> true }}")
    usage = cli("validate", "--format", "yaml", *where)
    assert usage.returncode == 2
    assert not (tmp_path / "build").exists()  # validation builds nothing


def test_validate_command_on_an_invalid_graph(tmp_path):
    data = scratch_copy(tmp_path / "data")
    shutil.copy(ROOT / "tests" / "fixtures" / "invalid" / "event-without-actor-violation.ttl", data / "graph" / "article" / "zz-new.ttl")
    proc = cli("validate", "--data", str(data), "--build-dir", str(tmp_path / "build"))
    assert proc.returncode == 1
    assert f"{data / 'graph' / 'article' / 'zz-new.ttl'}:13  ev:2005-exercise-without-actor-fixture" in proc.stdout
    assert '"An exercise without participants (fixture)"' in proc.stdout
    assert "fix: " in proc.stdout and "csto:actor" in proc.stdout
    as_json = json.loads(cli("validate", "-f", "json", "--data", str(data), "--build-dir", str(tmp_path / "build")).stdout)
    assert {p["node"] for p in as_json["problems"]} == {EV + "2005-exercise-without-actor-fixture"}
    assert {p["line"] for p in as_json["problems"]} == {13}


# -- the build refuses a graph that does not validate ------------------------------------------


def test_build_refuses_an_invalid_graph_and_keeps_the_previous_build(tmp_path):
    data = scratch_copy(tmp_path / "data")
    build = tmp_path / "build"
    assert cli("build", "--data", str(data), "--build-dir", str(build)).returncode == 0
    before = (build / "current").resolve()
    manifest = (before / "manifest.json").read_text()
    new = data / "graph" / "article" / "zz-new.ttl"
    shutil.copy(ROOT / "tests" / "fixtures" / "invalid" / "event-without-type-violation.ttl", new)
    proc = cli("build", "--data", str(data), "--build-dir", str(build))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("csto-kg: error: the graph does not validate:")
    assert f"{new}:13" in lines[0] and "csto-kg validate" in lines[0]
    assert (build / "current").resolve() == before
    assert (before / "manifest.json").read_text() == manifest
    assert [p.name for p in (build / "stores").iterdir()] == [before.name]  # nothing half-built left


def test_build_without_validation_stores_an_invalid_graph(tmp_path):
    from csto_kg.building.pipeline import build

    data = scratch_copy(tmp_path / "data")
    shutil.copy(ROOT / "tests" / "fixtures" / "invalid" / "event-without-type-violation.ttl", data / "graph" / "article" / "zz.ttl")
    with pytest.raises(ValidationError) as raised:
        build(data, tmp_path / "build")
    assert "\n" not in str(raised.value) and not raised.value.report.conforms
    assert build(data, tmp_path / "build", validate=False).store.is_dir()


# -- where nodes are asserted ---------------------------------------------------------------


def test_subject_lines_resolve_prefixes_per_file(tmp_path):
    path = tmp_path / "x.ttl"
    path.write_text(
        "# comment\n"
        "@prefix kg: <https://w3id.org/csto-kg/id/> .\n"
        "PREFIX ev: <https://w3id.org/csto-kg/event/>\n"
        "kg:armenia a kg:Thing .\n"
        "    kg:indented a kg:Thing .\n"
        "<https://example.org/full> a kg:Thing .\n"
        "ev:2005-03-01-x a kg:Thing ;\n"
        "    kg:p kg:o .\n"
        "unknown:x a kg:Thing .\n"
        "kg:armenia kg:again 1 .\n",
        encoding="utf-8",
    )
    assert subject_lines(path) == {
        KG + "armenia": 4,
        "https://example.org/full": 6,
        EV + "2005-03-01-x": 7,
    }


def test_the_query_path_imports_no_validation_code(tmp_path):
    build = tmp_path / "build"
    code = (
        "import sys\n"
        "from csto_kg.core.paths import Layout\n"
        "from csto_kg.building.fresh import is_fresh\n"
        f"if not is_fresh(Layout.resolve({str(ROOT)!r}, {str(build)!r})):\n"
        "    sys.exit(3)  # a source or pipeline module changed since the build: the query would rebuild\n"
        "from csto_kg.cli import main\n"
        f"sys.argv = ['csto-kg', 'query', 'members', '--data', {str(ROOT)!r}, '--build-dir', {str(build)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('pyshacl', 'rdflib', 'owlrl', 'csto_kg.validate.validation') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    for _attempt in range(3):  # others may be editing the pipeline's modules meanwhile
        assert cli("build", "--data", str(ROOT), "--build-dir", str(build)).returncode == 0
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
        if proc.returncode != 3:
            break
    assert proc.returncode == 0, proc.stderr


# -- docs/adding-a-fact.md, walked through ----------------------------------------------------


def test_the_guide_to_adding_a_fact(tmp_path):
    import os

    guide = (ROOT / "docs" / "adding-a-fact.md").read_text(encoding="utf-8")
    good, bad = re.findall(r"```turtle\n(.*?)```", guide, re.S)[:2]
    consoles = re.findall(r"```console\n(.*?)```", guide, re.S)
    data = scratch_copy(tmp_path / "data")
    events = data / "graph" / "article" / "events.ttl"
    original = events.read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    where = ["--data", str(data), "--build-dir", str(tmp_path / "build")]

    def run(*args: str) -> subprocess.CompletedProcess:
        # From the data folder, as a contributor would: the report's paths are relative to it.
        return subprocess.run([sys.executable, "-m", "csto_kg", *args, *where], capture_output=True, text=True, cwd=data, env=env)

    # The event without an actor: the report the guide shows, but for the line number.
    events.write_text(original + bad, encoding="utf-8")
    failed = run("validate")
    assert failed.returncode == 1
    shown = [line for line in consoles[1].splitlines() if not line.startswith("$")]
    got = failed.stdout.splitlines()
    line_number = len(original.splitlines()) + 1
    assert got[0] == re.sub(r":\d+ ", f":{line_number} ", shown[0]), got[0]
    assert got[1] == shown[1] and got[3] == shown[3] and got[4] == shown[4]
    assert got[-1] == shown[-1]

    # The event as the guide writes it validates, builds and answers.
    events.write_text(original + good, encoding="utf-8")
    valid = run("validate")
    assert valid.returncode == 0 and valid.stdout.startswith("valid: "), valid.stdout + valid.stderr
    assert consoles[0].splitlines()[1].startswith("valid: ")
    assert run("build").returncode == 0
    timeline = run("query", "timeline", "-p", "from", "2009-10-01", "-p", "to", "2009-10-31")
    assert timeline.returncode == 0
    assert "ev:2009-10-example-exercise" in timeline.stdout
    assert "Member states hold a joint exercise in Belarus (example)" in timeline.stdout
    ask = run("query", "-e", "ASK { ev:2009-10-example-exercise a csto:Event ; csto:actor kg:belarus }")
    assert ask.stdout.strip() == "yes"
    assert "$ csto-kg query -e 'ASK { ev:2009-10-example-exercise a csto:Event ; csto:actor kg:belarus }'\nyes" in consoles[3]
