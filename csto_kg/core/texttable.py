"""The plain-text table of the command line: columns padded to their widest cell, a rule
of dashes under the header, no trailing spaces.

`table_blocks` streams a table of any length: the widths come from the first `measure`
rows, held while they are measured; a later cell wider than its column pushes the cells
after it to the right, on its own line only. A table of up to `measure` rows is laid out
exactly as `text_table` lays it out."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence

MEASURE = 1000  # rows held in memory to measure the columns of a streamed table


def _layout(header: Sequence[str], rows: Sequence[Sequence[str]], ragged_last: bool) -> tuple[Callable[[Sequence[str]], str], str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    if ragged_last and widths:
        widths[-1] = 0

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    rule = "  ".join("-" * (w or len(h)) for h, w in zip(header, widths, strict=True)) + "\n"
    return line, rule


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, ragged_last: bool = False) -> str:
    """`rows` under `header`; with `ragged_last` the last column is not padded (a note
    that runs to the end of the line) and its rule is as long as its name."""
    line, rule = _layout(header, rows, ragged_last)
    return "".join([line(header), rule, *(line(r) for r in rows)])


def table_blocks(header: Sequence[str], rows: Iterable[Sequence[str]], *, measure: int = MEASURE) -> Iterator[tuple[str, int]]:
    """The table of `rows` under `header` in blocks of up to `measure` rows: each block's
    text and how many rows it holds (the first block also holds the header and the rule)."""
    rest = iter(rows)
    first = list(itertools.islice(rest, measure))
    line, rule = _layout(header, first, False)
    yield "".join([line(header), rule, *(line(r) for r in first)]), len(first)
    del first
    while chunk := [line(r) for r in itertools.islice(rest, measure)]:
        yield "".join(chunk), len(chunk)
