"""The closed forms of a concrete layer: the trees of ``recipes.py`` evaluated on arrays of
SymPy elements, channel pair by channel pair.

Built from their own definitions, without looking at the chain-rule expansions. These are the
SymPy expressions the API hands out (``Derivation.closed_input`` and the others, built when
first read); the proof decides on the same trees interpreted on index arrays
(``index_forms.py``), and the tests check that both interpreters agree element by element:

    dL/dF = corr(pad(X, lo, hi - r), G; window stride d, kernel dilation s)
    dL/dX = corr(pad(dilate_s(G), d(K-1) - lo, d(K-1) - hi + r), rot180(F); stride 1, dilation d)

With stride 1, dilation 1 and no padding these are the tutorial's results: dL/dF is
the valid correlation of X with dL/dO, and dL/dX the full correlation of the
zero-padded dL/dO with the filter rotated by 180 degrees (= full convolution with F).
With channels and groups the correlations run per channel pair: dL/dF sums over the
batch, dL/dX over the output channels of the input channel's group, and

    dL/db = the sum of G over the batch and every position.

See ``conv-gradients.md`` section 4 for the general case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..layer import ConvSpec
from ..layer import channels, layout
from . import recipes
from .operators import correlate, dilate, pad, rot180, tensor
from .recipes import Corr, Dilate, Form, Operand, Pad, Rot180, Sizes
from .symbols import F, G, X, total


@dataclass(frozen=True)
class ClosedForms:
    """The closed forms as object arrays of SymPy expressions (element layout), with operands.

    ``x_padded``/``g_dilated`` are the operands of the dL/dF correlation and
    ``g_padded``/``filter_rotated`` those of the dL/dX correlation, for the first
    sample and channel pair; documents show them.
    """

    filter: np.ndarray
    input: np.ndarray
    bias: np.ndarray
    x_padded: np.ndarray
    g_dilated: np.ndarray
    g_padded: np.ndarray
    filter_rotated: np.ndarray


def closed_forms(spec: ConvSpec) -> ClosedForms:
    """Build dL/dF, dL/dX and dL/db for ``spec`` from the convolution definitions above."""
    x = tensor(X, spec.x_shape).reshape((spec.n_batch, spec.c_in) + spec.input)
    f = tensor(F, spec.f_shape).reshape((spec.c_out, spec.cg_in) + spec.filter)
    g = tensor(G, spec.g_shape).reshape((spec.n_batch, spec.c_out) + spec.output)
    first = {"X": x[0, 0], "F": f[0, 0], "G": g[0, 0]}
    filter_form, input_form = recipes.grad_filter_form(Sizes.of(spec)), recipes.grad_input_form(Sizes.of(spec))
    return ClosedForms(
        filter=_element_layout(grad_filter(spec, x, g), spec.f_shape, spec.rank),
        input=_element_layout(grad_input(spec, f, g), spec.x_shape, spec.rank),
        bias=grad_bias(spec, g),
        x_padded=evaluate(filter_form.operand, first),
        g_dilated=evaluate(input_form.operand.operand, first),
        g_padded=evaluate(input_form.operand, first),
        filter_rotated=evaluate(input_form.kernel, first),
    )


def evaluate(form: Form, operands: dict[str, np.ndarray]) -> np.ndarray:
    """A tree of ``recipes`` on object arrays: ``operands`` maps X, F, G to one channel pair's slices."""
    if isinstance(form, Operand):
        return operands[form.name]
    if isinstance(form, Pad):
        return pad(evaluate(form.operand, operands), form.widths)
    if isinstance(form, Dilate):
        return dilate(evaluate(form.operand, operands), form.step)
    if isinstance(form, Rot180):
        return rot180(evaluate(form.operand, operands))
    assert isinstance(form, Corr)
    return correlate(evaluate(form.operand, operands), evaluate(form.kernel, operands), form.stride, form.dilation)


def grad_filter(spec: ConvSpec, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``dF[o, c'] = sum_n corr(pad(X[n, c(o, c')], lo, hi - r), G[n, o]; stride d, dilation s)``."""
    form = recipes.grad_filter_form(Sizes.of(spec))
    return _stack({
        (o, slot): _sum(
            evaluate(form, {"X": x[n, layout.channel_read(spec, o, slot)], "G": g[n, o]})
            for n in range(spec.n_batch)
        )
        for o, slot in np.ndindex(spec.c_out, spec.cg_in)
    })


def grad_input(spec: ConvSpec, f: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``dX[n, c] = sum over o in c's group of corr(pad(dilate_s(G[n, o])), rot180(F[o, c - group*C_in/g]))``.

    Summing over the output channels of ``c``'s group with filter slot ``c - group*C_in/g``
    is the per-group channel transpose of the filter.
    """
    form = recipes.grad_input_form(Sizes.of(spec))
    return _stack({
        (n, c): _sum(
            evaluate(form, {"G": g[n, o], "F": f[o, channels.input_slot(c, spec.cg_in)]})
            for o in channels.group_outputs(channels.input_group(c, spec.cg_in), spec.cg_out)
        )
        for n, c in np.ndindex(spec.n_batch, spec.c_in)
    })


def _stack(blocks: dict[tuple[int, int], np.ndarray]) -> np.ndarray:
    """Arrays keyed by a (lead, lead) pair as one array; their own shape is kept, right or wrong."""
    lead = tuple(v + 1 for v in max(blocks))
    first = next(iter(blocks.values()))
    out = np.empty(lead + first.shape, dtype=object)
    for key, block in blocks.items():
        out[key] = block
    return out


def _element_layout(a: np.ndarray, shape: tuple[int, ...], rank: int) -> np.ndarray:
    """Drop the lead axes a spec's element layout leaves out (``shape``'s lead part is kept)."""
    return a.reshape(shape[: len(shape) - rank] + a.shape[2:])


def grad_bias(spec: ConvSpec, g: np.ndarray) -> np.ndarray:
    """``db[o] = sum over samples and positions of G[n, o, y]`` (empty without a bias)."""
    out = np.empty(spec.b_shape or (0,), dtype=object)
    for o in range(out.shape[0]):
        out[o] = sympy.Add(*g[:, o].flat)
    return out


def _sum(arrays) -> np.ndarray:
    """Element-wise sum of same-shaped arrays of sums, each element built once."""
    arrays = list(arrays)
    if len(arrays) == 1:
        return arrays[0]
    out = np.empty(arrays[0].shape, dtype=object)
    for i in np.ndindex(*out.shape):
        out[i] = total(t for a in arrays for t in sympy.Add.make_args(a[i]))
    return out
