"""The context of the derivation document: every expression and picture, as strings.

``render.latex`` fills ``templates/document/derivation_<lang>.tex.j2`` with it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..derivation import Derivation
from ..derivation.general import CONDITIONS
from ..derivation.operators import pad, tensor
from ..derivation.symbols import B, F, G, X
from ..layer import ConvSpec
from ..version import __version__
from . import printing as pr

FORWARD_TERMS_PER_LINE = 6
GRADIENT_TERMS_PER_LINE = 4
TABLE_ENTRIES_PER_LINE = 4  # local gradients per line of a table (the template's batch)
PICTURE_LIMIT = 12  # largest number of rows or columns drawn as a grid of cells

# Large layers: a listing (one row per element) longer than LISTING_LIMIT shows its first and
# last LISTING_ENDS rows around a row that says how many there are; a matrix wider or taller
# than MATRIX_LIMIT shows its corners. Every element is still proven, and the document says
# so. With Layout(full=True) everything is listed. Either way, no align*/gather* block holds
# more than BLOCK_ROWS rows, which keeps TeX within its memory.
LISTING_LIMIT = 200
LISTING_ENDS = 10
MATRIX_LIMIT = 16
BLOCK_ROWS = 50
TERM_LIMIT, TERM_HEAD, TERM_TAIL = 48, 8, 4  # a longer sum shows its first 8 and last 4 terms

@dataclass(frozen=True)
class Layout:
    """How much of a large layer the document lists: every element with ``full``
    (``symconv derive --full``), else the ends of long listings, sums and matrices."""

    full: bool = False

    def rows(self, count: int) -> tuple[list[int], int]:
        """Which of ``count`` rows a listing shows, and how many it leaves out (after the first ends).

        Examples:
            >>> shown, hidden = Layout().rows(1000)
            >>> shown[:3], shown[-3:], hidden
            ([0, 1, 2], [997, 998, 999], 980)
            >>> Layout().rows(5)
            ([0, 1, 2, 3, 4], 0)
            >>> len(Layout(full=True).rows(300)[0])
            300
        """
        if self.full or count <= LISTING_LIMIT:
            return list(range(count)), 0
        return list(range(LISTING_ENDS)) + list(range(count - LISTING_ENDS, count)), count - 2 * LISTING_ENDS

    def terms(self, terms: list) -> list:
        """A sum of more than TERM_LIMIT terms as its first and last terms around the count left out."""
        if self.full or len(terms) <= TERM_LIMIT:
            return terms
        hidden = len(terms) - TERM_HEAD - TERM_TAIL
        return terms[:TERM_HEAD] + [r"\underbrace{\cdots}_{%d}" % hidden] + terms[-TERM_TAIL:]

    def matrix(self, a: np.ndarray, rank: int) -> str:
        return pr.latex_array(a, rank, limit=None if self.full else MATRIX_LIMIT)

    def listing(self, items: Sequence, make_row: Callable, lines: Callable[[object], int] = lambda row: 1) -> dict:
        """``dict(blocks, total, hidden)``: rows of the shown items in blocks of at most BLOCK_ROWS
        lines; where rows are left out, a ``gap`` row holds their count."""
        shown, hidden = self.rows(len(items))
        rows = [piece for i in shown for piece in _split(make_row(items[i]))]
        if hidden:
            rows.insert(LISTING_ENDS, dict(gap=True, count=len(items)))
        blocks, block, used = [], [], 0
        for row in rows:
            n = 1 if isinstance(row, dict) and row.get("gap") else lines(row)
            if block and used + n > BLOCK_ROWS:
                blocks.append(block)
                block, used = [], 0
            block.append(row)
            used += n
        return dict(blocks=blocks + [block] if block else blocks or [[]], total=len(items), hidden=hidden)


def latex_context(d: Derivation, full: bool = False) -> dict:
    spec, rank, layout = d.spec, d.spec.rank, Layout(full)
    lead = {name: len(shape) - rank for name, shape in (("X", spec.x_shape), ("F", spec.f_shape), ("O", spec.g_shape))}
    return dict(
        version=__version__,
        spec=spec,
        rank=rank,
        input_size=_times(spec.input),
        filter_size=_times(spec.filter),
        output_size=_times(spec.output),
        plain=spec.is_plain,
        representative=d.representative,
        layer_description=pr.latex_text(d.layer.describe()),
        channelled=spec.channelled,
        batched=spec.batched,
        bias=spec.bias,
        output_rows=_output_size_rows(spec),
        padding_text=_sides_text(spec.padding),
        grad_filter_padding_text=_sides_text(spec.grad_filter_padding),
        grad_input_padding_text=_sides_text(spec.grad_input_padding),
        forward_picture=_forward_picture(d),
        filter_picture=_filter_picture(d),
        input_picture=_input_picture(d),
        lead_words_zh="".join(w for w, on in (("样本", spec.batched), ("和", spec.batched and spec.channelled), ("通道", spec.channelled)) if on),
        lead_words=" and ".join(w for w, on in (("sample", spec.batched), ("channel", spec.channelled)) if on),
        x_name=_first_slice_name("X", lead["X"]),
        f_name=_first_slice_name("F", lead["F"]),
        g_name=_first_slice_name("O", lead["O"]),
        x_matrix=layout.matrix(_first_slice(X, spec.x_shape, rank), rank),
        f_matrix=layout.matrix(_first_slice(F, spec.f_shape, rank), rank),
        g_matrix=layout.matrix(_first_slice(G, spec.g_shape, rank), rank),
        forward=layout.listing(d.model.windows, lambda w: _forward_row(w, rank, layout), _lines),
        local_filter=layout.listing(list(d.local_filter.items()), lambda yp: _local_row(*yp, rank), _table_lines),
        local_input=layout.listing(list(d.local_input.items()), lambda yp: _local_row(*yp, rank), _table_lines),
        local_bias=layout.listing(list(d.local_bias.items()), lambda yp: _local_row(*yp, rank), _table_lines),
        expansion_filter=layout.listing(list(d.expansion_filter.values()), lambda e: _expansion_row("F", e, rank, layout), _lines),
        expansion_input=layout.listing(list(d.expansion_input.values()), lambda e: _expansion_row("X", e, rank, layout), _lines),
        expansion_bias=layout.listing(list(d.expansion_bias.values()), lambda e: _expansion_row("b", e, rank, layout), _lines),
        elided=not full and max(len(d.model.windows), len(d.expansion_input), len(d.expansion_filter)) > LISTING_LIMIT,
        listing_ends=LISTING_ENDS,
        listing_limit=LISTING_LIMIT,
        x_padded=layout.matrix(d.closed.x_padded, rank),
        g_padded=layout.matrix(d.closed.g_padded, rank),
        f_rotated=layout.matrix(d.closed.filter_rotated, rank),
        grad_input_padding=spec.grad_input_padding,
        grad_filter_padding=spec.grad_filter_padding,
        remainder=spec.remainder,
        stride=spec.stride,
        dilation=spec.dilation,
        padding=spec.padding,
        proof=d.proof,
        proof_rows=[_proof_row(p) for p in d.proof.parts],
        method=pr.latex_text(d.proof.method),
        max_columns=max(max(d.closed.g_padded.shape), max(spec.input) + 2, 10),
    )


def _split(row: dict) -> list[dict]:
    """A listing row of more than BLOCK_ROWS lines as continuation rows of at most BLOCK_ROWS each."""
    lines = row.get("lines")
    if not lines or len(lines) <= BLOCK_ROWS:
        return [row]
    pieces = [lines[i : i + BLOCK_ROWS] for i in range(0, len(lines), BLOCK_ROWS)]
    return [dict(row, lines=piece, cont=n > 0) for n, piece in enumerate(pieces)]


def _lines(row: dict) -> int:
    return len(row["lines"])


def _table_lines(row: dict) -> int:
    return -(-len(row["entries"]) // TABLE_ENTRIES_PER_LINE) + 1


def _times(shape: tuple[int, ...]) -> str:
    return r" \times ".join(map(str, shape))


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [["0"]]


def _first_slice(base, shape: tuple[int, ...], rank: int):
    """The spatial slice of a tensor at sample 0, channel 0 (the whole tensor without channels)."""
    return tensor(base, shape).reshape((-1,) + shape[len(shape) - rank :])[0]


def _first_slice_name(name: str, lead: int) -> str:
    return name + ("^{(%s)}" % ",".join("1" * lead) if lead else "")


def _forward_row(w, rank: int, layout: Layout) -> dict:
    terms = [pr.latex(B[w.bias], rank)] if w.bias is not None else []
    terms += [pr.latex_product((X[i], F[k]), rank) for k, i in zip(w.taps, w.positions)]
    return dict(gap=False, cont=False, lhs=pr.element_label("O", w.output, rank),
                lines=_chunks(layout.terms(terms), FORWARD_TERMS_PER_LINE))


def _local_row(y, pairs, rank: int) -> dict:
    o = pr.element_label("O", y, rank)
    entries = [r"\frac{\partial %s}{\partial %s} = %s" % (o, pr.latex(w, rank), pr.latex(dw, rank)) for w, dw in pairs]
    return dict(gap=False, entries=entries)


def _expansion_row(name: str, e, rank: int, layout: Layout) -> dict:
    shown = layout.terms(list(range(len(e.terms))))
    terms = [pr.latex_product((G[e.terms[i].output], e.terms[i].local), rank) if isinstance(i, int) else i for i in shown]
    lhs = r"\frac{\partial L}{\partial %s}" % pr.latex(e.element, rank)
    return dict(gap=False, cont=False, lhs=lhs, lines=_chunks(terms, GRADIENT_TERMS_PER_LINE), count=len(e.terms))


def _proof_row(part) -> dict:
    return dict(name=part.gradient.split("/d")[-1], proven=part.proven, total=part.total, empty=part.empty)


def _sides_text(padding) -> str:
    return r",\ ".join(f"{lo}:{hi}" for lo, hi in padding)


# -- pictures: grids of cells for the first sample and channel ---------------------
def _view(a: np.ndarray) -> np.ndarray:
    """The 2-D slice a picture shows: a row for 1-D, the first plane for 3-D."""
    return a.reshape(1, -1) if a.ndim == 1 else a[(0,) * (a.ndim - 2)]


def _cells(a: np.ndarray, rank: int, marked: set) -> list[list[dict]]:
    def style(r, c):
        return "hl" if (r, c) in marked else ("zero" if a[r, c] == 0 else "elem")

    return [[dict(label=pr.cell_label(a[r, c], rank), style=style(r, c)) for c in range(a.shape[1])]
            for r in range(a.shape[0])]


def _marks(spec: ConvSpec, counts, step) -> set:
    """Cells ``step * k`` of the picture plane for every ``k`` below ``counts`` (its last two axes)."""
    counts, step = counts[-2:], step[-2:]
    points = itertools.product(*(range(0, s * n, s) for n, s in zip(counts, step)))
    return {(0,) + p if len(counts) == 1 else p for p in points}


def _picture(spec: ConvSpec, left: np.ndarray, left_marks: set, right: np.ndarray, right_marks: set) -> dict | None:
    left, right = _view(left), _view(right)
    if max(left.shape + right.shape) > PICTURE_LIMIT:
        return None
    return dict(
        left=_cells(left, spec.rank, left_marks),
        right=_cells(right, spec.rank, right_marks),
        right_dx=1.3 * left.shape[1] + 1.0,
        padded=spec.padded,
    )


def _forward_picture(d: Derivation) -> dict | None:
    """Padded X with the window of the first output marked, beside F."""
    spec = d.spec
    x = pad(_first_slice(X, spec.x_shape, spec.rank), spec.padding)
    f = _first_slice(F, spec.f_shape, spec.rank)
    return _picture(spec, x, _marks(spec, spec.filter, spec.dilation), f, _marks(spec, spec.filter, (1,) * spec.rank))


def _filter_picture(d: Derivation) -> dict | None:
    """The X that dL/dF reads, with the cells that meet dL/dO in dL/dF_1 marked, beside dL/dO."""
    spec = d.spec
    g = _first_slice(G, spec.g_shape, spec.rank)
    return _picture(spec, d.closed.x_padded, _marks(spec, spec.output, spec.stride), g, set())


def _input_picture(d: Derivation) -> dict | None:
    """The padded, dilated dL/dO with the rotated filter over the cells giving dL/dX_1."""
    spec = d.spec
    rotated = d.closed.filter_rotated
    return _picture(spec, d.closed.g_padded, _marks(spec, spec.filter, spec.dilation), rotated,
                    _marks(spec, spec.filter, (1,) * spec.rank))


def _output_size_rows(spec: ConvSpec) -> list[str]:
    rows = []
    for axis, (i, (lo, hi), d, k, s, o, r) in enumerate(
        zip(spec.input, spec.padding, spec.dilation, spec.filter, spec.stride, spec.output, spec.remainder), 1
    ):
        rows.append(
            rf"O_{{({axis})}} = \left\lfloor \frac{{{i} + {lo} + {hi} - {d}\cdot({k}-1) - 1}}{{{s}}} \right\rfloor + 1 = {o},"
            rf"\quad r_{{({axis})}} = {r}"
        )
    return rows




# -- the proof for all sizes, as a document section ------------------------------------------
def general_context(proofs) -> dict:
    """The steps of ``general.prove_general`` for the document: text escaped, mathematics as is."""
    return dict(
        rank=proofs[0].rank,
        conditions=[pr.latex_text(c) for c in CONDITIONS],
        proofs=[dict(gradient=p.gradient.split("/d")[-1], holds=p.holds, steps=[
            dict(title=pr.latex_text(s.title), math=s.result_latex, method=pr.latex_text(s.method), holds=s.holds)
            for s in p.steps
        ]) for p in proofs],
    )
