"""Entity pages: what a thing is, grouped by meaning rather than by predicate."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from csto_kg.core.dates import XSD_DATE, XSD_GYEAR, XSD_GYEARMONTH
from csto_kg.core.namespaces import BASE, CSTO, PREFIXES, XSD
from csto_kg.site import svg
from csto_kg.site.data import Entity, Reader, _day
from csto_kg.site.text import Frame, e, edge_text, literal_date, page, span_text, table, word

if TYPE_CHECKING:
    from csto_kg.site import Site

PROV = PREFIXES["prov"]
OWL_SAME = PREFIXES["owl"] + "sameAs"
_EXTERNAL = (("wikidata.org", "Wikidata"), ("dbpedia.org", "DBpedia"), ("geonames.org", "GeoNames"))
_SCHEMA_TYPES = {
    "State": "Country",
    "Person": "Person",
    "Event": "Event",
    "LegalInstrument": "Legislation",
    "Organisation": "Organization",
    "Organ": "Organization",
    "Place": "Place",
    "Source": "CreativeWork",
    "Post": "Role",
}
_DATES = (XSD_DATE, XSD_GYEAR, XSD_GYEARMONTH)


class Context:
    """One page being written: the reader, the languages and the labels it has looked up."""

    def __init__(self, site: Site, entity: Entity, languages: list[str], lang: str) -> None:
        self.site = site
        self.reader: Reader = site.reader
        self.entity = entity
        self.languages = languages
        self.lang = lang
        self.names: dict[str, str] = {}
        self.linked: set[str] = set()
        self.shown: set[str] = set()  # the entity's labels and comments the header shows
        self.listed: set[str] = set()  # what a section names: not repeated under "Referred to by"

    def prepare(self, iris: set[str]) -> None:
        """Look up labels and pages of every IRI the page names, in two queries."""
        iris = {i for i in iris if i not in self.names}
        self.names.update(self.reader.labels(iris, self.languages))
        self.linked |= self.reader.pages(iris)

    def list_here(self, iris: set[str]) -> None:
        """Prepare the IRIs a section lists, and note them as listed ("Referred to by"
        does not list them again)."""
        self.prepare(iris)
        self.listed |= iris

    def name(self, iri: str) -> str:
        return self.names.get(iri) or short(iri)

    def link(self, iri: str) -> str:
        href = self.site.href(iri) if iri in self.linked or iri.startswith(CSTO) else None
        if href is None and iri.startswith(("http://", "https://")) and not iri.startswith(BASE):
            return f'<a href="{e(iri)}" rel="external">{e(self.name(iri))}</a>'
        return f'<a href="{e(href)}">{e(self.name(iri))}</a>' if href else e(self.name(iri))

    def value(self, term: Any) -> str:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.Literal):
            dtype = term.datatype.value
            if dtype in _DATES:
                return e(literal_date(term.value, dtype, self.lang))
            if dtype == XSD + "boolean":
                return "yes" if term.value in ("true", "1") else "no"
            lang = f' lang="{e(term.language)}"' if term.language else ""
            return f"<span{lang}>{e(term.value)}</span>"
        return '<span class="muted">(a node without a name)</span>'


def short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def kinds_of(entity: Entity) -> set[str]:
    return {c[len(CSTO) :] for c in entity.all_classes if c.startswith(CSTO)}


def render_entity(site: Site, entity: Entity, languages: list[str], lang: str) -> str:
    ctx = Context(site, entity, languages, lang)
    kinds = kinds_of(entity)
    sections: list[Callable[[Context], str]] = []
    if "State" in kinds:
        sections.append(_state)
    if "Event" in kinds:
        sections.append(_event)
    if kinds & {"Person", "Post", "Organ", "Organisation"}:
        sections.append(_tenures)
    if "LegalInstrument" in kinds:
        sections.append(_instrument)
    if kinds & {"Source", "SourcePart", "Page"}:
        sections.append(_source)
    if kinds & {"Agent", "State", "Person", "Organisation", "Place", "LegalInstrument", "Organ"}:
        sections.append(_events)
    sections += [_facts, _same_as, _sources, _others, _incoming]
    wanted = {s.predicate for s in entity.out + entity.naming}
    wanted |= {s.value.value for s in entity.out if isinstance(s.value, ox.NamedNode)}
    wanted |= {i for pair in entity.into for i in pair} | set(entity.all_classes) | {entity.iri}
    ctx.prepare(wanted)
    body = [_header(ctx)] + [s(ctx) for s in sections]
    title = ctx.name(entity.iri)
    frame = Frame(title, lang, site.root, site.alternates(entity.iri), _json_ld(ctx, kinds))
    return page(frame, "\n".join(b for b in body if b))


def _header(ctx: Context) -> str:
    ent = ctx.entity
    own = [c for c in ent.classes if c.startswith(CSTO)] or ent.classes
    kinds = ", ".join(ctx.link(c) for c in own)
    others = [c for c in ent.all_classes if c not in own]
    more = ""
    if others:
        listed = ", ".join(ctx.link(c) for c in others)
        more = f' <details class="muted"><summary>{e(word("other-classes", ctx.lang))}</summary>{listed}</details>'
    alt = [lab.value for lab in ent.labels if lab.value != ctx.name(ent.iri)][:6]
    aka = f'<p class="muted">{" · ".join(e(a) for a in alt)}</p>' if alt else ""
    comment = _in_language(ent.comments, ctx.languages)
    about = f"<p>{e(comment.value)}</p>" if comment else ""
    ctx.shown |= {ctx.name(ent.iri), *alt} | ({comment.value} if comment else set())
    return f'<h1>{e(ctx.name(ent.iri))}</h1>\n<div class="kind">{kinds} · <code>{e(short(ent.iri))}</code>{more}</div>\n{aka}{about}'


def _in_language(literals: list[ox.Literal], languages: list[str]) -> ox.Literal | None:
    for want in [*languages, "en"]:
        for lit in literals:
            if (lit.language or "").split("-")[0] == want.split("-")[0]:
                return lit
    return literals[0] if literals else None


def _state(ctx: Context) -> str:
    rows = ctx.reader.memberships(ctx.entity.iri)
    observers = ctx.reader.memberships(ctx.entity.iri, cls="ObserverStatus")
    today = ctx.site.today
    out = []
    row = rows[0] if rows else None
    held = svg.current(row, today) if row else None
    if held:
        colour = svg.STATUS_STYLE.get(held.status, svg.OTHER_STATUS)
        since = edge_text(held.possibly_from, held.certainly_from, ctx.lang, one_sided=False)
        out.append(
            f'<p class="today" id="standing">{e(word("today", ctx.lang))} ({e(today.isoformat())}): '
            f'<span class="status" style="background:{colour}">{e(held.status_label)}</span> '
            f'<span class="muted">{e(word("since", ctx.lang, a=since))}</span></p>'
        )
    elif row:
        out.append(
            f'<p class="today" id="standing">{e(word("today", ctx.lang))} ({e(today.isoformat())}): {e(word("not-member", ctx.lang))}</p>'
        )
    if row:
        chart = svg.membership_svg([row], today, ctx.lang, labels={row.state: ctx.name(row.state)})
        out.append(f'<h2>{e(word("membership", ctx.lang))}</h2><div class="chart">{chart}</div>{svg.legend([row])}')
        ctx.prepare({m.iri for m in row.memberships})
        out.append(_periods(ctx, row.memberships))
    for obs in observers:
        ctx.prepare({m.iri for m in obs.memberships})
        out.append(f"<h2>{e(word('observers', ctx.lang))}</h2>" + _periods(ctx, obs.memberships))
    return "\n".join(out)


def _periods(ctx: Context, memberships: list[Any]) -> str:
    ctx.listed |= {m.iri for m in memberships}
    rows = [
        (
            ctx.link(m.iri),
            e(m.status_label),
            e(edge_text(m.possibly_from, m.certainly_from, ctx.lang)),
            e(edge_text(m.certainly_until, m.possibly_until, ctx.lang) if (m.certainly_until or m.possibly_until) else "…"),
        )
        for m in memberships
    ]
    return table(("", "status", "from", "until"), rows)


def _events(ctx: Context) -> str:
    found = ctx.reader.events_of(ctx.entity.iri)
    if not found:
        return ""
    ctx.list_here({r["e"].value for r in found})
    rows = [(_when(ctx, r), ctx.link(r["e"].value)) for r in found]
    return f'<h2 id="events">{e(word("events", ctx.lang))} ({len(rows)})</h2>' + table((word("date", ctx.lang), ""), rows, "events")


def _when(ctx: Context, r: dict[str, Any]) -> str:
    return when_text(r, ctx.lang)


def when_text(r: dict[str, Any], lang: str) -> str:
    """When an event happened: its date at its precision, else the days it may fall on."""
    date = r.get("date")
    if isinstance(date, ox.Literal) and date.datatype.value in _DATES:
        return e(literal_date(date.value, date.datatype.value, lang))
    return e(span_text(_day(r.get("earliest")), _day(r.get("latest")), lang))


def _event(ctx: Context) -> str:
    ent = ctx.entity
    by = _by_predicate(ent)
    found = ctx.reader.select(
        f"SELECT ?d ?a ?b WHERE {{ OPTIONAL {{ <{ent.iri}> csto:date ?d }} "
        f"OPTIONAL {{ <{ent.iri}> csto:earliest ?a }} OPTIONAL {{ <{ent.iri}> csto:latest ?b }} }}"
    )
    r = found[0] if found else {}
    when = _when(ctx, {"date": r.get("d"), "earliest": r.get("a"), "latest": r.get("b")})
    rows = [
        (e(word("date", ctx.lang)), f'<span id="event-date">{when}</span>'),
        (e(word("type", ctx.lang)), ", ".join(ctx.link(c) for c in _event_types(ent))),
    ]
    for key, prop in (
        ("actors", "actor"),
        ("places", "place"),
        ("concerns", "concerns"),
        ("responds-to", "respondsTo"),
        ("follows", "follows"),
    ):
        if by.get(CSTO + prop):
            ctx.listed |= {v.value for v in by[CSTO + prop] if isinstance(v, ox.NamedNode)}
            rows.append((e(word(key, ctx.lang)), ", ".join(ctx.value(v) for v in by[CSTO + prop])))
    after = ctx.reader.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ VALUES ?p {{ csto:respondsTo csto:follows }} ?s ?p <{ent.iri}> }} ORDER BY ?s"
    )
    ctx.list_here({a["s"].value for a in after})
    for key, prop in (("responded-by", "respondsTo"), ("followed-by", "follows")):
        later = [ctx.link(a["s"].value) for a in after if a["p"].value == CSTO + prop]
        if later:
            rows.append((e(word(key, ctx.lang)), ", ".join(later)))
    quantities = ctx.reader.quantities(ent.iri)
    if quantities:
        rows.append((e(word("quantities", ctx.lang)), "<br>".join(_quantity(q) for q in quantities)))
    return table(("", ""), rows, "event")


def _event_types(ent: Entity) -> list[str]:
    """The most specific classes of an event, as the build wrote them (csto:eventType)."""
    found = sorted(s.value.value for s in ent.out if s.predicate == CSTO + "eventType" and isinstance(s.value, ox.NamedNode))
    return found or ent.classes


def _quantity(q: dict[str, Any]) -> str:
    value = q["value"].value if q.get("value") else ""
    if q.get("min") or q.get("max"):
        lo, hi = (q[k].value if q.get(k) else "" for k in ("min", "max"))
        value = f"{value} ({lo}–{hi})" if value else f"{lo}–{hi}"
    unit = q["unit"].value if q.get("unit") else ""
    name = f' <span class="muted">{e(q["name"].value)}</span>' if q.get("name") else ""
    return f"{e(value)} {e(unit)}{name}"


def _tenures(ctx: Context) -> str:
    found = ctx.reader.tenures(ctx.entity.iri)
    if not found:
        return ""
    ctx.list_here({r[k].value for r in found for k in ("t", "post", "holder")})
    rows = [
        (
            ctx.link(r["post"].value),
            ctx.link(r["holder"].value),
            e(edge_text(_day(r["pf"]), _day(r["cf"]), ctx.lang)),
            e(edge_text(_day(r["cu"]), _day(r["pu"]), ctx.lang) if (r["cu"] or r["pu"]) else "…"),
            ctx.link(r["t"].value),
        )
        for r in found
    ]
    return f'<h2 id="posts">{e(word("posts", ctx.lang))}</h2>' + table(("post", "holder", "from", "until", ""), rows)


def _instrument(ctx: Context) -> str:
    by = _by_predicate(ctx.entity)
    out = []
    parties = by.get(CSTO + "signedBy", [])
    if parties:
        out.append(f"<h2>{e(word('parties', ctx.lang))}</h2><p>{', '.join(ctx.value(v) for v in parties)}</p>")
    # In the order of their numbers ("Article 2" before "Article 11"), not the store's.
    articles = sorted(by.get(CSTO + "hasArticle", []), key=lambda v: _natural(ctx.name(v.value) if isinstance(v, ox.NamedNode) else str(v)))
    ctx.listed |= {v.value for v in [*parties, *articles] if isinstance(v, ox.NamedNode)}
    if articles:
        out.append(f"<h2>{e(word('articles', ctx.lang))}</h2><ul>" + "".join(f"<li>{ctx.value(v)}</li>" for v in articles) + "</ul>")
    return "\n".join(out)


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


_INSTRUMENT_SHOWN = {CSTO + "signedBy", CSTO + "hasArticle"}


def _source(ctx: Context) -> str:
    found = ctx.reader.derived_from(ctx.entity.iri)
    if not found:
        return ""
    ctx.list_here({r["s"].value for r in found})
    items = "".join(f"<li>{ctx.link(r['s'].value)}</li>" for r in found)
    return f'<h2 id="takes">{e(word("takes", ctx.lang))} ({len(found)})</h2><ul>{items}</ul>'


_SHOWN_ELSEWHERE = {PROV + "wasDerivedFrom", OWL_SAME} | {
    CSTO + name for name in ("actor", "place", "concerns", "respondsTo", "follows", "quantity", "date", "earliest", "latest", "eventType")
}


def _facts(ctx: Context) -> str:
    kinds = kinds_of(ctx.entity)
    elsewhere = _SHOWN_ELSEWHERE | (_INSTRUMENT_SHOWN if "LegalInstrument" in kinds else set())
    statements = [s for s in ctx.entity.out if s.predicate not in elsewhere]
    ctx.listed |= {s.value.value for s in statements if isinstance(s.value, ox.NamedNode)}
    if not statements:
        return ""
    inferred = ' <span class="muted" title="inferred by reasoning">(inferred)</span>'
    rows = [(ctx.link(s.predicate), ctx.value(s.value) + ("" if s.asserted else inferred)) for s in statements]
    rows.sort(key=lambda r: r[0])
    return f'<h2 id="facts">{e(word("facts", ctx.lang))}</h2>' + table(("", ""), rows, "facts")


_EVENT_SHOWN = {CSTO + name for name in ("actor", "place", "concerns", "respondsTo", "follows", "quantity", "date", "earliest", "latest")}


def _others(ctx: Context) -> str:
    """What no section above shows: labels and comments past those in the header, and the
    event properties of a thing that is not an event (or an event's type), so that every
    statement about the thing is on its page."""
    ent = ctx.entity
    hidden = _SHOWN_ELSEWHERE - {PROV + "wasDerivedFrom", OWL_SAME}
    if "Event" in kinds_of(ent):
        hidden -= _EVENT_SHOWN | {CSTO + "eventType"}  # the Type row shows it
    statements = [s for s in ent.naming if isinstance(s.value, ox.Literal) and s.value.value not in ctx.shown]
    statements += [s for s in ent.out if s.predicate in hidden]
    if not statements:
        return ""
    rows = sorted((ctx.link(s.predicate), ctx.value(s.value)) for s in statements)
    return f'<h2 id="others">{e(word("others", ctx.lang))}</h2>' + table(("", ""), rows, "facts")


def _same_as(ctx: Context) -> str:
    links = [v.value for v in _by_predicate(ctx.entity).get(OWL_SAME, []) if isinstance(v, ox.NamedNode)]
    if not links:
        return ""
    items = []
    for iri in sorted(links):
        site = next((name for host, name in _EXTERNAL if host in iri), "")
        items.append(f'<li>{e(site)} <a href="{e(iri)}" rel="external">{e(iri)}</a></li>')
    return f'<h2 id="same-as">{e(word("same-as", ctx.lang))}</h2><ul>{"".join(items)}</ul>'


def _sources(ctx: Context) -> str:
    found = _by_predicate(ctx.entity).get(PROV + "wasDerivedFrom", [])
    if not found:
        return ""
    return f'<h2 id="sources">{e(word("sources", ctx.lang))}</h2><ul>' + "".join(f"<li>{ctx.value(v)}</li>" for v in found) + "</ul>"


def _incoming(ctx: Context) -> str:
    into = [(s, p) for s, p in ctx.entity.into if p not in (PROV + "wasDerivedFrom",) and s not in ctx.listed]
    if not into:
        return ""
    shown = sorted(into, key=lambda sp: (short(sp[1]), ctx.name(sp[0])))[:200]
    rows = [(ctx.link(p), ctx.link(s)) for s, p in shown]
    more = f'<p class="muted">{e(word("more", ctx.lang, n=str(len(into) - len(shown))))}</p>' if len(into) > len(shown) else ""
    return f'<h2 id="referred">{e(word("referred", ctx.lang))}</h2>' + table(("", ""), rows) + more


def _by_predicate(entity: Entity) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for s in entity.out:
        out.setdefault(s.predicate, []).append(s.value)
    return out


def _json_ld(ctx: Context, kinds: set[str]) -> dict[str, Any]:
    ent = ctx.entity
    kind = next((t for k, t in _SCHEMA_TYPES.items() if k in kinds), "Thing")
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "@id": ent.iri, "name": ctx.name(ent.iri)}
    same = [v.value for v in _by_predicate(ent).get(OWL_SAME, [])]
    if same:
        data["sameAs"] = same
    comment = _in_language(ent.comments, ctx.languages)
    if comment:
        data["description"] = comment.value
    date = next((s.value for s in ent.out if s.predicate == CSTO + "date"), None)
    if kind == "Event" and isinstance(date, ox.Literal):
        data["startDate"] = date.value
    return data


def today() -> dt.date:
    return dt.date.today()
