"""The context of the derivation document: every expression, listing and picture, as strings.

``render.latex`` fills ``templates/document/derivation_<lang>.tex.j2`` with a
:class:`DocumentContext`, whose sections follow the document: the layer, the listings
(forward pass, local gradients, expansions), the pictures, the closed forms, what was proven,
and the proof for all sizes when it was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ...derivation import Derivation
from ...derivation.general import GeneralProof
from ...derivation.symbols import B, F, G, X, element
from ...layer import ConvSpec
from ...version import __version__
from .. import printing as pr
from .general import GeneralSection, general_section
from .listings import (
    FORWARD_TERMS_PER_LINE, GRADIENT_TERMS_PER_LINE, LISTING_ENDS, LISTING_LIMIT, Layout, Listing, Row, chunks,
)
from .pictures import Pictures, pictures
from .slices import first_slice, first_slice_name


@dataclass(frozen=True)
class LayerSection:
    """The layer: sizes, the names of its tensors' first slices and their matrices."""

    version: str
    spec: ConvSpec
    rank: int
    input_size: str
    filter_size: str
    output_size: str
    plain: bool
    representative: bool
    description: str
    lead_words: str
    lead_words_zh: str
    x_name: str
    f_name: str
    g_name: str
    x_matrix: str
    f_matrix: str
    g_matrix: str
    padding: str
    output_rows: tuple[str, ...]
    max_columns: int


@dataclass(frozen=True)
class Listings:
    """Every O element, the local gradients (A) dO/dF, (B) dO/dX, (C) dO/db, and the expansions."""

    forward: Listing
    local_filter: Listing
    local_input: Listing
    local_bias: Listing
    expansion_filter: Listing
    expansion_input: Listing
    expansion_bias: Listing
    elided: bool
    ends: int
    limit: int


@dataclass(frozen=True)
class ClosedSection:
    """The closed forms' operands: pad(X), the padded dilated dL/dO, rot180(F), and their paddings."""

    x_padded: str
    g_padded: str
    f_rotated: str
    grad_filter_padding: str
    grad_input_padding: str


@dataclass(frozen=True)
class ProofRow:
    name: str
    proven: int
    total: int
    empty: int


@dataclass(frozen=True)
class ProofSection:
    """What was proven: a row per gradient, the elements with no term, and the method."""

    rows: tuple[ProofRow, ...]
    empty_inputs: int
    method: str


@dataclass(frozen=True)
class DocumentContext:
    """The document's sections; ``general`` is ``None`` unless the proof for all sizes was made."""

    layer: LayerSection
    listings: Listings
    pictures: Pictures
    closed: ClosedSection
    proven: ProofSection
    general: Optional[GeneralSection]


def document_context(d: Derivation, full: bool = False, general: Optional[Sequence[GeneralProof]] = None) -> DocumentContext:
    layout = Layout(full)
    return DocumentContext(
        layer=layer_section(d, layout),
        listings=listings(d, layout),
        pictures=pictures(d),
        closed=closed_section(d, layout),
        proven=proof_section(d),
        general=general_section(general) if general else None,
    )


def layer_section(d: Derivation, layout: Layout) -> LayerSection:
    spec, rank = d.spec, d.spec.rank
    lead = {name: len(shape) - rank for name, shape in (("X", spec.x_shape), ("F", spec.f_shape), ("O", spec.g_shape))}
    return LayerSection(
        version=__version__, spec=spec, rank=rank,
        input_size=_times(spec.input), filter_size=_times(spec.filter), output_size=_times(spec.output),
        plain=spec.is_plain, representative=d.representative, description=pr.latex_text(d.layer.describe()),
        lead_words=" and ".join(w for w, on in (("sample", spec.batched), ("channel", spec.channelled)) if on),
        lead_words_zh="".join(w for w, on in (("样本", spec.batched), ("和", spec.batched and spec.channelled),
                                              ("通道", spec.channelled)) if on),
        x_name=first_slice_name("X", lead["X"]), f_name=first_slice_name("F", lead["F"]),
        g_name=first_slice_name("O", lead["O"]),
        x_matrix=layout.matrix(first_slice(X, spec.x_shape, rank), rank),
        f_matrix=layout.matrix(first_slice(F, spec.f_shape, rank), rank),
        g_matrix=layout.matrix(first_slice(G, spec.g_shape, rank), rank),
        padding=_sides_text(spec.padding), output_rows=_output_size_rows(spec),
        max_columns=_max_columns(max(max(d.closed.g_padded.shape), max(spec.input) + 2, 10), layout),
    )


def listings(d: Derivation, layout: Layout) -> Listings:
    rank = d.spec.rank
    # items() and values() of a Derivation's mappings are sequences, built row by row when shown
    local = lambda items: layout.listing(items, lambda yp: _local_row(*yp, rank))  # noqa: E731
    expansion = lambda name, items: layout.listing(items, lambda e: _expansion_row(name, e, rank, layout))  # noqa: E731
    return Listings(
        forward=layout.listing(d.model.windows, lambda w: _forward_row(w, rank, layout)),
        local_filter=local(d.local_filter.items()), local_input=local(d.local_input.items()),
        local_bias=local(d.local_bias.items()),
        expansion_filter=expansion("F", d.expansion_filter.values()),
        expansion_input=expansion("X", d.expansion_input.values()),
        expansion_bias=expansion("b", d.expansion_bias.values()),
        elided=not layout.full and max(len(d.model.windows), len(d.expansion_input), len(d.expansion_filter)) > LISTING_LIMIT,
        ends=LISTING_ENDS, limit=LISTING_LIMIT,
    )


def closed_section(d: Derivation, layout: Layout) -> ClosedSection:
    spec = d.spec
    return ClosedSection(
        x_padded=layout.matrix(d.closed.x_padded, spec.rank), g_padded=layout.matrix(d.closed.g_padded, spec.rank),
        f_rotated=layout.matrix(d.closed.filter_rotated, spec.rank),
        grad_filter_padding=_sides_text(spec.grad_filter_padding),
        grad_input_padding=_sides_text(spec.grad_input_padding),
    )


def proof_section(d: Derivation) -> ProofSection:
    rows = tuple(ProofRow(p.gradient.split("/d")[-1], p.proven, p.total, p.empty) for p in d.proof.parts)
    return ProofSection(rows, d.proof.input.empty, pr.latex_text(d.proof.method))


def _max_columns(widest: int, layout: Layout) -> int:
    """amsmath's MaxMatrixCols: the widest matrix, at most 64 when long rows are elided (they show
    at most MATRIX_LIMIT columns; a value of a million makes TeX build a million-column preamble)."""
    return widest if layout.full else min(widest, MAX_ELIDED_COLUMNS)


MAX_ELIDED_COLUMNS = 64


def _times(shape: tuple[int, ...]) -> str:
    return r" \times ".join(map(str, shape))


def _forward_row(w, rank: int, layout: Layout) -> Row:
    terms = [pr.latex(B[w.bias], rank)] if w.bias is not None else []
    terms += [pr.latex_product((element(X, i), element(F, k)), rank) for k, i in zip(w.taps, w.positions)]
    return Row(lhs=pr.element_label("O", w.output, rank), lines=chunks(layout.terms(terms), FORWARD_TERMS_PER_LINE))


def _local_row(y, pairs, rank: int) -> Row:
    o = pr.element_label("O", y, rank)
    entries = [r"\frac{\partial %s}{\partial %s} = %s" % (o, pr.latex(w, rank), pr.latex(dw, rank)) for w, dw in pairs]
    return Row(entries=tuple(entries), table=True)


def _expansion_row(name: str, e, rank: int, layout: Layout) -> Row:
    shown = layout.terms(list(range(len(e.terms))))
    terms = [pr.latex_product((G[e.terms[i].output], e.terms[i].local), rank) if isinstance(i, int) else i for i in shown]
    lhs = r"\frac{\partial L}{\partial %s}" % pr.latex(e.element, rank)
    return Row(lhs=lhs, lines=chunks(terms, GRADIENT_TERMS_PER_LINE), count=len(e.terms))


def _sides_text(padding) -> str:
    return r",\ ".join(f"{lo}:{hi}" for lo, hi in padding)


def _output_size_rows(spec: ConvSpec) -> tuple[str, ...]:
    axes = zip(spec.input, spec.padding, spec.dilation, spec.filter, spec.stride, spec.output, spec.remainder)
    return tuple(
        rf"O_{{({axis})}} = \left\lfloor \frac{{{i} + {lo} + {hi} - {d}\cdot({k}-1) - 1}}{{{s}}} \right\rfloor + 1 = {o},"
        rf"\quad r_{{({axis})}} = {r}"
        for axis, (i, (lo, hi), d, k, s, o, r) in enumerate(axes, 1)
    )
