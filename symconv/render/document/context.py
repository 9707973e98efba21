"""The context of the derivation document: every expression, listing and picture, as strings.

One context feeds the three forms of the document (LaTeX for the PDF, the web page, the
notebook); each lays it out with its own templates. Its sections follow the story: the layer,
its index formulas and closed forms, the listings (forward pass, local gradients, expansions),
the pictures and worked elements, the channel diagram, what was proven, and the proof for all
sizes when it was made. Only what is shown is turned into text (``listings.Layout``).
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
from .channels import Diagram, channel_diagram
from .formulas import Formulas, formulas, per_axis
from .general import GeneralSection, general_section
from .listings import (
    FORWARD_TERMS_PER_LINE, GRADIENT_TERMS_PER_LINE, LISTING_ENDS, LISTING_LIMIT, Layout, Listing, Row, chunks, pack,
)
from .pictures import Pictures, pictures
from .representative import RepresentativeSection, representative_section
from .slices import first_slice, first_slice_name


@dataclass(frozen=True)
class OutputSize:
    """One axis's output length: the formula with this layer's numbers, and its remainder."""

    axis: int
    formula: str
    remainder: int


@dataclass(frozen=True)
class LayerSection:
    """The layer: its options (for titles and sentences), sizes, names and matrices."""

    version: str
    spec: ConvSpec
    module: str  # the kernel's module name (the layer's, also when the proof ran on its representative)
    rank: int
    ones: str  # the first element's 1-based index, "11" in 2-D
    input_size: str
    filter_size: str
    output_size: str
    stride: str
    dilation: str
    padding: str
    filter_padding: str  # of X for dL/dF
    input_padding: str  # of the dilated dL/dO for dL/dX
    options: tuple[tuple[str, str], ...]  # (stride|dilation|padding|channels|groups|bias, value) this layer has
    plain: bool
    representative: bool
    description: str
    x_name: str
    f_name: str
    g_name: str
    matrices: tuple[tuple[str, ...], ...]
    sizes: tuple[OutputSize, ...]
    remainder: bool
    max_columns: int


@dataclass(frozen=True)
class Listings:
    """Every O element, the local gradients (A) dO/dF, (B) dO/dX, and the expansions of dL/dF, dL/dX."""

    forward: Listing
    local_filter: Listing
    local_input: Listing
    expansion_filter: Listing
    expansion_input: Listing
    elided: bool
    ends: int
    limit: int


@dataclass(frozen=True)
class ClosedSection:
    """The closed forms' operands, packed into display lines: pad(X) and dL/dO; the padded dL/dO and rot180(F)."""

    filter_operands: tuple[tuple[str, ...], ...]
    input_operands: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ProofRow:
    name: str
    proven: int
    total: int
    empty: int


@dataclass(frozen=True)
class ProofSection:
    """What was proven: a row per gradient and the input elements no window reads."""

    rows: tuple[ProofRow, ...]
    empty_inputs: int
    identities: int


@dataclass(frozen=True)
class DocumentContext:
    """The document's sections; ``general`` is ``None`` unless the proof for all sizes was made,
    ``channels`` without channels, ``representative`` unless the proof was made on one."""

    layer: LayerSection
    formulas: Formulas
    listings: Listings
    pictures: Pictures
    closed: ClosedSection
    channels: Optional[Diagram]
    proven: ProofSection
    representative: Optional[RepresentativeSection]
    general: Optional[GeneralSection]


def document_context(d: Derivation, full: bool = False, general: Optional[Sequence[GeneralProof]] = None) -> DocumentContext:
    layout = Layout(full)
    return DocumentContext(
        layer=layer_section(d, layout),
        formulas=formulas(d.spec),
        listings=listings(d, layout),
        pictures=pictures(d),
        closed=closed_section(d, layout),
        channels=channel_diagram(d.spec),
        proven=proof_section(d),
        representative=representative_section(d) if d.representative else None,
        general=general_section(general) if general else None,
    )


def layer_options(spec: ConvSpec) -> tuple[tuple[str, str], ...]:
    """What sets this layer apart from the tutorial's, in the order titles name them.

    Examples:
        >>> layer_options(ConvSpec.parse("7x7", "3x3", stride="2", padding="1", in_channels=4, out_channels=6,
        ...                              groups=2, bias=True))
        (('stride', '2'), ('padding', '1'), ('channels', '4 \\\\to 6'), ('groups', '2'), ('bias', ''))
    """
    options = [("stride", per_axis(spec.stride)) if set(spec.stride) != {1} else None,
               ("dilation", per_axis(spec.dilation)) if set(spec.dilation) != {1} else None,
               ("padding", per_axis(spec.padding, r",\,")) if spec.padded else None,
               ("channels", r"%d \to %d" % (spec.c_in, spec.c_out)) if spec.channelled else None,
               ("groups", str(spec.n_groups)) if spec.n_groups > 1 else None,
               ("samples", str(spec.n_batch)) if spec.batched else None,
               ("bias", "") if spec.bias else None]
    return tuple(o for o in options if o)


def layer_section(d: Derivation, layout: Layout) -> LayerSection:
    spec, rank, layer = d.spec, d.spec.rank, d.layer
    lead = {name: len(shape) - rank for name, shape in (("X", spec.x_shape), ("F", spec.f_shape), ("O", spec.g_shape))}
    names = {k: first_slice_name(k, lead[k]) for k in ("X", "F", "O")}
    items = (layout.named(names["X"], first_slice(X, spec.x_shape, rank), rank)
             + layout.named(names["F"], first_slice(F, spec.f_shape, rank), rank))
    return LayerSection(
        version=__version__, spec=spec, module=layer.name, rank=rank, ones="1" * rank,
        input_size=_times(spec.input), filter_size=_times(spec.filter), output_size=_times(spec.output),
        stride=per_axis(spec.stride), dilation=per_axis(spec.dilation), padding=per_axis(spec.padding, r",\,"),
        filter_padding=per_axis(spec.grad_filter_padding, r",\,"), input_padding=per_axis(spec.grad_input_padding, r",\,"),
        options=layer_options(layer), plain=spec.is_plain, representative=d.representative,
        description=pr.latex_text(layer.describe()),
        x_name=names["X"], f_name=names["F"], g_name=names["O"], matrices=pack(items),
        sizes=_output_sizes(spec), remainder=any(spec.remainder), max_columns=_max_columns(d, layout),
    )


def listings(d: Derivation, layout: Layout) -> Listings:
    rank = d.spec.rank
    local = lambda table: layout.table(list(table), lambda y: _local_row(y, table[y], rank))  # noqa: E731
    expansion = lambda name, sums: layout.listing(  # noqa: E731
        list(sums), lambda i: _expansion_row(name, sums[i], rank, layout))
    return Listings(
        forward=layout.listing(d.model.windows, lambda w: _forward_row(w, rank, layout)),
        local_filter=local(d.local_filter), local_input=local(d.local_input),
        expansion_filter=expansion("F", d.expansion_filter),
        expansion_input=expansion("X", d.expansion_input),
        elided=not layout.full and max(len(d.model.windows), len(d.expansion_input), len(d.expansion_filter)) > LISTING_LIMIT,
        ends=LISTING_ENDS, limit=LISTING_LIMIT,
    )


def closed_section(d: Derivation, layout: Layout) -> ClosedSection:
    spec, rank = d.spec, d.spec.rank
    g = first_slice(G, spec.g_shape, rank)
    x_title = r"\operatorname{pad}(%s)" % _first("X", spec) if any(p != (0, 0) for p in spec.grad_filter_padding) \
        else _first("X", spec)
    spread = _first(r"\delta", spec) if set(spec.stride) == {1} else r"\operatorname{dilate}(%s)" % _first(r"\delta", spec)
    g_title = r"\operatorname{pad}(%s)" % spread
    return ClosedSection(
        filter_operands=pack(layout.named(x_title, d.closed.x_padded, rank) + layout.named(_first(r"\delta", spec), g, rank)),
        input_operands=pack(layout.named(g_title, d.closed.g_padded, rank)
                            + layout.named(r"\operatorname{rot}_{180}(%s)" % _first("F", spec), d.closed.filter_rotated, rank)),
    )


def _first(name: str, spec: ConvSpec) -> str:
    """The name of a tensor's first sample and channel slice: ``X^{(1,1)}``, ``\\delta^{(1)}``, ``F^{(1,1)}``."""
    shape = {"X": spec.x_shape, "F": spec.f_shape}.get(name, spec.g_shape)
    return first_slice_name(name, len(shape) - spec.rank)


def proof_section(d: Derivation) -> ProofSection:
    rows = tuple(ProofRow(p.gradient.split("/d")[-1], p.proven, p.total, p.empty) for p in d.proof.parts)
    return ProofSection(rows, d.proof.input.empty, sum(r.proven for r in rows))


def _max_columns(d: Derivation, layout: Layout) -> int:
    """amsmath's MaxMatrixCols for this document: at least the widest matrix it shows (every operand,
    the padded ones included) and amsmath's default of 10; at most 64 when long rows are elided
    (they show at most MATRIX_LIMIT columns, and a million makes TeX build a million-column preamble)."""
    shown = (d.closed.x_padded, d.closed.g_padded, d.closed.g_dilated, d.closed.filter_rotated)
    widest = max([10] + [max(a.shape) for a in shown] + [n + 2 for n in d.spec.input])
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


def _output_sizes(spec: ConvSpec) -> tuple[OutputSize, ...]:
    """Per axis: ``n - k + 1 = o`` for the tutorial's layer, else the floor formula with this layer's numbers."""
    axes = zip(spec.input, spec.padding, spec.dilation, spec.filter, spec.stride, spec.output, spec.remainder)
    rows = []
    for number, (i, (lo, hi), d, k, s, o, r) in enumerate(axes, 1):
        if spec.is_plain:
            formula = f"{i} - {k} + 1 = {o}"
        else:
            padded = f"{i} + {lo + hi}" if lo or hi else f"{i}"
            reach = f"{d}\\cdot({k}-1)" if d != 1 else f"({k}-1)"
            formula = rf"\left\lfloor \frac{{{padded} - {reach} - 1}}{{{s}}} \right\rfloor + 1 = {o}"
        rows.append(OutputSize(number, formula, r))
    return tuple(rows)
