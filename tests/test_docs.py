"""`csto-kg docs`: HTML documentation of every ontology term; and shell completion."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import ROOT, scratch_copy

from csto_kg.cli import main
from csto_kg.core.namespaces import CSTO, GRAPH_ONTOLOGY

LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"


class Sections(HTMLParser):
    """The text of each element with an id, and whether the tags balance."""

    VOID: ClassVar[set[str]] = {"meta", "br", "img", "link", "hr", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.hrefs: dict[str, list[str]] = {}
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in self.VOID:
            return
        self.stack.append((tag, attributes.get("id")))
        if attributes.get("id"):
            self.text.setdefault(attributes["id"], [])
            self.hrefs.setdefault(attributes["id"], [])
        if tag == "a" and attributes.get("href"):
            for _, open_id in self.stack:
                if open_id:
                    self.hrefs[open_id].append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.balanced = False
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, open_id in self.stack:
            if open_id:
                self.text[open_id].append(data)


@pytest.fixture(scope="module")
def docs(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Sections]:
    out = tmp_path_factory.mktemp("docs") / "site"
    result = CliRunner().invoke(main, ["docs", "-o", str(out), "--data", str(ROOT), "--build-dir", str(build_dir)])
    assert result.exit_code == 0, result.output
    parser = Sections()
    parser.feed((out / "index.html").read_text(encoding="utf-8"))
    parser.close()
    return out, parser


def terms(store) -> dict[str, dict[str, list[str]]]:
    """Every csto: term of the ontology graph with its labels and definitions by language."""
    found: dict[str, dict[str, list[str]]] = {}
    for predicate in (LABEL, DEFINITION):
        for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.NamedNode(GRAPH_ONTOLOGY)):
            iri = quad.subject.value
            if isinstance(quad.subject, ox.NamedNode) and iri.startswith(CSTO) and iri != CSTO:
                key = ("label" if predicate == LABEL else "definition") + "@" + (quad.object.language or "")
                found.setdefault(iri, {}).setdefault(key, []).append(quad.object.value)
    return found


def test_docs_writes_html_and_turtle(docs):
    out, parser = docs
    assert (out / "index.html").is_file() and (out / "ontology.ttl").is_file()
    assert parser.balanced
    ox.parse((out / "ontology.ttl").read_bytes(), format=ox.RdfFormat.TURTLE)


def test_every_term_appears_with_both_labels_and_its_definition(docs, store):
    _out, parser = docs
    known = terms(store)
    assert len(known) > 100
    for iri, texts in known.items():
        local = iri[len(CSTO) :]
        assert local in parser.text, f"no section for {iri}"
        section = " ".join("".join(parser.text[local]).split())
        assert texts.get("label@en") and texts.get("label@ru"), iri
        for key in ("label@en", "label@ru", "definition@en"):
            for value in texts.get(key, []):
                assert " ".join(value.split()) in section, f"{iri}: {key} {value!r} missing"


def test_superclasses_domain_range_and_examples(docs):
    _out, parser = docs
    membership = "".join(parser.text["Membership"])
    assert "csto:Affiliation" in membership and "#Affiliation" in parser.hrefs["Membership"]
    member = parser.hrefs["member"]
    assert "#Affiliation" in member and "#Agent" in member  # domain and range
    state = "".join(parser.text["State"])
    assert "Armenia" in state and "Examples" in state
    assert "org:Organization" in "".join(parser.text["Organisation"])  # an alignment superclass
    assert "Russia" in "".join(parser.text["population"])  # an example use of a property


def test_contents_link_to_every_term(docs, store):
    _out, parser = docs
    anchors = {h[1:] for h in parser.hrefs["contents"] if h.startswith("#")}
    assert {"classes", "object-properties", "datatype-properties", "statuses"} <= anchors
    assert {iri[len(CSTO) :] for iri in terms(store)} <= anchors
    assert anchors <= set(parser.text)  # no link to a missing section


def test_text_from_the_graph_is_escaped(tmp_path):
    data = scratch_copy(tmp_path / "data")
    (data / "ontology" / "zz-test.ttl").write_text(
        "@prefix csto: <https://w3id.org/csto-kg/ontology#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'csto:Odd a owl:Class ; rdfs:label "odd <script>alert(1)</script> & co"@en , "странный <b>"@ru ;\n'
        '    skos:definition "A test \\"class\\" <i>only</i>."@en .\n',
        encoding="utf-8",
    )
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["docs", "-o", str(out), "--data", str(data), "--build-dir", str(tmp_path / "build")])
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>" not in page and "<i>only" not in page
    assert html.escape("odd <script>alert(1)</script> & co") in page
    assert html.escape("странный <b>") in page


# -- shell completion -------------------------------------------------------------------


@pytest.mark.parametrize(
    "shell, marker",
    [("bash", "complete -o nosort -F"), ("zsh", "#compdef csto-kg"), ("fish", "complete --no-files --command csto-kg")],
)
def test_completion_script_for_each_shell(shell, marker):
    result = CliRunner().invoke(main, [], prog_name="csto-kg", env={"_CSTO_KG_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert "_CSTO_KG_COMPLETE" in result.stdout


def test_completion_of_commands_and_subcommands():
    def complete(words: str, cword: int) -> list[str]:
        env = {"_CSTO_KG_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        result = CliRunner().invoke(main, [], prog_name="csto-kg", env=env)
        assert result.exit_code == 0, result.output
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]

    assert {"chart", "check"} <= set(complete("csto-kg ch", 1))
    assert set(complete("csto-kg chart ", 2)) == {"membership", "timeline"}
    assert "--date" in complete("csto-kg chart membership --d", 3)
