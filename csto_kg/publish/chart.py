"""Charts of the graph: membership over time, and events per year.

matplotlib is an optional extra (`pip install 'csto-kg[chart]'`); it is imported when a
chart is drawn, never at start-up, and only through its object-oriented API with the Agg
canvas: no pyplot, no global backend switch, so drawing a chart in a notebook leaves the
notebook's own backend alone.

Every artist that a test or a reader may want to find carries a gid, which the SVG
output keeps as an element id:

- `row-<state>`: a state's row label (one per state that was ever a party or member);
- `bar-<state>-<n>`: the whole possible extent of the state's n-th membership, in
  chronological order; `certain-<state>-<n>`: the stretch it certainly held;
- `event-<event>-<state>` / `event-<event>`: a key event on a state's row / above them;
- `milestone-<event>`: a founding, signing, entry into force or renewal as a line;
- `date-line`: the line of --date; `events-<year>-<class>`: a segment of the timeline.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from csto_kg import __version__
from csto_kg.core.errors import CstoKgError, UsageError
from csto_kg.core.namespaces import CSTO, GRAPH_ARTICLE, GRAPH_INFERRED, KG, PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox
    from matplotlib.figure import Figure

    from csto_kg.core.paths import Layout

START = dt.date(1992, 5, 15)  # the treaty's signature: where the membership chart begins
EV = PREFIXES["ev"]
FORMATS = ("svg", "png", "pdf")

# How each status is drawn (Okabe-Ito colours, distinguishable with colour blindness).
STATUS_STYLE = {
    CSTO + "TreatyParty": "#56B4E9",
    CSTO + "FullMember": "#0072B2",
    CSTO + "ParticipationFrozen": "#E69F00",
    CSTO + "WithdrawalAnnounced": "#CC79A7",
    CSTO + "Suspended": "#D55E00",
}
OTHER_STATUS = "#999999"

# Key events drawn as markers on the rows of the states they involve; first match wins.
# class -> (marker, colour, size, scoped): a scoped class counts only when the event
# involves the CSTO, one of its organs or the treaty (not, say, leaving another alliance).
KEY_EVENTS = {
    CSTO + "ArticleInvocation": ("*", "#C00000", 11, False),
    CSTO + "Deployment": ("^", "#006D2C", 8, True),
    CSTO + "ForcesWithdrawal": ("v", "#006D2C", 8, True),
    CSTO + "Suspension": ("X", "#000000", 8, True),
    CSTO + "Withdrawal": ("x", "#000000", 7, True),
}
# Events of the treaty or the organisation as a whole, drawn as lines across all rows.
MILESTONES = {
    CSTO + "Founding": (KG + "csto", "CSTO founded"),
    CSTO + "Signing": (KG + "collective-security-treaty", "treaty signed"),
    CSTO + "EntryIntoForce": (KG + "collective-security-treaty", "treaty in force"),
    CSTO + "Renewal": (KG + "collective-security-treaty", "treaty renewed"),
}


def _matplotlib() -> Any:
    """matplotlib, or a one-line error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise CstoKgError("matplotlib is not installed: pip install 'csto-kg[chart]'") from None
    return matplotlib


def slug(iri: str) -> str:
    """The last segment of an IRI, usable in an id: kg:armenia -> armenia."""
    local = re.split(r"[/#]", iri.rstrip("/#"))[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", local).strip("-") or "x"


def chart_format(path: str | Path, fmt: str | None = None) -> str:
    """svg, png or pdf: `fmt`, else the output's extension; standard output defaults to SVG."""
    if fmt:
        name = fmt.lower().lstrip(".")
    elif str(path) == "-":
        name = "svg"
    else:
        name = Path(path).suffix.lower().lstrip(".")
    if name not in FORMATS:
        raise UsageError(f"cannot tell the chart format of {str(path)!r}: use a name ending in .svg, .png or .pdf, or --format")
    return name


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


@dataclass
class Membership:
    iri: str
    state: str
    status: str
    status_label: str
    counts: bool  # whether the status counts the state as a member
    possibly_from: dt.date | None
    certainly_from: dt.date | None
    certainly_until: dt.date | None  # exclusive
    possibly_until: dt.date | None  # exclusive; None while it goes on


@dataclass
class Row:
    state: str
    name: str
    memberships: list[Membership] = field(default_factory=list)


@dataclass
class KeyEvent:
    iri: str
    kind: str  # class IRI
    kind_label: str
    label: str
    earliest: dt.date
    latest: dt.date
    states: set[str] = field(default_factory=set)


def _rows(store: ox.Store, text: str, **params: str) -> list[dict[str, Any]]:
    from csto_kg.querying.catalogue import from_text
    from csto_kg.querying.sparql import run_on_store

    return run_on_store(store, from_text(text), params).records()


_MEMBERSHIPS = f"""
SELECT ?m ?state ?name ?status ?statusLabel ?counts ?pf ?cf ?cu ?pu
WHERE {{
  GRAPH <{GRAPH_ARTICLE}> {{
    ?m a csto:Membership ; csto:member ?state ; csto:organisation kg:csto ; csto:status ?status .
  }}
  OPTIONAL {{ ?status rdfs:label ?statusLabel . FILTER(lang(?statusLabel) = "en") }}
  OPTIONAL {{ ?status csto:countsAsMember ?counts }}
  OPTIONAL {{ ?m csto:possiblyFrom ?pf }}
  OPTIONAL {{ ?m csto:certainlyFrom ?cf }}
  OPTIONAL {{ ?m csto:certainlyUntil ?cu }}
  OPTIONAL {{ ?m csto:possiblyUntil ?pu }}
  OPTIONAL {{ ?state rdfs:label ?name . FILTER(lang(?name) = "en") }}
}}
"""


def memberships(store: ox.Store) -> list[Row]:
    """One row per state that was ever a party or member (article graph), memberships in order."""
    rows: dict[str, Row] = {}
    for r in _rows(store, _MEMBERSHIPS):
        row = rows.setdefault(r["state"], Row(r["state"], r["name"] or slug(r["state"])))
        if any(m.iri == r["m"] for m in row.memberships):
            continue
        row.memberships.append(
            Membership(
                iri=r["m"],
                state=r["state"],
                status=r["status"],
                status_label=r["statusLabel"] or slug(r["status"]),
                counts=r["counts"] is not False,
                possibly_from=r["pf"],
                certainly_from=r["cf"],
                certainly_until=r["cu"],
                possibly_until=r["pu"],
            )
        )

    def begin(m: Membership) -> dt.date:
        return m.possibly_from or m.certainly_from or dt.date.min

    for row in rows.values():
        row.memberships.sort(key=lambda m: (begin(m), m.iri))
    return sorted(rows.values(), key=lambda row: (begin(row.memberships[0]), row.name))


_KEY_EVENTS = """
SELECT ?event ?class ?classLabel ?label ?earliest ?latest ?state
WHERE {
  VALUES (?class ?scoped) { %s }
  ?event a ?class ; csto:earliest ?earliest ; csto:latest ?latest .
  FILTER(!?scoped || EXISTS {
    ?event csto:actor|csto:concerns ?about .
    FILTER(?about IN (kg:csto, kg:collective-security-treaty) || EXISTS { ?about csto:organOf kg:csto })
  })
  OPTIONAL { ?class rdfs:label ?classLabel . FILTER(lang(?classLabel) = "en") }
  OPTIONAL { ?event rdfs:label ?label . FILTER(lang(?label) = "en") }
  OPTIONAL {
    { ?event csto:actor ?state } UNION { ?event csto:concerns ?state } UNION { ?event csto:place ?state }
    UNION { ?event csto:place/csto:locatedIn+ ?state }
    ?state a csto:State .
  }
}
"""


def key_events(store: ox.Store, classes: dict[str, Any] | None = None) -> list[KeyEvent]:
    """Events of the key classes (queried by class, so new events appear by themselves)."""
    classes = KEY_EVENTS if classes is None else classes
    values = " ".join(f"(<{c}> {'true' if spec[3] else 'false'})" for c, spec in classes.items())
    found: dict[str, KeyEvent] = {}
    rank = {c: i for i, c in enumerate(classes)}
    for r in _rows(store, _KEY_EVENTS % values):
        event = found.get(r["event"])
        if event is None or rank[r["class"]] < rank[event.kind]:
            states = event.states if event else set()
            kind_label = r["classLabel"] or slug(r["class"])
            event = KeyEvent(r["event"], r["class"], kind_label, r["label"] or slug(r["event"]), r["earliest"], r["latest"], states)
            found[r["event"]] = event
        if r["state"]:
            event.states.add(r["state"])
    return sorted(found.values(), key=lambda e: (e.earliest, e.iri))


_MILESTONES = """
SELECT DISTINCT ?event ?class ?earliest ?latest
WHERE {
  VALUES (?class ?about) { %s }
  ?event a ?class ; csto:concerns ?about ; csto:earliest ?earliest ; csto:latest ?latest .
}
"""


def milestones(store: ox.Store) -> list[KeyEvent]:
    """Founding of the CSTO; signing, entry into force and renewal of the treaty."""
    values = " ".join(f"(<{c}> <{about}>)" for c, (about, _label) in MILESTONES.items())
    found: dict[str, KeyEvent] = {}
    for r in _rows(store, _MILESTONES % values):
        found.setdefault(r["event"], KeyEvent(r["event"], r["class"], MILESTONES[r["class"]][1], "", r["earliest"], r["latest"]))
    return sorted(found.values(), key=lambda e: (e.earliest, e.iri))


def members_on(store: ox.Store, layout: Layout, date: str) -> list[dict[str, Any]]:
    """The `members` named query on a date: name, status and whether it is certain."""
    from csto_kg.querying.catalogue import catalogue
    from csto_kg.querying.sparql import run_on_store

    known = catalogue(layout.queries_dir)
    if "members" not in known:
        raise CstoKgError(f"the named query `members` is missing from {layout.queries_dir}")
    return run_on_store(store, known["members"], {"date": date}).records()


# ---------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _num(day: dt.date) -> float:
    from matplotlib.dates import date2num

    return float(date2num(day))


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def membership_figure(
    store: ox.Store,
    layout: Layout | None = None,
    date: str | None = None,
    today: dt.date | None = None,
) -> Figure:
    """The membership chart as a matplotlib Figure (displayed inline in a notebook).

    One row per state that was ever a party or member; one bar per membership, coloured
    by status; a stretch known only to the year or month is hatched and faded. Key events
    are markers; foundings and treaty milestones are lines. With `date` (and the layout,
    to find the `members` query), a line at that day and the list of members on it.
    """
    from matplotlib.colors import to_rgba
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, YearLocator
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.transforms import blended_transform_factory

    today = today or dt.date.today()
    rows = memberships(store)
    if not rows:
        raise CstoKgError("no memberships of kg:csto in the article graph: nothing to chart")
    events = key_events(store)
    lines = [m for m in milestones(store) if START <= m.earliest <= today]
    members: list[dict[str, Any]] = []
    day: dt.date | None = None
    if date is not None:
        if layout is None:
            raise UsageError("a chart with a date needs the layout, to run the `members` query")
        members = members_on(store, layout, date)
        from csto_kg.core.dates import parse_user_date

        day = dt.date.fromisoformat(parse_user_date(date)[0])

    index = {row.state: i for i, row in enumerate(rows)}
    stray = [e for e in events if not (e.states & index.keys())]
    figure = _figure(12, 1.9 + 0.42 * len(rows) + (0.4 if stray else 0) + (0.3 if members else 0))
    ax = figure.add_subplot()
    left = min([START] + [m.possibly_from for r in rows for m in r.memberships if m.possibly_from] + ([day] if day else []))
    right = max([today] + ([day] if day else []))

    statuses: dict[str, tuple[str, str]] = {}  # status IRI -> (label, colour)
    for i, row in enumerate(rows):
        for n, m in enumerate(row.memberships, start=1):
            colour = STATUS_STYLE.get(m.status, OTHER_STATUS)
            statuses.setdefault(m.status, (m.status_label, colour))
            height = 0.62 if m.counts else 0.32
            goes_on = m.possibly_until is None
            start = m.possibly_from or left
            end = m.possibly_until or today
            sure_from = m.certainly_from or start
            sure_until = m.certainly_until or (today if goes_on else sure_from)
            whole = Rectangle(
                (_num(start), i - height / 2),
                _num(end) - _num(start),
                height,
                facecolor=to_rgba(colour, 0.25),
                hatch="////",
                edgecolor=colour,
                linewidth=0.8,
                gid=f"bar-{slug(row.state)}-{n}",
                label=m.iri,
            )
            ax.add_patch(whole)
            if sure_until > sure_from:
                ax.add_patch(
                    Rectangle(
                        (_num(sure_from), i - height / 2),
                        _num(sure_until) - _num(sure_from),
                        height,
                        facecolor=colour,
                        edgecolor=colour,
                        linewidth=0.8,
                        gid=f"certain-{slug(row.state)}-{n}",
                    )
                )
            if goes_on:
                ax.plot([_num(end)], [i], marker=">", color=colour, markersize=7, gid=f"goes-on-{slug(row.state)}-{n}")

    for line in lines:
        x = _num(line.earliest)
        ax.axvline(x, color="#555555", linestyle="--", linewidth=0.9, zorder=0.5, gid=f"milestone-{slug(line.iri)}")
        ax.text(
            x,
            1.005,
            line.kind_label,
            transform=blended_transform_factory(ax.transData, ax.transAxes),
            rotation=35,
            fontsize=7.5,
            color="#333333",
            ha="left",
            va="bottom",
        )

    def mark(event: KeyEvent, y: float, gid: str) -> None:
        marker, colour, size, _scoped = KEY_EVENTS[event.kind]
        if event.latest > event.earliest:  # known only to the month or year: a range
            ax.plot([_num(event.earliest), _num(event.latest)], [y, y], color=colour, linewidth=2, alpha=0.5, solid_capstyle="butt")
        middle = event.earliest + (event.latest - event.earliest) / 2
        edge = colour if marker in ("x", "+", "|", "_") else "white"  # line markers are drawn by their edge
        ax.plot(
            [_num(middle)],
            [y],
            marker=marker,
            color=colour,
            markersize=size,
            markeredgecolor=edge,
            markeredgewidth=1.6 if edge == colour else 0.6,
            linestyle="none",
            gid=gid,
            zorder=5,
        )

    kinds: dict[str, str] = {}
    for event in events:
        kinds.setdefault(event.kind, event.kind_label)
        on_rows = sorted(index[s] for s in event.states if s in index)
        for y in on_rows:
            mark(event, y, f"event-{slug(event.iri)}-{slug(rows[y].state)}")
        if not on_rows:
            mark(event, -0.95, f"event-{slug(event.iri)}")

    if day is not None:
        ax.axvline(_num(day), color="#C00000", linewidth=1.6, zorder=6, gid="date-line")
        ax.text(_num(day), len(rows) - 0.42, f" {day.isoformat()}", color="#C00000", fontsize=8, va="bottom")

    ax.set_yticks(range(len(rows)))
    labels = ax.set_yticklabels([row.name for row in rows])
    on_date = {r["state"] for r in members}
    for row, label in zip(rows, labels, strict=True):
        label.set_gid(f"row-{slug(row.state)}")
        if row.state in on_date:
            label.set_fontweight("bold")
    ax.set_ylim(len(rows) - 0.4, -1.5 if stray else -0.6)
    ax.set_xlim(_num(left) - 200, _num(right) + 300)
    ax.xaxis.set_major_locator(AutoDateLocator(minticks=8, maxticks=20))
    ax.xaxis.set_major_formatter(ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.xaxis.set_minor_locator(YearLocator())
    ax.grid(axis="x", which="major", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if stray:  # events on no state's row: a strip above the rows, labelled like a row but not one
        strip = blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(-0.008, -0.95, "other events", transform=strip, fontsize=8, fontstyle="italic", color="#555555", ha="right", va="center")

    title = f"Parties to the Collective Security Treaty and members of the CSTO, {_long_date(START)} to {_long_date(today)}"
    figure.suptitle(title, x=0.01, ha="left", fontsize=12)
    if day is not None:
        names = [r["name"] + ("" if r["certain"] else " (?)") for r in members]
        text = f"Members on {_long_date(day)} ({len(names)}): {', '.join(names)}" if names else f"No members on {_long_date(day)}"
        if any(not r["certain"] for r in members):
            text += "  (?: the date may fall on either side of a date known only to the year or month)"
        subtitle = ax.set_title(textwrap.fill(text, 150), loc="left", fontsize=9, color="#C00000", pad=38 if lines else 8)
        subtitle.set_gid("members-on-date")
    elif lines:
        ax.set_title(" ", loc="left", pad=30)  # room for the milestone labels

    handles: list[Any] = []
    for iri in STATUS_STYLE:  # every status the chart can show, in a fixed order
        label = statuses.get(iri, (slug(iri), ""))[0]
        if iri not in statuses:
            label = re.sub(r"(?<!^)(?=[A-Z])", " ", slug(iri)).lower()
        handles.append(Patch(facecolor=STATUS_STYLE[iri], edgecolor=STATUS_STYLE[iri], label=label))
    for iri, (label, colour) in statuses.items():
        if iri not in STATUS_STYLE:
            handles.append(Patch(facecolor=colour, label=label))
    uncertain = "date known only to the year or month"
    handles.append(Patch(facecolor=to_rgba("#777777", 0.25), hatch="////", edgecolor="#777777", label=uncertain))
    handles.append(Line2D([], [], marker=">", color="#777777", linestyle="none", label="goes on"))
    for kind, label in kinds.items():
        marker, colour, size, _scoped = KEY_EVENTS[kind]
        handles.append(Line2D([], [], marker=marker, color=colour, markersize=size * 0.8, linestyle="none", label=label))
    if lines:
        handles.append(Line2D([], [], color="#555555", linestyle="--", label="founding / treaty milestone"))
    if day is not None:
        handles.append(Line2D([], [], color="#C00000", linewidth=1.6, label=f"{day.isoformat()} (members in bold)"))
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    figure.supxlabel(
        "Source: English Wikipedia, “Collective Security Treaty Organization” (CC BY-SA 4.0). "
        f"Thin bars: a status that does not count as membership. csto-kg {__version__}",
        x=0.99,
        ha="right",
        fontsize=6.5,
        color="#666666",
    )
    return figure


_TIMELINE = f"""
SELECT ?event ?class ?earliest ?latest
WHERE {{
  ?event a csto:Event .
  GRAPH ?g {{ ?event a ?class }}
  FILTER(?g != <{GRAPH_INFERRED}>)
  OPTIONAL {{ ?event csto:earliest ?earliest }}
  OPTIONAL {{ ?event csto:latest ?latest }}
}}
"""

_SUPERCLASSES = f"""
SELECT ?class ?super ?label
WHERE {{
  ?class rdfs:subClassOf csto:Event , ?super .
  ?super rdfs:subClassOf csto:Event .
  OPTIONAL {{ ?class rdfs:label ?label . FILTER(lang(?label) = "en") }}
  FILTER(STRSTARTS(STR(?class), "{CSTO}"))
}}
"""


@dataclass
class Timeline:
    years: list[int]
    counts: dict[str, list[int]]  # class label -> events per year (same order as years)
    classes: dict[str, str]  # class label -> class IRI ("" for the grouped "other")
    undated: int

    @property
    def total(self) -> int:
        return sum(sum(c) for c in self.counts.values())


def timeline_data(store: ox.Store, top: int = 15) -> Timeline:
    """Events per year by their most specific asserted class; the rarest classes grouped as "other"."""
    supers: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for r in _rows(store, _SUPERCLASSES):
        supers[r["class"]].add(r["super"])
        if r["label"]:
            labels[r["class"]] = r["label"]
    classes_of: dict[str, set[str]] = defaultdict(set)
    when: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for r in _rows(store, _TIMELINE):
        if r["class"] in supers or r["class"] == CSTO + "Event":
            classes_of[r["event"]].add(r["class"])
        when[r["event"]] = (r["earliest"], r["latest"])
    per_class: Counter[tuple[int, str]] = Counter()
    undated = 0
    for event, classes in classes_of.items():
        earliest, _latest = when.get(event, (None, None))
        if earliest is None:
            undated += 1
            continue
        # The most specific class: one that no other of the event's classes is below.
        specific = sorted(c for c in classes if not any(c != o and c in supers.get(o, ()) for o in classes))
        per_class[(earliest.year, specific[0] if specific else CSTO + "Event")] += 1
    if not per_class:
        return Timeline([], {}, {}, undated)
    totals: Counter[str] = Counter()
    for (_year, cls), n in per_class.items():
        totals[cls] += n
    ranked = [cls for cls, _n in sorted(totals.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0])))]
    kept = ranked if len(ranked) <= top + 1 else ranked[:top]
    years = list(range(min(y for y, _c in per_class), max(y for y, _c in per_class) + 1))
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for cls in kept:
        label = labels.get(cls, slug(cls))
        names[label] = cls
        counts[label] = [per_class.get((y, cls), 0) for y in years]
    if len(kept) < len(ranked):
        rest = set(ranked) - set(kept)
        other = f"other ({len(rest)} classes)"
        names[other] = ""
        counts[other] = [sum(per_class.get((y, cls), 0) for cls in rest) for y in years]
    return Timeline(years, counts, names, undated)


def timeline_figure(store: ox.Store, top: int = 15) -> Figure:
    """Events per year, stacked by event class, as a matplotlib Figure.

    The `top` most frequent classes get a colour each; the rest are stacked as "other".
    """
    data = timeline_data(store, top)
    if not data.years:
        raise CstoKgError("no dated events in the graph: nothing to chart")
    from matplotlib.patches import Patch

    figure = _figure(12, 6)
    ax = figure.add_subplot()
    palette = [
        "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000",
        "#8C564B", "#9467BD", "#BCBD22", "#17BECF", "#FF9DA7", "#A6761D", "#1B9E77", "#7F7F7F",
    ]  # fmt: skip
    bottom = [0] * len(data.years)
    handles = []
    for k, (label, values) in enumerate(data.counts.items()):
        name = slug(data.classes[label]) if data.classes[label] else "other"
        colour = "#CCCCCC" if name == "other" else palette[k % len(palette)]
        for year, value, base in zip(data.years, values, bottom, strict=True):
            if value:
                ax.bar(year, value, bottom=base, width=0.8, color=colour, edgecolor="white", linewidth=0.5, gid=f"events-{year}-{name}")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        handles.append(Patch(facecolor=colour, label=f"{label} ({sum(values)})"))
    ax.set_xlim(data.years[0] - 0.8, data.years[-1] + 0.8)
    ax.set_xticks([y for y in data.years if y % 2 == 0] if len(data.years) > 20 else data.years)
    ax.tick_params(axis="x", labelrotation=90 if len(data.years) > 20 else 0)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("events")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Events per year by kind ({data.total} dated events)", loc="left", fontsize=12)
    figure.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False, title="event class", title_fontsize=8)
    note = f"{data.undated} event(s) without a date not shown; " if data.undated else ""
    figure.text(0.99, 0.0, f"{note}csto-kg {__version__}", fontsize=6.5, color="#666666", ha="right")
    return figure


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


def save(figure: Figure, stream: BinaryIO, fmt: str) -> None:
    """Write a figure; SVG keeps text as text and carries no date, so it diffs cleanly."""
    matplotlib = _matplotlib()
    options: dict[str, Any] = {"format": fmt}
    if fmt == "svg":
        options["metadata"] = {"Date": None}
    elif fmt == "png":
        options["dpi"] = 150
        options["metadata"] = {"Software": f"csto-kg {__version__} (matplotlib)"}
    elif fmt == "pdf":
        options["metadata"] = {"CreationDate": None}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "csto-kg"}):
        figure.savefig(stream, **options)


def _open(data_root: Path | str | None, build_dir: Path | str | None) -> tuple[Layout, ox.Store]:
    from csto_kg.building.pipeline import ensure_built
    from csto_kg.building.store import open_store
    from csto_kg.core.paths import Layout

    layout = Layout.resolve(data_root, build_dir)
    ensure_built(layout)
    return layout, open_store(layout)


def membership_chart(
    output: str | Path,
    date: str | None = None,
    fmt: str | None = None,
    *,
    today: dt.date | None = None,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
) -> str:
    """Write the membership chart to `output` (atomically; '-' is standard output). Returns the format."""
    from csto_kg.core.output import open_output

    name = chart_format(output, fmt)
    _matplotlib()
    layout, store = _open(data_root, build_dir)
    figure = membership_figure(store, layout, date, today)
    with open_output(output) as stream:
        save(figure, stream, name)
    return name


def timeline_chart(
    output: str | Path,
    fmt: str | None = None,
    *,
    top: int = 15,
    data_root: Path | str | None = None,
    build_dir: Path | str | None = None,
) -> str:
    """Write the events-per-year chart to `output` (atomically). Returns the format."""
    from csto_kg.core.output import open_output

    name = chart_format(output, fmt)
    _matplotlib()
    _layout, store = _open(data_root, build_dir)
    figure = timeline_figure(store, top)
    with open_output(output) as stream:
        save(figure, stream, name)
    return name
