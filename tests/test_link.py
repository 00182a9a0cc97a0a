"""The link set: generated from the table of checked identifiers, described, kept out of reasoning."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT

from csto_kg.cli import main
from csto_kg.core.namespaces import KG
from csto_kg.linking import link

TABLE = ROOT / "reference" / "identifiers.csv"
LINKSET = ROOT / "graph" / "links" / "identifiers.ttl"
PATTERNS = {
    "wikidata": "http://www.wikidata.org/entity/{}",
    "dbpedia": "http://dbpedia.org/resource/{}",
    "geonames": "https://sws.geonames.org/{}/",
}


def _script():
    spec = importlib.util.spec_from_file_location("make_linkset", ROOT / "scripts" / "make_linkset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _expected_links() -> set[tuple[str, str]]:
    script = _script()
    return {
        (KG + script.local_name(r["label_en"]), PATTERNS[column].format(r[column].strip()))
        for r in _rows()
        for column in PATTERNS
        if r[column].strip()
    }


def test_the_committed_link_set_is_what_the_script_makes_from_the_table():
    script = _script()
    assert script.render(_rows(), script.described_entities(ROOT / "graph" / "article")) == LINKSET.read_text(encoding="utf-8")


def test_the_script_refuses_a_row_whose_entity_the_graph_does_not_describe(tmp_path: Path):
    script = _script()
    rows = [*_rows(), {"label_en": "Atlantis", "kind": "state", "wikidata": "Q1", "geonames": "", "dbpedia": "", "confidence": ""}]
    with pytest.raises(SystemExit, match="Atlantis"):
        script.render(rows, script.described_entities(ROOT / "graph" / "article"))


def test_every_identifier_of_the_table_is_linked_and_nothing_else(store):
    found = {(x.entity, x.target) for x in link.links(store)}
    assert found == _expected_links()


def test_links_point_from_entities_the_article_graph_describes(store):
    described = _script().described_entities(ROOT / "graph" / "article")
    assert {x.entity for x in link.links(store)} <= described


@pytest.mark.parametrize("name", ["nikolai-bordyuzha", "stanislav-zas", "taalatbek-masadykov", "andrey-serdyukov"])
def test_people_without_a_checked_identifier_stay_unlinked(store, name):
    assert KG + name not in {x.entity for x in link.links(store)}
    assert KG + name in {u.entity for u in link.unlinked(store)}


def test_unlinked_lists_entities_only_and_none_that_has_a_link(store):
    linked = {x.entity for x in link.links(store)}
    without = link.unlinked(store)
    assert without, "the article graph has entities without links"
    assert not linked & {u.entity for u in without}
    # Facts and events are not entities: no membership or event is listed.
    assert not [u for u in without if "/fact/" in u.entity or "/event/" in u.entity]
    assert all(u.label for u in without)


def test_each_linkset_describes_its_links(ask):
    rows = ask("""
        SELECT ?set ?subjects ?objects ?predicate ?triples ?from ?by (COUNT(DISTINCT ?link) AS ?n) WHERE {
          GRAPH <https://w3id.org/csto-kg/graph/links> {
            ?set a void:Linkset ; void:subjectsTarget ?subjects ; void:objectsTarget ?objects ;
                 void:linkPredicate ?predicate ; void:triples ?triples ;
                 prov:wasDerivedFrom ?from ; prov:wasGeneratedBy ?by .
            ?objects void:uriSpace ?space .
            OPTIONAL { ?s owl:sameAs ?link . FILTER(STRSTARTS(STR(?link), ?space)) }
          }
        } GROUP BY ?set ?subjects ?objects ?predicate ?triples ?from ?by""")
    assert {r["set"].rsplit("-", 1)[-1] for r in rows} == {"wikidata", "dbpedia", "geonames"}
    for row in rows:
        assert row["subjects"] == "https://w3id.org/csto-kg/dataset"
        assert row["predicate"] == "http://www.w3.org/2002/07/owl#sameAs"
        assert row["from"] == "https://w3id.org/csto-kg/source/identifiers"
        assert row["triples"] == row["n"] > 0


def test_links_stay_out_of_reasoning(ask):
    assert ask("ASK { GRAPH <https://w3id.org/csto-kg/graph/inferred> { ?a owl:sameAs ?b } }") is False
    external = ask("""
        SELECT ?x WHERE { ?x a csto:State . FILTER(!STRSTARTS(STR(?x), "https://w3id.org/csto-kg/")) }""")
    assert external == []
    # No fact is copied onto an external IRI.
    assert ask("ASK { <http://www.wikidata.org/entity/Q399> csto:capital ?c }") is False


def test_no_answer_lists_an_entity_twice(named):
    rows = named("members", date="2010-01-01")
    assert len(rows) == len({r["state"] for r in rows})
    assert all(r["state"].startswith(KG) for r in rows)


@pytest.fixture()
def run(build_dir: Path):
    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--data", str(ROOT), "--build-dir", str(build_dir)])

    return invoke


def test_links_command_table(run):
    result = run("links")
    assert result.exit_code == 0, result.output
    assert "http://www.wikidata.org/entity/Q399" in result.stdout
    assert "Entities without links" in result.stdout
    assert "kg:nikolai-bordyuzha" in result.stdout.split("Entities without links", 1)[1]
    assert "links from 42 entities" in result.stderr


def test_links_command_csv(run):
    result = run("links", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["entity"], r["target"]) for r in rows if r["target"]} == _expected_links()
    unlinked = {r["entity"] for r in rows if not r["target"]}
    assert KG + "stanislav-zas" in unlinked


def test_links_command_json_to_a_file(run, tmp_path: Path):
    out = tmp_path / "links.json"
    result = run("links", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    armenia = [x for x in data["links"] if x["entity"] == KG + "armenia"]
    assert {x["dataset"] for x in armenia} == {"wikidata", "dbpedia", "geonames"}
    assert KG + "taalatbek-masadykov" in {u["entity"] for u in data["unlinked"]}


def test_the_linkset_file_parses_on_its_own():
    quads = list(ox.parse(path=str(LINKSET), format=ox.RdfFormat.TURTLE))
    assert sum(1 for q in quads if q.predicate.value.endswith("#sameAs")) == len(_expected_links())
