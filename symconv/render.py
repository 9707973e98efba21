"""Jinja environments and the two renderers; pure functions from a Derivation to text.

Templates live in the top-level ``templates/`` folder (shipped inside the wheel as
``symconv/templates``). :func:`template_dirs` is the one place that finds them.
Templates receive strings only: every expression is printed by ``printing``.
"""

from __future__ import annotations

import itertools
import math
import os
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np

from . import printing as pr
from .errors import ProofError, SpecError
from .forms import pad, tensor
from .model import B, F, G, X
from .pipeline import Derivation
from .spec import ConvSpec, compact, show
from .version import __version__

TEMPLATE_ENV = "SYMCONV_TEMPLATES"
FORWARD_TERMS_PER_LINE = 6
GRADIENT_TERMS_PER_LINE = 4


def template_dirs() -> list[Path]:
    """Where templates are looked up, in order: ``$SYMCONV_TEMPLATES``, the packaged copy, the source tree."""
    here = Path(__file__).resolve().parent
    candidates = [os.environ.get(TEMPLATE_ENV), here / "templates", here.parent / "templates"]
    return [Path(c) for c in candidates if c and Path(c, "kernel.py.j2").is_file()]


@lru_cache(maxsize=None)
def _environment(latex: bool, dirs: tuple[Path, ...]) -> jinja2.Environment:
    if not dirs:
        raise FileNotFoundError("symconv cannot find its templates/ folder; reinstall symconv")
    delimiters = dict(
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
    ) if latex else {}
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        **delimiters,
    )


def _render(template: str, latex: bool, context: dict) -> str:
    return _environment(latex, tuple(template_dirs())).get_template(template).render(context)


def _require_proof(d: Derivation) -> None:
    for part in (d.proof.filter, d.proof.input):
        if part.failures:
            name = part.gradient.split("/d")[-1]
            first = pr.index_label(part.failures[0])
            raise ProofError(
                f"{part.gradient}: {len(part.failures)} of {part.total} identities failed, "
                f"first at {name}_{{{first}}} (1-based); nothing was written"
            )


# -- NumPy kernel -------------------------------------------------------------
def render_numpy(d: Derivation) -> str:
    """The standalone NumPy module (forward, grad_filter, grad_input) for ``d``'s layer."""
    _require_proof(d)
    return _render("kernel.py.j2", False, kernel_context(d))


def kernel_context(d: Derivation) -> dict:
    spec = d.spec
    source, target = spec.gradient_placement()
    rotated = lambda k: tuple(n - 1 - v for n, v in zip(spec.filter, k))  # noqa: E731
    return dict(
        name=spec.name,
        version=__version__,
        description=spec.describe(),
        output=show(spec.output),
        stride=spec.stride,
        dilation=spec.dilation,
        padding=spec.padding,
        remainder=spec.remainder,
        specialized=_specialized_lines(spec),
        proven=", ".join(f"{p.proven} identities for {p.gradient}" for p in d.proof.parts),
        x_shape=_batched_shape(spec.input),
        g_shape=_batched_shape(spec.output),
        f_shape=str(spec.f_shape),
        taps=math.prod(spec.filter),
        rank=spec.rank,
        channelled=spec.channelled,
        bias=spec.bias,
        c_in=spec.c_in,
        c_out=spec.c_out,
        groups=spec.n_groups,
        input_shape=spec.input,
        filter_shape=spec.f_shape,
        kernel_shape=spec.filter,
        sp="xyz"[: spec.rank],  # einsum letters of the spatial axes
        output_shape=spec.output,
        input_dims=pr.python_index(spec.input),
        filter_dims=pr.python_index(spec.f_shape),
        output_dims=pr.python_index(spec.output),
        input_dims_c=pr.python_index((spec.c_in,) + spec.input),
        output_dims_c=pr.python_index((spec.c_out,) + spec.output),
        padded=not all(p == (0, 0) for p in spec.padding),
        x_source="X" if all(p == (0, 0) for p in spec.padding) else "Xp",
        forward_taps=[_tap(k, spec.tap_window(k)) for k in spec.taps()],
        padded_gradient=spec.padded_gradient,
        placement_source=_slices(source),
        placement_target=_slices(target),
        input_taps=[_tap(rotated(k), spec.gradient_window(k)) for k in spec.taps()],
    )


def _tap(index: tuple[int, ...], window: tuple[slice, ...]) -> dict:
    return dict(index=pr.python_index(index), window=_slices(window))


def _slices(slices: tuple[slice, ...]) -> str:
    return ", ".join(pr.python_slice(s) for s in slices)


def _batched_shape(shape: tuple[int, ...]) -> str:
    return "(..., " + pr.python_index(shape) + ")"


def _specialized_lines(spec: ConvSpec) -> list[str]:
    if not spec.is_plain:
        return []
    k1 = compact(tuple(k - 1 for k in spec.filter))
    return [
        "Here (stride 1, dilation 1, no padding) dL/dF is the valid correlation of X with G,",
        f"and dL/dX the full correlation of G, zero-padded by K-1 = {k1} on every side,",
        "with rot180(F): the full convolution of G with F.",
    ]


# -- LaTeX document ------------------------------------------------------------
LANGUAGES = ("en", "zh")
LATEX_ENGINES = {"en": "pdflatex", "zh": "xelatex"}
PICTURE_LIMIT = 12  # largest number of rows or columns drawn as a grid of cells


def render_latex(d: Derivation, lang: str = "en") -> str:
    """The standalone LaTeX derivation document for ``d``'s layer.

    Args:
        d: a proven derivation.
        lang: ``"en"`` (compiles with pdflatex) or ``"zh"`` (Chinese, xelatex + ctex).
    """
    if lang not in LANGUAGES:
        raise SpecError("--lang", f"{lang!r} is not a language symconv writes; choose one of {', '.join(LANGUAGES)}")
    _require_proof(d)
    return _render(f"derivation_{lang}.tex.j2", True, latex_context(d))


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


def summary_latex(d: Derivation) -> str:
    """A few lines for notebooks: the closed forms and what was proven."""
    p = d.proof
    return (
        rf"$\text{{{d.spec.describe()}}}:\ \frac{{\partial L}}{{\partial F}} = X \star \frac{{\partial L}}{{\partial O}},"
        rf"\ \frac{{\partial L}}{{\partial X}} = \mathrm{{pad}}(\frac{{\partial L}}{{\partial O}}) \star \mathrm{{rot}}_{{180}}(F)"
        rf"\quad ({p.filter.proven}/{p.filter.total} + {p.input.proven}/{p.input.total}\ \text{{identities proven}})$"
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


# -- symconv chain -------------------------------------------------------------------
def render_chain_latex(result) -> str:
    """The ``symconv chain`` document: expression, TikZ graph, local gradients, chain rule."""
    from .chain import chain_context

    return _render("chain.tex.j2", True, chain_context(result))
