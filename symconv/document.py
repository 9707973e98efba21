"""The context of the derivation document: every expression and picture, as strings.

``render.render_latex`` fills ``templates/derivation_<lang>.tex.j2`` with it.
"""

from __future__ import annotations

import itertools

import numpy as np

from . import printing as pr
from .forms import pad, tensor
from .model import B, F, G, X
from .pipeline import Derivation
from .spec import ConvSpec
from .version import __version__

FORWARD_TERMS_PER_LINE = 6
GRADIENT_TERMS_PER_LINE = 4
PICTURE_LIMIT = 12  # largest number of rows or columns drawn as a grid of cells


def latex_context(d: Derivation) -> dict:
    spec, rank = d.spec, d.spec.rank
    lead = {name: len(shape) - rank for name, shape in (("X", spec.x_shape), ("F", spec.f_shape), ("O", spec.g_shape))}
    return dict(
        version=__version__,
        spec=spec,
        rank=rank,
        input_size=_times(spec.input),
        filter_size=_times(spec.filter),
        output_size=_times(spec.output),
        plain=spec.is_plain,
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
        x_matrix=pr.latex_array(_first_slice(X, spec.x_shape, rank), rank),
        f_matrix=pr.latex_array(_first_slice(F, spec.f_shape, rank), rank),
        g_matrix=pr.latex_array(_first_slice(G, spec.g_shape, rank), rank),
        forward=[_forward_row(w, rank) for w in d.model.windows],
        local_filter=[_local_row(y, pairs, rank) for y, pairs in d.local_filter.items()],
        local_input=[_local_row(y, pairs, rank) for y, pairs in d.local_input.items()],
        local_bias=[_local_row(y, pairs, rank) for y, pairs in d.local_bias.items()],
        expansion_filter=[_expansion_row("F", e, rank) for e in d.expansion_filter.values()],
        expansion_input=[_expansion_row("X", e, rank) for e in d.expansion_input.values()],
        expansion_bias=[_expansion_row("b", e, rank) for e in d.expansion_bias.values()],
        x_padded=pr.latex_array(d.closed.x_padded, rank),
        g_padded=pr.latex_array(d.closed.g_padded, rank),
        f_rotated=pr.latex_array(d.closed.filter_rotated, rank),
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


def _times(shape: tuple[int, ...]) -> str:
    return r" \times ".join(map(str, shape))


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [["0"]]


def _first_slice(base, shape: tuple[int, ...], rank: int):
    """The spatial slice of a tensor at sample 0, channel 0 (the whole tensor without channels)."""
    return tensor(base, shape).reshape((-1,) + shape[len(shape) - rank :])[0]


def _first_slice_name(name: str, lead: int) -> str:
    return name + ("^{(%s)}" % ",".join("1" * lead) if lead else "")


def _forward_row(w, rank: int) -> dict:
    terms = [pr.latex(B[w.bias], rank)] if w.bias is not None else []
    terms += [pr.latex_product((X[i], F[k]), rank) for k, i in zip(w.taps, w.positions)]
    return dict(lhs=pr.element_label("O", w.output, rank), lines=_chunks(terms, FORWARD_TERMS_PER_LINE))


def _local_row(y, pairs, rank: int) -> list[str]:
    o = pr.element_label("O", y, rank)
    return [r"\frac{\partial %s}{\partial %s} = %s" % (o, pr.latex(w, rank), pr.latex(dw, rank)) for w, dw in pairs]


def _expansion_row(name: str, e, rank: int) -> dict:
    terms = [pr.latex_product((G[t.output], t.local), rank) for t in e.terms]
    lhs = r"\frac{\partial L}{\partial %s}" % pr.latex(e.element, rank)
    return dict(lhs=lhs, lines=_chunks(terms, GRADIENT_TERMS_PER_LINE), count=len(terms))


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
        padded=any(lo or hi for lo, hi in spec.padding),
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


