"""HTML documentation of the csto: ontology, generated from the built store.

One page, `index.html`, documents every term of the ontology graph in the csto:
namespace: classes, object and datatype properties, the membership statuses and their
scheme. Each term shows its English and Russian labels, its definition, its superclasses
or superproperties, domain and range, the terms that refer to it, and example instances
taken from the data graphs. Beside it, `ontology.ttl` holds the ontology graph as Turtle.

No template engine and no dependency: the page is assembled from escaped strings, and
every text that comes from the graph goes through `html.escape`.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from csto_kg import __version__
from csto_kg.core.errors import CstoKgError
from csto_kg.core.namespaces import (
    CSTO,
    GRAPH_ONTOLOGY,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    RDF,
    RDFS,
    asserted_graphs,
)

if TYPE_CHECKING:  # pragma: no cover
    from csto_kg.core.paths import Layout

SKOS = PREFIXES["skos"]
DCTERMS = PREFIXES["dcterms"]
VANN = PREFIXES["vann"]
EXAMPLES = 5  # example instances shown per term

# The kinds of term, in the order the page lists them: (type IRI, section id, heading).
KINDS = (
    (OWL + "Class", "classes", "Classes"),
    (OWL + "ObjectProperty", "object-properties", "Object properties"),
    (OWL + "DatatypeProperty", "datatype-properties", "Datatype properties"),
    (OWL + "AnnotationProperty", "annotation-properties", "Annotation properties"),
    (CSTO + "MembershipStatus", "statuses", "Membership statuses"),
    (SKOS + "ConceptScheme", "schemes", "Concept schemes"),
)
# Relations also shown from their object's side (subclasses, "domain of", individuals...).
_INVERSE = (RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range", SKOS + "inScheme", RDF + "type")
_CHARACTERISTICS = ("FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 62rem;
       padding: 1rem 1.5rem 4rem; line-height: 1.45; color: #1d1d1d; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: .2rem; margin-top: 2.5rem; }
.ru { color: #444; } .muted { color: #666; font-size: .9rem; }
nav ul { columns: 3; font-size: .9rem; } nav h3 { margin-bottom: .2rem; }
section.term { border: 1px solid #ddd; border-radius: 6px; padding: .6rem 1rem; margin: 1rem 0; }
section.term h3 { margin: .2rem 0 .4rem; } section.term h3 code { font-size: .85em; color: #0072B2; }
dl { display: grid; grid-template-columns: 11rem 1fr; gap: .25rem 1rem; margin: .4rem 0; }
dt { font-weight: 600; color: #333; } dd { margin: 0; }
code { background: #f4f4f4; padding: 0 .2em; border-radius: 3px; }
a { color: #0059a0; }
"""


@dataclass
class Term:
    iri: str
    kinds: list[str] = field(default_factory=list)
    props: dict[str, list[ox.Term]] = field(default_factory=lambda: defaultdict(list))

    @property
    def local(self) -> str:
        return self.iri[len(CSTO) :] if self.iri.startswith(CSTO) else self.iri

    def texts(self, predicate: str, lang: str | None = None) -> list[str]:
        return [
            o.value for o in self.props.get(predicate, []) if isinstance(o, ox.Literal) and (lang is None or (o.language or "") == lang)
        ]

    def objects(self, predicate: str) -> list[ox.Term]:
        return list(self.props.get(predicate, []))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _span(text: str, lang: str) -> str:
    css = ' class="ru"' if lang == "ru" else ""
    return f'<span lang="{lang}"{css}>{_e(text)}</span>'


def compact(iri: str) -> str:
    """csto:Membership for a csto: IRI, a prefixed name for known namespaces, else the IRI."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class Documentation:
    """The ontology graph and example data, read from a built store."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.nodes: dict[ox.Term, Term] = {}
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_ONTOLOGY)):
            term = self.nodes.setdefault(quad.subject, Term(quad.subject.value))
            term.props[quad.predicate.value].append(quad.object)
        if not self.nodes:
            raise CstoKgError("the store has no ontology graph: rebuild with `csto-kg build`")
        for node, term in self.nodes.items():
            if isinstance(node, ox.NamedNode):
                term.kinds = [o.value for o in term.objects(RDF + "type") if isinstance(o, ox.NamedNode)]
        self.terms = sorted(
            (t for n, t in self.nodes.items() if isinstance(n, ox.NamedNode) and t.iri.startswith(CSTO) and t.iri != CSTO),
            key=lambda t: t.local.lower(),
        )
        self.local = {t.iri for t in self.terms}
        self._inverse: dict[tuple[str, str], list[str]] = defaultdict(list)
        for node, term in self.nodes.items():
            if not isinstance(node, ox.NamedNode):
                continue
            for predicate in _INVERSE:
                for obj in term.objects(predicate):
                    if isinstance(obj, ox.NamedNode):
                        self._inverse[(predicate, obj.value)].append(node.value)
        self.examples = self._examples()
        self.counts = self._counts()

    # -- data from the graphs -------------------------------------------------------------

    def _query(self, text: str, **options: object) -> list[ox.QuerySolution]:
        return list(self.store.query(text, prefixes=PREFIXES, **options))

    def _examples(self) -> dict[str, list[tuple[str, str]]]:
        """Per class and per status: up to EXAMPLES things from the data graphs, with labels."""
        present = {g.value for g in self.store.named_graphs()}
        data = [ox.NamedNode(g) for g in asserted_graphs(present) if g != GRAPH_ONTOLOGY]
        found: dict[str, list[tuple[str, str]]] = defaultdict(list)
        if not data:
            return found
        rows = self._query(
            """SELECT DISTINCT ?term ?x ?label WHERE {
                 { ?x a ?term } UNION { ?x csto:status ?term }
                 FILTER(STRSTARTS(STR(?term), STR(csto:)) && isIRI(?x))
                 OPTIONAL { ?x rdfs:label ?label . FILTER(langMatches(lang(?label), "en")) }
               } ORDER BY ?term ?label ?x""",
            default_graph=data,
        )
        for row in rows:
            term, x, label = row["term"].value, row["x"].value, row["label"]
            picked = found[term]
            if len(picked) < EXAMPLES and all(x != p for p, _ in picked):
                picked.append((x, label.value if label is not None else compact(x)))
        rows = self._query(
            """SELECT ?term ?s ?sl ?o ?ol WHERE {
                 ?s ?term ?o .
                 FILTER(STRSTARTS(STR(?term), STR(csto:)) && isIRI(?s))
                 OPTIONAL { ?s rdfs:label ?sl . FILTER(langMatches(lang(?sl), "en")) }
                 OPTIONAL { ?o rdfs:label ?ol . FILTER(langMatches(lang(?ol), "en")) }
               } ORDER BY ?term ?s ?o""",
            default_graph=data,
        )
        for row in rows:
            term = row["term"].value
            picked = found[term]
            if len(picked) >= EXAMPLES:
                continue
            subject = row["sl"].value if row["sl"] is not None else compact(row["s"].value)
            obj = row["o"]
            if row["ol"] is not None:
                shown = row["ol"].value
            elif isinstance(obj, ox.Literal):
                shown = f"“{obj.value}”" + (f" ({compact(obj.datatype.value)})" if obj.datatype.value != RDF + "langString" else "")
            elif isinstance(obj, ox.NamedNode):
                shown = compact(obj.value)
            else:
                shown = "(a blank node)"
            picked.append((row["s"].value, f"{subject} → {shown}"))
        return found

    def _counts(self) -> dict[str, int]:
        """How many things each class has, with what reasoning entails (the union of all graphs)."""
        rows = self._query(
            "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?c . FILTER(STRSTARTS(STR(?c), STR(csto:))) } GROUP BY ?c",
            use_default_graph_as_union=True,
        )
        return {row["c"].value: int(row["n"].value) for row in rows}

    # -- rendering --------------------------------------------------------------------------

    def link(self, node: ox.Term) -> str:
        if isinstance(node, ox.NamedNode):
            iri = node.value
            if iri in self.local:
                return f'<a href="#{_e(iri[len(CSTO) :])}"><code>{_e(compact(iri))}</code></a>'
            return f'<a href="{_e(iri)}"><code>{_e(compact(iri))}</code></a>'
        if isinstance(node, ox.Literal):
            return _e(node.value)
        return self.anonymous(node)

    def anonymous(self, node: ox.Term) -> str:
        """A readable form of an anonymous class (a restriction, union or intersection)."""
        term = self.nodes.get(node)
        if term is None:
            return "(an anonymous class)"
        on = term.objects(OWL + "onProperty")
        for predicate, word in (
            (OWL + "someValuesFrom", "some"),
            (OWL + "allValuesFrom", "only"),
            (OWL + "hasValue", "value"),
            (OWL + "cardinality", "exactly"),
            (OWL + "minCardinality", "min"),
            (OWL + "maxCardinality", "max"),
        ):
            for value in term.objects(predicate):
                return f"{self.link(on[0]) if on else '?'} {word} {self.link(value)}"
        for predicate, word in ((OWL + "unionOf", " or "), (OWL + "intersectionOf", " and ")):
            for head in term.objects(predicate):
                return "(" + word.join(self.link(m) for m in self._list(head)) + ")"
        return "(an anonymous class)"

    def _list(self, head: ox.Term) -> list[ox.Term]:
        items: list[ox.Term] = []
        while isinstance(head, ox.BlankNode) and head in self.nodes and len(items) < 100:
            term = self.nodes[head]
            items.extend(term.objects(RDF + "first"))
            rest = term.objects(RDF + "rest")
            head = rest[0] if rest else ox.NamedNode(RDF + "nil")
        return items

    def _row(self, name: str, values: list[str]) -> str:
        if not values:
            return ""
        return f"<dt>{_e(name)}</dt><dd>{', '.join(values)}</dd>"

    def _referrers(self, predicate: str, iri: str) -> list[str]:
        return [self.link(ox.NamedNode(i)) for i in sorted(self._inverse.get((predicate, iri), []), key=str.lower)]

    def render_term(self, term: Term) -> str:
        en = term.texts(RDFS + "label", "en")
        ru = term.texts(RDFS + "label", "ru")
        kinds = [compact(k) for k in term.kinds]
        parts = [
            f'<section class="term" id="{_e(term.local)}">',
            f"<h3>{_e(en[0] if en else term.local)} <code>{_e(compact(term.iri))}</code></h3>",
            "<dl>",
            f"<dt>IRI</dt><dd><code>{_e(term.iri)}</code></dd>",
            self._row("Kind", [f"<code>{_e(k)}</code>" for k in kinds]),
            self._row("Label (English)", [_span(t, "en") for t in en]),
            self._row("Label (Russian)", [_span(t, "ru") for t in ru]),
            self._row("Definition", [_span(t, "en") for t in term.texts(SKOS + "definition", "en")]),
            self._row("Definition (Russian)", [_span(t, "ru") for t in term.texts(SKOS + "definition", "ru")]),
            self._row("Comment", [_e(t) for t in term.texts(RDFS + "comment")]),
            self._row("Superclasses", [self.link(o) for o in term.objects(RDFS + "subClassOf")]),
            self._row("Equivalent classes", [self.link(o) for o in term.objects(OWL + "equivalentClass")]),
            self._row("Disjoint with", [self.link(o) for o in term.objects(OWL + "disjointWith")]),
            self._row("Subclasses", self._referrers(RDFS + "subClassOf", term.iri)),
            self._row("Superproperties", [self.link(o) for o in term.objects(RDFS + "subPropertyOf")]),
            self._row("Subproperties", self._referrers(RDFS + "subPropertyOf", term.iri)),
            self._row("Inverse of", [self.link(o) for o in term.objects(OWL + "inverseOf")]),
            self._row("Characteristics", [f"<code>owl:{c}</code>" for c in _CHARACTERISTICS if OWL + c in term.kinds]),
            self._row("Domain", [self.link(o) for o in term.objects(RDFS + "domain")]),
            self._row("Range", [self.link(o) for o in term.objects(RDFS + "range")]),
            self._row("Domain of", self._referrers(RDFS + "domain", term.iri)),
            self._row("Range of", self._referrers(RDFS + "range", term.iri)),
            self._row("In scheme", [self.link(o) for o in term.objects(SKOS + "inScheme")]),
            self._row("Concepts", self._referrers(SKOS + "inScheme", term.iri)),
            self._row("Individuals", self._referrers(RDF + "type", term.iri)),
            self._row("Counts as member", [self.link(o) for o in term.objects(CSTO + "countsAsMember")]),
            self._row("See also", [self.link(o) for o in term.objects(RDFS + "seeAlso")]),
        ]
        if term.iri in self.counts:
            parts.append(f"<dt>Instances</dt><dd>{self.counts[term.iri]} (with what reasoning entails)</dd>")
        examples = self.examples.get(term.iri, [])
        if examples:
            items = "".join(f'<li><a href="{_e(iri)}">{_e(text)}</a></li>' for iri, text in examples)
            parts.append(f"<dt>Examples</dt><dd><ul>{items}</ul></dd>")
        parts.append("</dl></section>")
        return "\n".join(p for p in parts if p)

    def sections(self) -> list[tuple[str, str, list[Term]]]:
        placed: set[str] = set()
        out: list[tuple[str, str, list[Term]]] = []
        for kind, anchor, heading in KINDS:
            members = [t for t in self.terms if kind in t.kinds and t.iri not in placed]
            placed.update(t.iri for t in members)
            if members:
                out.append((anchor, heading, members))
        rest = [t for t in self.terms if t.iri not in placed]
        if rest:
            out.append(("other-terms", "Other terms", rest))
        return out

    def header(self) -> str:
        onto = self.nodes.get(ox.NamedNode(ONTOLOGY_IRI)) or Term(ONTOLOGY_IRI)
        title_en = onto.texts(DCTERMS + "title", "en") or onto.texts(RDFS + "label", "en") or ["csto-kg ontology"]
        title_ru = onto.texts(DCTERMS + "title", "ru") or onto.texts(RDFS + "label", "ru")
        rows = [
            f"<dt>IRI</dt><dd><code>{_e(ONTOLOGY_IRI)}</code></dd>",
            self._row("Version", [_e(t) for t in onto.texts(OWL + "versionInfo")]),
            self._row("Version IRI", [self.link(o) for o in onto.objects(OWL + "versionIRI")]),
            self._row("Namespace", [f"<code>{_e(t)}</code>" for t in onto.texts(VANN + "preferredNamespaceUri") or [CSTO]]),
            self._row("Prefix", [f"<code>{_e(t)}</code>" for t in onto.texts(VANN + "preferredNamespacePrefix")]),
            self._row("Licence", [self.link(o) for o in onto.objects(DCTERMS + "license")]),
            self._row("Creator", [_e(t) for t in onto.texts(DCTERMS + "creator")]),
            self._row("Created", [_e(t) for t in onto.texts(DCTERMS + "created")]),
            self._row("Modified", [_e(t) for t in onto.texts(DCTERMS + "modified")]),
            self._row("See also", [self.link(o) for o in onto.objects(RDFS + "seeAlso")]),
            '<dt>Source</dt><dd><a href="ontology.ttl">ontology.ttl</a> (Turtle)</dd>',
        ]
        description = "".join(f'<p lang="en">{_e(t)}</p>' for t in onto.texts(DCTERMS + "description", "en"))
        subtitle = "".join(f'<p class="ru" lang="ru">{_e(t)}</p>' for t in title_ru)
        return f"<header><h1>{_e(title_en[0])}</h1>{subtitle}{description}<dl>{''.join(r for r in rows if r)}</dl></header>"

    def page(self) -> str:
        sections = self.sections()
        nav = ['<nav id="contents"><h2>Contents</h2>']
        for anchor, heading, members in sections:
            items = "".join(f'<li><a href="#{_e(t.local)}">{_e(compact(t.iri))}</a></li>' for t in members)
            nav.append(f'<h3><a href="#{_e(anchor)}">{_e(heading)}</a> ({len(members)})</h3><ul>{items}</ul>')
        nav.append("</nav>")
        body = []
        for anchor, heading, members in sections:
            body.append(f'<h2 id="{_e(anchor)}">{_e(heading)}</h2>')
            body.extend(self.render_term(t) for t in members)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e('csto-kg ontology')}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + self.header()
            + "\n"
            + "\n".join(nav)
            + "\n<main>\n"
            + "\n".join(body)
            + f'\n</main>\n<footer class="muted"><p>Generated by csto-kg {_e(__version__)} from the built graph.</p></footer>\n'
            + "</body>\n</html>\n"
        )

    def turtle(self) -> bytes:
        quads = self.store.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH_ONTOLOGY))
        triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in quads), key=str)
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def write_docs(store: ox.Store, out_dir: str | Path) -> list[Path]:
    """Write index.html and ontology.ttl into `out_dir` (each file atomically). Returns the paths."""
    from csto_kg.core.output import open_output

    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CstoKgError(f"cannot create {folder}: {err.strerror}") from None
    docs = Documentation(store)
    written = []
    for name, content in (("index.html", docs.page().encode("utf-8")), ("ontology.ttl", docs.turtle())):
        with open_output(folder / name) as stream:
            stream.write(content)
        written.append(folder / name)
    return written


def docs(
    out_dir: str | Path,
    *,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
    layout: Layout | None = None,
) -> list[Path]:
    """Build if needed, then write the ontology documentation into `out_dir`."""
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_store
    from csto_kg.core.paths import Layout

    layout = layout or Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    return write_docs(open_store(layout), out_dir)
