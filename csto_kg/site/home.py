"""The home page, the query page and the search index."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from csto_kg.building.years import COLUMNS, TIMELINE, events, kept_years
from csto_kg.core.errors import CstoKgError
from csto_kg.core.namespaces import BASE, CSTO, GRAPH_ONTOLOGY, GRAPH_VOID, PREFIXES
from csto_kg.querying import catalogue, params
from csto_kg.querying.querytext import substitute, with_prefixes
from csto_kg.querying.sparql import query_text
from csto_kg.site import svg
from csto_kg.site.pages import when_text
from csto_kg.site.text import Frame, e, page, table, word

if TYPE_CHECKING:
    from csto_kg.site import Site

SEARCH_INDEX = "search-index.json"
PREFIXES_JSON = "prefixes.json"  # the project's prefixes, as prefix.cc gives them, for the editor
DOWNLOADS = (
    ("csto-kg.ttl", "Turtle", "what the sources assert, with the ontology and the links"),
    ("csto-kg.jsonld", "JSON-LD", "the same, as JSON-LD"),
    ("csto-kg.nq", "N-Quads", "every graph of the build, inferred and derived triples included, each in its named graph"),
    ("void.ttl", "VoID", "the dataset description"),
    ("charts/membership.svg", "SVG", "the membership chart"),
)
_SEARCHED = ("id/", "event/", "fact/", "source/")

_SEARCH_JS = """
(function(){
  var box=document.getElementById('search'),list=document.getElementById('search-results'),index=null;
  function show(){
    var q=box.value.trim().toLowerCase();list.textContent='';
    if(!index||q.length<2)return;
    var n=0;
    for(var i=0;i<index.length&&n<12;i++){
      var item=index[i];
      if(item.l.some(function(l){return l.toLowerCase().indexOf(q)>=0;})){
        var li=document.createElement('li'),a=document.createElement('a');
        a.href=ROOT+item.p;a.textContent=item.l[0];li.appendChild(a);
        var k=document.createElement('span');k.className='muted';k.textContent=' '+item.k;li.appendChild(k);
        list.appendChild(li);n++;
      }
    }
  }
  fetch(ROOT+'search-index.json').then(function(r){return r.json();}).then(function(d){index=d;show();});
  box.addEventListener('input',show);
})();
"""


def prefixes_json() -> bytes:
    return json.dumps(PREFIXES, separators=(",", ":")).encode("utf-8")


def search_index(site: Site) -> bytes:
    """Every entity with a page, its English and Russian labels, its path and its kind."""
    rows = site.reader.select(
        "SELECT ?s ?l ?c WHERE { ?s rdfs:label|skos:prefLabel ?l . FILTER(lang(?l) IN ('en', 'ru', '')) "
        "OPTIONAL { ?s a ?c . FILTER(STRSTARTS(STR(?c), STR(csto:)))"
        " FILTER NOT EXISTS { ?s a ?d . ?d rdfs:subClassOf+ ?c FILTER(?d != ?c) } } }"
    )
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        iri = r["s"].value
        if not iri.startswith(BASE) or not iri[len(BASE) :].startswith(_SEARCHED):
            continue
        item = found.setdefault(iri, {"l": [], "p": iri[len(BASE) :], "k": ""})
        if r["l"].value not in item["l"]:
            item["l"].append(r["l"].value)
        if r["c"] is not None and not item["k"]:
            item["k"] = r["c"].value[len(CSTO) :] if r["c"].value.startswith(CSTO) else ""
    # States, organisations and people before events and facts: what a search most often means.
    rank = {"id/": 0, "event/": 1, "source/": 2, "fact/": 3}
    ordered = sorted(found.values(), key=lambda i: (rank.get(i["p"].split("/")[0] + "/", 9), i["l"][0].lower()))
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _size(site: Site) -> str:
    rows = site.reader.select(
        f"SELECT ?d ?t ?n WHERE {{ GRAPH <{GRAPH_VOID}> {{ ?d a void:Dataset ; void:triples ?n . OPTIONAL {{ ?d dcterms:title ?t }} "
        f'FILTER(STRSTARTS(STR(?d), "{BASE}dataset")) }} }} ORDER BY DESC(?n)'
    )
    items = [f"<li><strong>{int(r['n'].value):,}</strong> triples: {e(r['t'].value if r['t'] else r['d'].value)}</li>" for r in rows]
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def _sources(site: Site) -> str:
    rows = site.reader.select(
        f"SELECT ?g ?t ?n ?src WHERE {{ GRAPH <{GRAPH_VOID}> {{ ?g a void:Dataset ; void:triples ?n ; dcterms:title ?t . "
        f"OPTIONAL {{ ?g dcterms:source ?src }} FILTER(STRSTARTS(STR(?g), STR(<{BASE}graph/>))) }} }} ORDER BY DESC(?n)"
    )
    cells = []
    for r in rows:
        src = r["src"].value if r["src"] else ""
        where = f'<a href="{e(src)}" rel="external">{e(src)}</a>' if src.startswith(("http://", "https://")) else ""
        cells.append((e(r["t"].value), f"{int(r['n'].value):,}", where))
    return table(("graph", "triples", "source"), cells)


def _year_links(site: Site) -> str:
    tail = "/" if site.static else ""
    return " ".join(f'<a href="{e(site.root)}year/{y}{tail}">{y}</a>' for y in years(site))


def home(site: Site, languages: list[str], lang: str) -> str:
    r = site.root
    rows = site.reader.memberships(None)
    names = site.reader.labels({row.state for row in rows}, languages)
    chart = svg.membership_svg(rows, site.today, lang, {row.state: site.href(row.state) or "" for row in rows}, names)
    queries = catalogue.catalogue(site.layout.queries_dir).values() if site.layout else []
    listed = "".join(f'<li><a href="{e(r)}query#{e(q.name)}"><code>{e(q.name)}</code></a>: {e(q.summary)}</li>' for q in queries)
    downloads = "".join(
        f'<li><a href="{e(r)}downloads/{e(f)}">{e(name)}</a>: {e(what)}</li>' for f, name, what in DOWNLOADS if site.has_download(f)
    )
    body = f"""
<h1>The CSTO knowledge graph</h1>
<p>A knowledge graph of the Collective Security Treaty Organization: its member states and their standing over time,
its organs and the people who held its posts, its treaties, and the events of its history, every fact with the source it comes from.</p>
<div class="search"><label for="search">{e(word("search", lang))}</label>
<input id="search" type="search" autocomplete="off" placeholder="Armenia, Secretary General, 2022…">
<ul id="search-results" aria-live="polite"></ul></div>
<h2>Membership over time</h2>
<div class="chart">{chart}</div>{svg.legend(rows)}
<h2 id="years">Events by year</h2><p class="years">{_year_links(site)}</p>
<h2>How big</h2>{_size(site)}
<h2>Sources</h2>{_sources(site)}
<h2>Named queries</h2><p>Run them on the <a href="{e(r)}query">query page</a> or with <code>csto-kg query NAME</code>.</p><ul>{listed}</ul>
<h2>Documentation</h2><ul><li><a href="{e(r)}ontology">The ontology</a>: classes and properties</li>
<li><a href="{e(r)}query">The query page</a>: write SPARQL, or start from a named query</li></ul>
<h2 id="downloads">Downloads</h2><ul>{downloads}</ul>
<script>var ROOT={json.dumps(r)};{_SEARCH_JS}</script>
"""
    return page(Frame("CSTO knowledge graph", lang, r), body)


def query_page(site: Site, lang: str) -> str:
    r = site.root
    queries = list(catalogue.catalogue(site.layout.queries_dir).values()) if site.layout else []
    # The static copy has no editor to open a query in: it shows the text to copy instead.
    button = "" if site.static else '<button type="button" data-query="{}">Open in the editor</button>'
    examples = "".join(
        f'<div class="card" id="{e(q.name)}"><h3><code>{e(q.name)}</code></h3><p>{e(q.summary)}</p>'
        f"{button.format(e(q.name))}"
        f'<details><summary>More</summary><p class="muted">{e(q.description)}</p><pre>{e(q.text)}</pre></details></div>'
        for q in queries
    )
    texts = json.dumps({q.name: _runnable(q) for q in queries}, ensure_ascii=False).replace("<", "\\u003c")
    if site.static:
        editor = (
            '<p id="editor-note">This is the static copy of the site: the SPARQL editor needs the server. '
            "Run <code>csto-kg serve</code> and open this page there, or run a query with <code>csto-kg query NAME</code>.</p>"
        )
        head = ""
        script = ""
    else:
        editor = '<div id="yasgui"></div>'
        head = f'<link rel="stylesheet" href="{e(r)}yasgui.min.css">\n<script src="{e(r)}yasgui.min.js"></script>\n'
        script = (
            # Prefix completion reads this site's prefixes; class and property completion,
            # which asks other hosts (LOV), is off.
            f"<script>var QUERIES={texts};if(Yasgui.Yasqe){{Yasgui.Yasqe.defaults.prefixCcApi={json.dumps(r + PREFIXES_JSON)};"
            "Yasgui.Yasqe.defaults.autocompleters=['prefixes','variables'];}"
            "var yasgui=new Yasgui(document.getElementById('yasgui'),"
            f"{{requestConfig:{{endpoint:{json.dumps(r + 'sparql')},method:'POST'}},copyEndpointOnNewTab:false,"
            "endpointCatalogueOptions:{getData:function(){return [];}}});"
            "document.querySelectorAll('button[data-query]').forEach(function(b){b.addEventListener('click',function(){"
            "var tab=yasgui.getTab();tab.setQuery(QUERIES[b.dataset.query]);tab.query();window.scrollTo(0,0);});});</script>"
        )
    body = f'<h1>Query the graph</h1>\n{editor}\n<h2>Named queries</h2><div class="grid">{examples}</div>\n{script}'
    return page(Frame("Query", lang, r, head_extra=head), body)


def _runnable(named: catalogue.NamedQuery) -> str:
    """The query ready to run elsewhere: the project's prefixes declared, its parameters'
    defaults written in (left as variables where a parameter has no default)."""
    try:
        return with_prefixes(substitute(named.text, params.substitutions(named, {})))
    except CstoKgError:
        return with_prefixes(named.text)


def entity_paths(site: Site) -> list[str]:
    """Paths of every entity with a page: the subjects under the project's IRI base,
    the ontology's terms and the graphs' descriptions left to their own pages."""
    rows = site.reader.select(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{GRAPH_ONTOLOGY}>) "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}")) }}'
    )
    out = []
    for r in rows:
        local = r["s"].value[len(BASE) :]
        if local and "#" not in local and local != "ontology" and not local.endswith("/"):
            out.append(local)
    return sorted(out)


def years(site: Site) -> list[int]:
    """The years in which some event of the graph may have happened: the build's table
    (csto_kg.building.years), else every event read once per Site."""
    if site._years is None:
        kept = kept_years(site.store_dir)
        if kept is None:
            rows = site.reader.select(
                "SELECT DISTINCT ?a ?b WHERE { ?e csto:eventType ?c ; csto:date ?d ; csto:earliest ?a ; csto:latest ?b }"
            )
            spans = [(r["a"].value[:4], r["b"].value[:4]) for r in rows]
            kept = sorted({y for a, b in spans if a.isdigit() and b.isdigit() for y in range(int(a), int(b) + 1)})
        site._years = kept
    return site._years


def year_events(site: Site, year: int) -> list[dict[str, Any]]:
    """The events of `year` as `timeline -p from YEAR-01-01 -p to YEAR-12-31` lists them,
    each once (an event the sources date twice has one row per date in that answer)."""
    rows = events(site.store_dir, year)
    if rows is None:
        rows = _timeline(site, year)
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = found.setdefault(r["event"].value, {**r, "dates": []})
        if r["date"] is not None and r["date"] not in row["dates"]:
            row["dates"].append(r["date"])
    return list(found.values())


def _timeline(site: Site, year: int) -> list[dict[str, Any]]:
    """The `timeline` named query run for one year: where the build kept no table."""
    named = catalogue.catalogue(site.layout.queries_dir).get(TIMELINE) if site.layout else None
    if named is None:
        return []
    text = query_text(named, {"from": f"{year:04d}-01-01", "to": f"{year:04d}-12-31"})
    result = site.reader.store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    return [{k: s[k] for k in COLUMNS} for s in result]  # type: ignore[union-attr]


def year_page(site: Site, year: int, languages: list[str], lang: str) -> str | None:
    """The events of one year in the timeline's order: those that may have happened in it."""
    found = year_events(site, year) if year in years(site) else []
    if not found:
        return None
    names = site.reader.labels({r["event"].value for r in found}, languages)
    rows = []
    for r in found:
        href = site.href(r["event"].value) or ""
        when = " / ".join(when_text({**r, "date": d}, lang) for d in r["dates"]) or when_text(r, lang)
        rows.append((when, f'<a href="{e(href)}">{e(names.get(r["event"].value, r["event"].value))}</a>'))
    nav = f'<p><a href="{e(site.root)}#years">all years</a></p>'
    body = f"<h1>{year}</h1>{nav}<h2>{e(word('events', lang))} ({len(rows)})</h2>" + table((word("date", lang), ""), rows, "events")
    return page(Frame(str(year), lang, site.root), body)
