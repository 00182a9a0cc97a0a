"""Pieces of HTML: escaping, dates at their precision, the page frame and the membership bars."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csto_kg import __version__
from csto_kg.core.dates import XSD_DATE, XSD_GYEAR, XSD_GYEARMONTH

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "ru": ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"),
}
_MONTHS_OF = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря")

# The words of the pages, in the languages labels are offered in.
WORDS = {
    "en": {
        "between": "between {a} and {b}",
        "since": "since {a}",
        "until": "until {a}",
        "today": "Today",
        "not-member": "not a member or party today",
        "membership": "Membership over time",
        "events": "Events",
        "facts": "Facts",
        "others": "Other statements",
        "referred": "Referred to by",
        "sources": "Sources",
        "same-as": "The same thing elsewhere",
        "other-classes": "all classes",
        "posts": "Posts and terms",
        "observers": "Observer roles",
        "takes": "What the graph takes from it",
        "parties": "Parties",
        "articles": "Articles",
        "date": "Date",
        "type": "Type",
        "actors": "Actors",
        "places": "Places",
        "concerns": "Concerns",
        "quantities": "Quantities",
        "responds-to": "Responds to",
        "followed-by": "Followed by",
        "responded-by": "Answered by",
        "follows": "Follows",
        "search": "Search labels (English and Russian)",
        "also-as": "Also as",
        "more": "and {n} more",
    },
    "ru": {
        "between": "между {a} и {b}",
        "since": "с {a}",
        "until": "до {a}",
        "today": "Сегодня",
        "not-member": "сегодня не член и не участник",
        "membership": "Членство во времени",
        "events": "События",
        "facts": "Факты",
        "others": "Другие утверждения",
        "referred": "Ссылаются",
        "sources": "Источники",
        "same-as": "То же в других базах",
        "other-classes": "все классы",
        "posts": "Должности и сроки",
        "observers": "Роли наблюдателя",
        "takes": "Что граф берёт из источника",
        "parties": "Участники",
        "articles": "Статьи",
        "date": "Дата",
        "type": "Тип",
        "actors": "Участники",
        "places": "Места",
        "concerns": "Касается",
        "quantities": "Количества",
        "responds-to": "Ответ на",
        "followed-by": "Затем",
        "responded-by": "Ответы",
        "follows": "После",
        "search": "Поиск по названиям (английский и русский)",
        "also-as": "Также в форматах",
        "more": "и ещё {n}",
    },
}


def e(value: object) -> str:
    """Escaped for text and for attribute values in double quotes."""
    return html.escape(str(value), quote=True)


def word(key: str, lang: str, **values: str) -> str:
    text = WORDS.get(lang, WORDS["en"]).get(key) or WORDS["en"][key]
    return text.format(**values) if values else text


def pick_language(languages: Sequence[str]) -> str:
    """The first of `languages` (as Accept-Language lists them) the pages speak; else English."""
    for tag in languages:
        base = tag.split("-")[0].strip().lower()
        if base in WORDS:
            return base
    return "en"


def accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, most wanted first (q=0 left out)."""
    found: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        if rest.strip().startswith("q="):
            try:
                q = float(rest.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            found.append((-q, n, tag.lower()))
    return [tag for _q, _n, tag in sorted(found)]


def day_text(day: dt.date, lang: str = "en") -> str:
    if lang == "ru":
        return f"{day.day} {_MONTHS_OF[day.month - 1]} {day.year}"
    return f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"


def literal_date(lexical: str, datatype: str, lang: str = "en") -> str:
    """A date literal at its own precision: "1993", "September 2022", "15 May 1992"."""
    try:
        if datatype == XSD_GYEAR:
            return str(int(lexical[:5] if lexical.startswith("-") else lexical[:4]))
        if datatype == XSD_GYEARMONTH:
            year, month = lexical[:7].split("-")
            return f"{MONTHS.get(lang, MONTHS['en'])[int(month) - 1]} {int(year)}"
        if datatype == XSD_DATE:
            return day_text(dt.date.fromisoformat(lexical[:10]), lang)
    except (ValueError, IndexError):
        pass
    return lexical


def span_text(earliest: dt.date | None, latest: dt.date | None, lang: str = "en") -> str:
    """A day, or the range of days a thing happened in when the sources leave it open."""
    if earliest and latest and earliest != latest:
        return word("between", lang, a=day_text(earliest, lang), b=day_text(latest, lang))
    day = earliest or latest
    return day_text(day, lang) if day else ""


def edge_text(possibly: dt.date | None, certainly: dt.date | None, lang: str) -> str:
    """One end of a period: a day, or "between ... and ..." when the sources leave it open."""
    if possibly and certainly and possibly != certainly:
        a, b = sorted((possibly, certainly))
        return word("between", lang, a=day_text(a, lang), b=day_text(b, lang))
    day = certainly or possibly
    return day_text(day, lang) if day else "?"


def json_ld_script(data: dict[str, Any]) -> str:
    # "<" written as an escape, so no string in the data can close the script element.
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">\n{text}\n</script>'


# Inline, so a page needs no second request and works from any folder.
STYLE = (Path(__file__).parent / "style.css").read_text(encoding="utf-8")


@dataclass
class Frame:
    """What the frame of every page needs besides its body."""

    title: str
    lang: str
    root: str = "/"  # where the site starts: "/" on the server and on a static host at its root
    alternates: tuple[tuple[str, str, str], ...] = ()  # (media type, name, href)
    json_ld: dict[str, Any] | None = None
    head_extra: str = ""


def page(frame: Frame, body: str) -> str:
    r = e(frame.root)
    alt = "".join(f'<link rel="alternate" type="{e(m)}" title="{e(n)}" href="{e(h)}">\n' for m, n, h in frame.alternates)
    ld = json_ld_script(frame.json_ld) + "\n" if frame.json_ld else ""
    also = ""
    if frame.alternates:
        links = ", ".join(f'<a href="{e(h)}">{e(n)}</a>' for _m, n, h in frame.alternates)
        also = f'<p class="muted">{e(word("also-as", frame.lang))}: {links}</p>'
    return (
        f'<!DOCTYPE html>\n<html lang="{e(frame.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(frame.title)} · csto-kg</title>\n{alt}<style>{STYLE}</style>\n{ld}{frame.head_extra}</head>\n<body>\n"
        f'<header class="top"><a class="brand" href="{r}">csto-kg</a><a href="{r}query">Query</a>'
        f'<a href="{r}ontology">Ontology</a><a href="{r}#downloads">Downloads</a></header>\n'
        f"<main>\n{body}\n{also}\n</main>\n"
        f"<footer>csto-kg {e(__version__)}: a knowledge graph of the Collective Security Treaty Organization.</footer>\n"
        "</body>\n</html>\n"
    )


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], css: str = "") -> str:
    """A table of cells that are already HTML."""
    headers = list(headers)
    head = "".join(f"<th>{e(h)}</th>" for h in headers) if any(headers) else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    cls = f' class="{e(css)}"' if css else ""
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f"<table{cls}>{thead}<tbody>\n{body}</tbody></table>"
