"""Listings of the document: one row per element (O, a local-gradient table, an expansion),
cut into blocks TeX can hold, and shortened for large layers.

A listing longer than LISTING_LIMIT rows shows its first and last LISTING_ENDS rows around
a row that says how many there are; a sum longer than TERM_LIMIT terms its first and last
terms; a matrix wider or taller than MATRIX_LIMIT its corners. Every element is still
proven, and the document says so. With ``Layout(full=True)`` everything is listed. Either
way, no align*/gather* block holds more than BLOCK_ROWS rows, which keeps TeX within its memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from .. import printing as pr

LISTING_LIMIT = 32  # a teacher's hand-out lists a small layer whole, a larger one by its ends
LISTING_ENDS = 6
MATRIX_LIMIT = 12
TABLE_LIMIT, TABLE_ENDS = 4, 1
LINE_BUDGET = 38.0  # em of formulas packed side by side on one display line (the line holds about 44)
BLOCK_ROWS = 50
TERM_LIMIT, TERM_HEAD, TERM_TAIL = 16, 6, 2  # a longer sum shows its first 6 and last 2 terms
FORWARD_TERMS_PER_LINE = 6
GRADIENT_TERMS_PER_LINE = 4
TABLE_ENTRIES_PER_LINE = 4  # local gradients per line of a table (the template's batch)


@dataclass(frozen=True)
class Row:
    """One element of a listing: ``lhs = lines[0] + lines[1] + ...`` (``cont``: the rest of a long
    row, continued in the next block), or with ``table`` the ``entries`` of a table of local
    gradients; a ``gap`` row stands for the ``count`` elements left out."""

    lhs: str = ""
    lines: tuple[tuple[str, ...], ...] = ()
    entries: tuple[str, ...] = ()
    table: bool = False
    cont: bool = False
    gap: bool = False
    count: int = 0

    @property
    def height(self) -> int:
        """Lines the row takes in its block."""
        if self.gap:
            return 1
        return -(-len(self.entries) // TABLE_ENTRIES_PER_LINE) + 1 if self.table else len(self.lines)


@dataclass(frozen=True)
class Listing:
    """Rows in blocks of at most BLOCK_ROWS lines; ``total`` elements, ``hidden`` of them left out."""

    blocks: tuple[tuple[Row, ...], ...]
    total: int
    hidden: int


@dataclass(frozen=True)
class Layout:
    """How much of a large layer the document lists: every element with ``full``
    (``symconv derive --full``), else the ends of long listings, sums and matrices."""

    full: bool = False

    def rows(self, count: int, limit: int = LISTING_LIMIT, ends: int = LISTING_ENDS) -> tuple[list[int], int]:
        """Which of ``count`` rows a listing shows, and how many it leaves out (after the first ends).

        Examples:
            >>> shown, hidden = Layout().rows(1000)
            >>> shown[:3], shown[-3:], hidden
            ([0, 1, 2], [997, 998, 999], 988)
            >>> Layout().rows(5)
            ([0, 1, 2, 3, 4], 0)
            >>> len(Layout(full=True).rows(300)[0])
            300
        """
        if self.full or count <= limit:
            return list(range(count)), 0
        return list(range(ends)) + list(range(count - ends, count)), count - 2 * ends

    def terms(self, terms: list) -> list:
        """A sum of more than TERM_LIMIT terms as its first and last terms around the count left out."""
        if self.full or len(terms) <= TERM_LIMIT:
            return terms
        hidden = len(terms) - TERM_HEAD - TERM_TAIL
        return terms[:TERM_HEAD] + [r"\underbrace{\cdots}_{%d}" % hidden] + terms[-TERM_TAIL:]

    def matrix(self, a: np.ndarray, rank: int) -> str:
        return pr.latex_array(a, rank, limit=None if self.full else MATRIX_LIMIT)

    def named(self, name: str, a: np.ndarray, rank: int) -> list[str]:
        r"""``name = matrix``; a 3-D array as one such item per slice, ``X_{1\cdot\cdot} = ...``."""
        if a.ndim < 3:
            return [f"{name} = {self.matrix(a, rank)}"]
        limit = None if self.full else MATRIX_LIMIT
        base = name if name.isalpha() else r"\left(%s\right)" % name
        return [r"%s_{%s\cdot\cdot} = %s" % (base, t, m) if t else m for t, m in pr.latex_slices(a, rank, limit)]

    def listing(self, items: Sequence, make_row: Callable[[object], Row], limit: int = LISTING_LIMIT,
                ends: int = LISTING_ENDS) -> Listing:
        """The shown items' rows in blocks of at most BLOCK_ROWS lines; where rows are left out,
        a gap row holds their count. Only the shown items are made into rows."""
        shown, hidden = self.rows(len(items), limit, ends)
        rows = [piece for i in shown for piece in _split(make_row(items[i]))]
        if hidden:
            rows.insert(ends, Row(gap=True, count=len(items)))
        return Listing(_blocks(rows), len(items), hidden)

    def table(self, items: Sequence, make_row: Callable[[object], Row]) -> Listing:
        """A table of local gradients: the tutorial shows those of O_11 and says the rest are alike,
        so a table of more than TABLE_LIMIT outputs shows its first and last TABLE_ENDS."""
        return self.listing(items, make_row, TABLE_LIMIT, TABLE_ENDS)


def _blocks(rows: list[Row]) -> tuple[tuple[Row, ...], ...]:
    blocks, block, used = [], [], 0
    for row in rows:
        if block and used + row.height > BLOCK_ROWS:
            blocks.append(tuple(block))
            block, used = [], 0
        block.append(row)
        used += row.height
    return tuple(blocks + [tuple(block)] if block else blocks or [()])


def _split(row: Row) -> list[Row]:
    """A listing row of more than BLOCK_ROWS lines as continuation rows of at most BLOCK_ROWS each."""
    if len(row.lines) <= BLOCK_ROWS:
        return [row]
    pieces = [row.lines[i : i + BLOCK_ROWS] for i in range(0, len(row.lines), BLOCK_ROWS)]
    return [replace(row, lines=piece, cont=n > 0) for n, piece in enumerate(pieces)]


def pack(items: Sequence[str], budget: float = LINE_BUDGET) -> tuple[tuple[str, ...], ...]:
    """Formulas side by side, a new display line whenever the next would pass ``budget`` em.

    Examples:
        >>> pack(["a = 1", "b = 2", "c = " + "x" * 40])
        (('a = 1', 'b = 2'), ('c = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',))
    """
    lines: list[list[str]] = []
    used = 0.0
    for item in items:
        width = pr.visible_width(item) + 3.0  # the \qquad between items
        if lines and used + width <= budget:
            lines[-1].append(item)
            used += width
        else:
            lines.append([item])
            used = width
    return tuple(map(tuple, lines))


def chunks(items: list[str], size: int) -> tuple[tuple[str, ...], ...]:
    """``items`` in lines of ``size`` (one ``0`` for an empty sum)."""
    return tuple(tuple(items[i : i + size]) for i in range(0, len(items), size)) or (("0",),)
