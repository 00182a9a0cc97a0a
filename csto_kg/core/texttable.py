"""The plain-text table of the command line: columns padded to their widest cell, a rule
of dashes under the header, no trailing spaces."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, ragged_last: bool = False) -> str:
    """`rows` under `header`; with `ragged_last` the last column is not padded (a note
    that runs to the end of the line) and its rule is as long as its name."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    if ragged_last and widths:
        widths[-1] = 0

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * (w or len(h)) for h, w in zip(header, widths, strict=True))
    return "\n".join([line(header), rule, *(line(r) for r in rows)]) + "\n"
