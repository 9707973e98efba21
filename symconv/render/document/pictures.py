"""The document's pictures: grids of cells with a window marked, laid out in centimetres once, so
the PDF (TikZ) and the web page (SVG) draw the same picture.

A picture shows one sample and channel. A 3-D array is drawn as the slices along its first axis
that the window spans, each named (``X_{1\\cdot\\cdot}``: the elements whose first index is 1). An
axis longer than AXIS_LIMIT is drawn shortened: its first cells up to just past the window, an
ellipsis, and its last cell, so a large layer's picture still shows the window and the non-zero
entries of the padded arrays. Panels wrap onto new rows to stay within the text width: nothing is
ever scaled down.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ...derivation import Derivation
from ...derivation.symbols import F, G, X
from ...layer import Index
from .. import printing as pr
from .listings import chunks
from .slices import first_slice

AXIS_LIMIT = 9  # an axis longer than this is drawn shortened
TEXT_WIDTH = 16.0  # cm a row of panels may take (the page's text is 17 cm wide)
PANEL_GAP, ROW_GAP, TITLE_HEIGHT, CELL_HEIGHT = 0.8, 0.5, 0.7, 0.8
WORKED_TERMS_PER_LINE = 6
GAP_LABELS = {(True, False): r"\cdots", (False, True): r"\vdots", (True, True): r"\ddots"}


@dataclass(frozen=True)
class Cell:
    """One cell: its centre (cm from the picture's top left, y downwards), label and style
    (``elem``, ``zero``, ``hl``: marked, ``gap``: an ellipsis where cells are left out)."""

    x: float
    y: float
    label: str
    style: str


@dataclass(frozen=True)
class Caption:
    """A panel's title, centred at ``x`` above its grid (``y``: its baseline)."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Picture:
    """Panels of cells, placed; ``width``/``height`` in cm, every cell ``cell_width`` wide."""

    cells: tuple[Cell, ...]
    captions: tuple[Caption, ...]
    width: float
    height: float
    cell_width: float
    cell_height: float = CELL_HEIGHT


@dataclass(frozen=True)
class Worked:
    """A worked element of dL/dX: its label, its chain-rule sum, and the picture of its window."""

    name: str
    where: str  # corner, edge or interior
    label: str
    lines: tuple[tuple[str, ...], ...]  # its chain-rule terms, in delta notation, a few per line
    count: int
    picture: Picture


@dataclass(frozen=True)
class Pictures:
    """The forward window, the inputs that meet dL/dO in dL/dF_1, and dL/dX at the worked elements."""

    forward: Picture
    filter: Picture
    worked: tuple[Worked, ...]  # the corner, an edge and an interior element, where the input has them


@dataclass(frozen=True)
class _Panel:
    """A titled grid before it is placed."""

    title: str
    grid: tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, style)


def pictures(d: Derivation) -> Pictures:
    return Pictures(forward_picture(d), filter_picture(d), tuple(worked_elements(d)))


def forward_picture(d: Derivation) -> Picture:
    """Padded X with the window of the first output marked, beside F."""
    spec = d.spec
    x = first_slice(X, spec.x_shape, spec.rank, spec.padding)
    f = first_slice(F, spec.f_shape, spec.rank)
    marks = window(spec.filter, (0,) * spec.rank, spec.dilation)
    title = r"\operatorname{pad}(X)" if spec.padded else "X"
    return layout(panels(x, marks, title, spec.rank) + panels(f, window(spec.filter, (0,) * spec.rank), "F", spec.rank))


def filter_picture(d: Derivation) -> Picture:
    """The X that dL/dF reads, with the cells that meet dL/dO in dL/dF_1 marked, beside dL/dO."""
    spec = d.spec
    g = first_slice(G, spec.g_shape, spec.rank)
    title = r"\operatorname{pad}(X)" if any(spec.grad_filter_padding[a] != (0, 0) for a in range(spec.rank)) else "X"
    reads = window(spec.output, (0,) * spec.rank, spec.stride)
    return layout(panels(d.closed.x_padded, reads, title, spec.rank) + panels(g, set(), r"\delta", spec.rank))


def worked_elements(d: Derivation) -> list[Worked]:
    """dL/dX at a corner, an edge and the interior (X_11, X_12, X_22), each with the rotated filter
    over the padded dL/dO where it gives that element; only these expansions are read."""
    spec, rank = d.spec, d.spec.rank
    title = r"\operatorname{pad}(\delta)" if spec.is_plain else r"\operatorname{pad}(\operatorname{dilate}(\delta))"
    lead = len(spec.x_shape) - rank
    shown = []
    for where, i in worked_indices(spec.input):
        e = d.expansion_input[(0,) * lead + i]
        marks = window(spec.filter, i, spec.dilation)
        picture = layout(panels(d.closed.g_padded, marks, title, rank)
                         + panels(d.closed.filter_rotated, window(spec.filter, (0,) * rank), r"\operatorname{rot}_{180}(F)", rank))
        terms = [pr.latex_product((G[t.output], t.local), rank, delta=True) for t in e.terms]
        shown.append(Worked(pr.element_label("X", i), where, r"\frac{\partial L}{\partial %s}" % pr.latex(e.element, rank),
                            chunks(terms, WORKED_TERMS_PER_LINE) if terms else (), len(terms), picture))
    return shown


def worked_indices(shape: Index) -> list[tuple[str, Index]]:
    """The corner, an edge element and an interior one (0-based), where the input has them.

    Examples:
        >>> worked_indices((3, 3))
        [('corner', (0, 0)), ('edge', (0, 1)), ('interior', (1, 1))]
        >>> worked_indices((2,))
        [('corner', (0,)), ('edge', (1,))]
    """
    rank = len(shape)
    candidates = [("corner", (0,) * rank), ("edge", (0,) * (rank - 1) + (1,)), ("interior", (1,) * rank)]
    kept: list[tuple[str, Index]] = []
    for where, i in candidates:
        inside = all(v < n for v, n in zip(i, shape)) and (where != "interior" or all(v < n - 1 for v, n in zip(i, shape)))
        if inside and i not in [j for _, j in kept]:
            kept.append((where, i))
    return kept


def window(taps: Index, start: Index, step: Optional[Index] = None) -> set[Index]:
    """The cells ``start + step * k`` for every tap ``k`` below ``taps``."""
    step = step or (1,) * len(taps)
    return {tuple(a + s * k for a, s, k in zip(start, step, ks)) for ks in itertools.product(*map(range, taps))}


def panels(a: np.ndarray, marks: set[Index], title: str, rank: int) -> list[_Panel]:
    """One panel for a 1-D or 2-D array; for 3-D, one per slice the marks touch (the first when none)."""
    if a.ndim < 3:
        view = a.reshape(1, -1) if a.ndim == 1 else a
        return [_panel(view, {(0,) + m if a.ndim == 1 else m for m in marks}, title, rank)]
    touched = sorted({m[0] for m in marks if m[0] < a.shape[0]}) or [0]
    return [_panel(a[t], {m[1:] for m in marks if m[0] == t}, r"%s_{%d\cdot\cdot}" % (_base(title), t + 1), rank)
            for t in touched]


def _base(title: str) -> str:
    return title if title.isalpha() else r"\left(%s\right)" % title


def panel_of(labels: np.ndarray, marks: set[Index], title: str) -> _Panel:
    """A panel of a 2-D grid whose entries are LaTeX labels already (the representative's picture)."""
    return _panel(labels, marks, title, 2)


def _panel(a: np.ndarray, marks: set[Index], title: str, rank: int) -> _Panel:
    focus = [m for m in marks if all(0 <= v < n for v, n in zip(m, a.shape))]
    rows = shown_axis(a.shape[0], [m[0] for m in focus])
    cols = shown_axis(a.shape[1], [m[1] for m in focus])
    return _Panel(title, tuple(tuple(_cell(a, r, c, marks, rank) for c in cols) for r in rows))


def _cell(a: np.ndarray, r: Optional[int], c: Optional[int], marks: set[Index], rank: int) -> tuple[str, str]:
    if r is None or c is None:
        return GAP_LABELS[(c is None, r is None)], "gap"
    value = a[r, c]
    style = "hl" if (r, c) in marks else ("elem" if isinstance(value, str) or value != 0 else "zero")
    return (value if isinstance(value, str) else pr.cell_label(value, rank)), style


def shown_axis(n: int, focus: Sequence[int]) -> list[Optional[int]]:
    """The positions drawn along an axis of length ``n``: all of a short one; else up to one past
    the furthest marked cell (at least 3), ``None`` for the ellipsis, and the last.

    Examples:
        >>> shown_axis(32, [1, 5])
        [0, 1, 2, 3, 4, 5, 6, None, 31]
        >>> shown_axis(5, [])
        [0, 1, 2, 3, 4]
    """
    if n <= AXIS_LIMIT:
        return list(range(n))
    head = min(max([2] + [f + 1 for f in focus]), AXIS_LIMIT - 3)
    return list(range(head + 1)) + [None, n - 1]


def layout(items: list[_Panel]) -> Picture:
    """Place the panels left to right, wrapping to a new row before TEXT_WIDTH; one cell width for all.

    Examples:
        >>> grid = np.array([["a", "b"], ["c", "d"]], dtype=object)
        >>> p = layout([panel_of(grid, {(0, 1)}, "A")])
        >>> (p.width, p.height), [c.label for c in p.cells]
        ((1.8, 2.3), ['a', 'c', 'd', 'b'])
    """
    labels = [label for p in items for row in p.grid for label, style in row if style != "gap"]
    cell_width = round(min(1.6, max(0.9, 0.35 + 0.32 * max(map(pr.visible_width, labels)))), 2)
    cells, captions = [], []
    x = y = row_height = width = 0.0
    for p in items:
        w, h = len(p.grid[0]) * cell_width, len(p.grid) * CELL_HEIGHT + TITLE_HEIGHT
        if x and x + w > TEXT_WIDTH:
            x, y, row_height = 0.0, y + row_height + ROW_GAP, 0.0
        captions.append(Caption(round(x + w / 2, 2), round(y + TITLE_HEIGHT - 0.2, 2), p.title))
        cells += [Cell(round(x + (c + 0.5) * cell_width, 2), round(y + TITLE_HEIGHT + (r + 0.5) * CELL_HEIGHT, 2), label, style)
                  for r, row in enumerate(p.grid) for c, (label, style) in enumerate(row)]
        width, row_height = max(width, x + w), max(row_height, h)
        x += w + PANEL_GAP
    cells.sort(key=lambda c: c.style == "hl")  # marked cells last, so their thick border is drawn whole
    return Picture(tuple(cells), tuple(captions), round(width, 2), round(y + row_height, 2), cell_width)
