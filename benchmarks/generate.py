"""Generate an alliance graph shaped like the project's, of a given size, for benchmarks.

    python benchmarks/generate.py --triples 100000 -o /tmp/g100k.nt

The output (N-Triples) is the project's ontology (ontology/*.ttl) followed by generated
instance data in the shapes of graph/article/*.ttl: states with capitals, population
and area; alliances with their treaty, charter, articles and organs; memberships and
observer statuses over csto:during intervals whose time:hasBeginning/time:hasEnd
instants carry time:inXSDDate, time:inXSDgYearMonth or time:inXSDgYear; posts, people
and tenures; dated events with csto:actor, csto:date and prov:wasDerivedFrom; and the
source parts the facts cite. Generation stops at exactly --triples triples (the last
entity may be cut short). Same arguments, same output. With --no-ontology only the
instance data is written, to sit beside the project's sources, which bring the ontology.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent

CSTO = "https://w3id.org/csto-kg/ontology#"
KG = "https://w3id.org/csto-kg/id/"
FACT = "https://w3id.org/csto-kg/fact/"
EV = "https://w3id.org/csto-kg/event/"
TM = "https://w3id.org/csto-kg/time/"
SRC = "https://w3id.org/csto-kg/source/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"

STATUSES = ["TreatyParty", "FullMember", "FullMember", "FullMember", "Suspended", "ParticipationFrozen", "WithdrawalAnnounced"]
ORGANS = ["Council", "Council", "ParliamentaryAssembly", "Secretariat", "JointStaff", "RapidReactionForce", "PeacekeepingForce"]
SYLLABLES = ["ar", "be", "ka", "ky", "ru", "ta", "uz", "az", "ge", "mo", "sta", "lan", "dor", "vik", "min", "tor", "bel", "gra"]


def ontology_lines() -> list[str]:
    """The project's ontology as N-Triples lines, blank nodes numbered in order."""
    bnodes: dict[str, ox.BlankNode] = {}

    def stable(term):
        if isinstance(term, ox.BlankNode):
            return bnodes.setdefault(term.value, ox.BlankNode(f"o{len(bnodes)}"))
        return term

    lines: list[str] = []
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        found = [ox.Triple(stable(t.subject), t.predicate, stable(t.object)) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        text = ox.serialize(found, format=ox.RdfFormat.N_TRIPLES)
        lines.extend(line for line in text.decode().splitlines() if line.strip())
    return lines


def event_classes() -> list[str]:
    """csto:Event and its subclasses, from the ontology."""
    store = ox.Store()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = f"SELECT ?c WHERE {{ ?c <{RDFS}subClassOf>* <{CSTO}Event> }}"
    found = sorted({row["c"].value for row in store.query(query) if isinstance(row["c"], ox.NamedNode)})
    return [c for c in found if c.startswith(CSTO)] or [CSTO + "Event"]


def _iri(x: str) -> str:
    return f"<{x}>"


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


class _World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.instants: set[str] = set()
        self.intervals: set[str] = set()
        self.events = event_classes()

    def name(self) -> str:
        r = self.rng
        return "".join(r.choice(SYLLABLES) for _ in range(r.randint(2, 3))).capitalize()

    def date(self, lo: int = 1990, hi: int = 2025) -> tuple[str, str]:
        """A date at one of the article's precisions: (lexical form, xsd datatype)."""
        r = self.rng
        year = r.randint(lo, hi)
        roll = r.random()
        if roll < 0.7:
            return f"{year:04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", "date"
        if roll < 0.8:
            return f"{year:04d}-{r.randint(1, 12):02d}", "gYearMonth"
        return f"{year:04d}", "gYear"

    def instant(self, date: tuple[str, str]) -> Iterator[tuple[str, str, str]]:
        lexical, dt = date
        iri = TM + lexical
        if iri not in self.instants:
            self.instants.add(iri)
            prop = {"date": "inXSDDate", "gYearMonth": "inXSDgYearMonth", "gYear": "inXSDgYear"}[dt]
            yield _iri(iri), _iri(TIME + prop), _lit(lexical, XSD + dt)

    def interval(self, begin: tuple[str, str] | None, end: tuple[str, str] | None) -> tuple[str, list]:
        name = (begin[0] if begin else "until") + "_" + (end[0] if end else "open")
        iri = TM + name
        out: list = []
        if iri not in self.intervals:
            self.intervals.add(iri)
            if begin:
                out += list(self.instant(begin))
                out.append((_iri(iri), _iri(TIME + "hasBeginning"), _iri(TM + begin[0])))
            if end:
                out += list(self.instant(end))
                out.append((_iri(iri), _iri(TIME + "hasEnd"), _iri(TM + end[0])))
        return iri, out


def _block(world: _World, b: int) -> Iterator[tuple[str, str, str]]:
    """One alliance with its states, organs, memberships, posts, tenures, events, sources."""
    r = world.rng
    a = lambda s, cls: (_iri(s), _iri(RDF_TYPE), _iri(CSTO + cls))  # noqa: E731
    label = lambda s, text, lang="en": (_iri(s), _iri(RDFS + "label"), _lit(text, lang=lang))  # noqa: E731
    rel = lambda s, p, o: (_iri(s), _iri(p), _iri(o))  # noqa: E731
    val = lambda s, p, v, dt=None, lang=None: (_iri(s), _iri(p), _lit(v, dt, lang))  # noqa: E731

    # sources
    root = f"{SRC}root-{b}"
    yield a(root, "Source")
    yield label(root, f"Source {b}")
    yield val(root, CSTO + "key", f"source-{b}", XSD + "string")
    yield val(root, DCT + "title", f"Collection {b}")
    parts = []
    for k in range(12):
        part = f"{SRC}part-{b}-{k}"
        parts.append(part)
        yield a(part, "SourcePart")
        yield rel(part, DCT + "isPartOf", root)
        yield label(part, f"section {k} of source {b}")
        yield rel(part, SCHEMA + "url", f"https://example.org/source/{b}#part-{k}")

    def derived(s: str) -> Iterator[tuple[str, str, str]]:
        for part in r.sample(parts, r.randint(1, 2)):
            yield rel(s, PROV + "wasDerivedFrom", part)

    # regions, states and capitals
    regions = [f"{KG}region-{b}-{k}" for k in range(3)]
    for region in regions:
        yield a(region, "Region")
        yield label(region, world.name() + " region")
    states, cities = [], []
    for k in range(10):
        state, city = f"{KG}state-{b}-{k}", f"{KG}city-{b}-{k}"
        states.append(state)
        cities.append(city)
        yield a(state, "State")
        yield label(state, world.name())
        yield rel(state, CSTO + "capital", city)
        if r.random() < 0.7:
            yield val(state, CSTO + "population", str(r.randint(100_000, 150_000_000)), XSD + "integer")
            yield val(state, CSTO + "areaKm2", f"{r.randint(1_000, 17_000_000)}.0", XSD + "decimal")
        yield from derived(state)
        yield a(city, "City")
        yield label(city, world.name())
        yield rel(city, CSTO + "locatedIn", state)
        yield from derived(city)

    # the alliance, its legal instruments and organs
    alliance = f"{KG}alliance-{b}"
    treaty, charter = f"{KG}treaty-{b}", f"{KG}charter-{b}"
    yield a(alliance, "MilitaryAlliance")
    yield label(alliance, f"Alliance {b}")
    yield label(alliance, f"Союз {b}", "ru")
    yield val(alliance, CSTO + "abbreviation", f"A{b}", lang="en")
    yield rel(alliance, CSTO + "headquarters", cities[0])
    yield val(alliance, CSTO + "workingLanguage", "ru", XSD + "language")
    yield rel(alliance, CSTO + "location", regions[0])
    for region in regions[1:]:
        yield rel(alliance, CSTO + "regionServed", region)
    yield rel(alliance, CSTO + "basedOn", treaty)
    yield rel(alliance, CSTO + "basedOn", charter)
    if b > 0:
        yield rel(alliance, CSTO + "replaces", f"{KG}alliance-{b - 1}")
    yield from derived(alliance)
    yield a(treaty, "Treaty")
    yield label(treaty, f"Treaty {b}")
    yield val(treaty, CSTO + "termYears", "5", XSD + "integer")
    articles = []
    for n in (1, 4):
        article = f"{KG}treaty-{b}-article-{n}"
        articles.append(article)
        yield rel(treaty, CSTO + "hasArticle", article)
        yield a(article, "TreatyArticle")
        yield label(article, f"Article {n} of treaty {b}")
        yield val(article, CSTO + "articleNumber", str(n), XSD + "integer")
        if b > 0:
            yield rel(article, CSTO + "comparableTo", f"{KG}treaty-{b - 1}-article-{n}")
        yield from derived(article)
    yield from derived(treaty)
    yield a(charter, "Charter")
    yield label(charter, f"Charter {b}")
    yield val(charter, DCT + "date", str(r.randint(1990, 2010)), XSD + "gYear")
    yield from derived(charter)
    organs = []
    for k, cls in enumerate(ORGANS):
        organ = f"{KG}organ-{b}-{k}"
        organs.append(organ)
        yield a(organ, cls)
        yield label(organ, f"{cls} {k} of alliance {b}")
        yield rel(organ, CSTO + "organOf", alliance)
        if r.random() < 0.3:
            yield (_iri(organ), _iri(SKOS + "altLabel"), _lit(world.name(), lang="en"))
        yield from derived(organ)

    # events (made first so that memberships can cite them)
    events = []
    for k in range(60):
        event = f"{EV}{b}-{k}"
        events.append(event)
        yield (_iri(event), _iri(RDF_TYPE), _iri(r.choice(world.events)))
        yield label(event, f"Event {k} of alliance {b}")
        lexical, dt = world.date()
        yield val(event, CSTO + "date", lexical, XSD + dt)
        for actor in r.sample(states, r.randint(1, 4)):
            yield rel(event, CSTO + "actor", actor)
        if r.random() < 0.3:
            yield rel(event, CSTO + "actor", alliance)
        yield rel(event, CSTO + "concerns", r.choice([alliance, treaty, r.choice(organs), r.choice(articles)]))
        if r.random() < 0.5:
            yield rel(event, CSTO + "place", r.choice(cities))
        if k and r.random() < 0.2:
            yield rel(event, CSTO + r.choice(["follows", "respondsTo", "partOfEvent"]), r.choice(events[:-1]))
        yield from derived(event)

    # memberships of states and observer statuses
    for k, state in enumerate(states):
        begin = world.date(1990, 2005)
        periods = r.randint(1, 3)
        for n in range(periods):
            end = world.date(int(begin[0][:4]) + 1, 2026) if n < periods - 1 or r.random() < 0.3 else None
            membership = f"{FACT}membership-{b}-{k}-{n}"
            interval, triples = world.interval(begin, end)
            yield from triples
            yield a(membership, "Membership")
            yield label(membership, f"State {k} in alliance {b}, period {n}")
            yield rel(membership, CSTO + "member", state)
            yield rel(membership, CSTO + "organisation", alliance)
            yield rel(membership, CSTO + "status", CSTO + r.choice(STATUSES))
            yield rel(membership, CSTO + "during", interval)
            yield rel(membership, CSTO + "startedBy", r.choice(events))
            if end:
                yield rel(membership, CSTO + "endedBy", r.choice(events))
            yield from derived(membership)
            if end is None or int(end[0][:4]) >= 2025:
                break
            begin = end
    for k in range(2):
        observer = f"{FACT}observer-{b}-{k}"
        interval, triples = world.interval(world.date(2000, 2020), None)
        yield from triples
        yield a(observer, "ObserverStatus")
        yield label(observer, f"Observer {k} in alliance {b}")
        yield rel(observer, CSTO + "member", r.choice(states))
        yield rel(observer, CSTO + "organisation", organs[2])
        yield rel(observer, CSTO + "status", CSTO + "Observer")
        yield rel(observer, CSTO + "during", interval)
        yield from derived(observer)

    # posts, people, tenures
    for k in range(2):
        post = f"{KG}post-{b}-{k}"
        yield a(post, "Post")
        yield label(post, f"Post {k} of alliance {b}")
        yield rel(post, CSTO + "postIn", alliance if k == 0 else organs[4])
        yield from derived(post)
        previous = None
        year = r.randint(1995, 2005)
        for n in range(3):
            person, tenure = f"{KG}person-{b}-{k}-{n}", f"{FACT}tenure-{b}-{k}-{n}"
            yield a(person, "Person")
            yield label(person, world.name() + " " + world.name())
            yield from derived(person)
            yield a(tenure, "Tenure")
            yield label(tenure, f"Person {n} as post {k} of alliance {b}")
            yield rel(tenure, CSTO + "post", post)
            yield rel(tenure, CSTO + "holder", person)
            if previous:
                yield rel(tenure, CSTO + "succeeds", previous)
            begin = (f"{year:04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", "date")
            year += r.randint(2, 6)
            end = (f"{year:04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", "date") if n < 2 else None
            interval, triples = world.interval(begin, end)
            yield from triples
            yield rel(tenure, CSTO + "heldDuring", interval)
            attested = world.date(int(begin[0][:4]), int(begin[0][:4]) + 1)
            yield from world.instant(attested)
            yield rel(tenure, CSTO + "attestedOn", TM + attested[0])
            yield from derived(tenure)
            previous = tenure


def generate(n_triples: int, seed: int = 1, ontology: bool = True) -> list[str]:
    """N-Triples lines: the ontology (unless told not to), then instance data, n_triples in all."""
    lines = ontology_lines() if ontology else []
    if len(lines) >= n_triples:
        return lines[:n_triples]
    world = _World(random.Random(seed))
    b = 0
    while True:
        for s, p, o in _block(world, b):
            lines.append(f"{s} {p} {o} .")
            if len(lines) >= n_triples:
                return lines
        b += 1


def triples(n_triples: int, seed: int = 1) -> list[ox.Triple]:
    """The generated graph as pyoxigraph triples."""
    data = "\n".join(generate(n_triples, seed)) + "\n"
    return list(ox.parse(data.encode(), format=ox.RdfFormat.N_TRIPLES))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000, help="number of triples (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", help="N-Triples file to write (default: standard output)")
    parser.add_argument(
        "--no-ontology",
        action="store_true",
        help="instance data only, to add to the project's sources (which bring the ontology)",
    )
    args = parser.parse_args(argv)
    text = "\n".join(generate(args.triples, args.seed, ontology=not args.no_ontology)) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
