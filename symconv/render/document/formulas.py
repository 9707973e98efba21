"""The layer's index formulas and closed forms as LaTeX, written for this layer: its stride,
dilation, padding, channels, groups and bias, and nothing it does not have.

Indices are 1-based: output ``i, j, k``, filter taps ``a, b, e``, input ``u, v, w``; with
channels, sample ``n``, input channel ``c`` (``c'`` its place in its group) and output channel
``o``. Every read position comes from ``layer.axis.read``, the formula the derivation uses.
``A \\star_{s,d} B`` is the correlation with window stride ``s`` and dilation ``d``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ...layer import ConvSpec
from ...layer import axis

OUT, TAP, IN = ("i", "j", "k"), ("a", "b", "e"), ("u", "v", "w")


@dataclass(frozen=True)
class Formulas:
    """Index formulas (forward, dL/dF, dL/dX, dL/db) and the closed forms, one LaTeX string each."""

    star: str
    forward: str
    grad_filter: str
    grad_input: str
    grad_bias: str
    closed_filter: str
    closed_input: str
    closed_bias: str
    group_map: str


def formulas(spec: ConvSpec) -> Formulas:
    return Formulas(
        star=star_definition(spec.rank), forward=forward_formula(spec), grad_filter=grad_filter_formula(spec),
        grad_input=grad_input_formula(spec), grad_bias=grad_bias_formula(spec) if spec.bias else "",
        closed_filter=closed_filter(spec), closed_input=closed_input(spec),
        closed_bias=grad_bias_closed(spec) if spec.bias else "",
        group_map=group_map(spec) if spec.channelled else "",
    )


def affine(terms: list[tuple[object, str]], constant: int) -> str:
    """``2i + a - 3`` from coefficients and names (a coefficient 1 is left out).

    Examples:
        >>> affine([(2, "i"), (1, "a")], -3), affine([(1, "i")], 0)
        ('2i + a - 3', 'i')
    """
    text = " + ".join(f"{'' if c == 1 else c}{name}" for c, name in terms if c)
    return text + (f" + {constant}" if constant > 0 else f" - {-constant}" if constant < 0 else "")


def read_text(spec: ConvSpec, ax: int) -> str:
    """The 1-based input position that output ``i`` reads through tap ``a`` on axis ``ax``:
    ``axis.read`` of the 0-based indices, plus one.

    Examples:
        >>> read_text(ConvSpec.parse("7x7", "3x3", stride="2", padding="1"), 0)
        '2i + a - 3'
    """
    i, a = sympy.symbols("i a", integer=True)
    s, d, (lo, _) = spec.stride[ax], spec.dilation[ax], spec.padding[ax]
    position = sympy.expand(axis.read(i - 1, a - 1, s, d, lo) + 1)
    return affine([(position.coeff(i), OUT[ax]), (position.coeff(a), TAP[ax])], int(position.subs({i: 0, a: 0})))


def _joined(names: list[str]) -> str:
    return "".join(names) if all(len(n) == 1 for n in names) else r",\,".join(names)


def _reads(spec: ConvSpec) -> str:
    return _joined([read_text(spec, ax) for ax in range(spec.rank)])


def _lead(spec: ConvSpec, channel: str) -> str:
    """The superscript naming sample and channel, as elements carry it: ``^{(n,c)}``, ``^{(c)}`` or none."""
    parts = (["n"] if spec.batched else []) + ([channel] if spec.channelled else [])
    return "^{(%s)}" % ",".join(parts) if parts else ""


def _filter_lead(spec: ConvSpec) -> str:
    return "^{(o,c')}" if spec.channelled else ""


def _sums(names: tuple[str, ...], tops: tuple[int, ...]) -> str:
    return r"\,".join(r"\sum_{%s=1}^{%d}" % (n, t) for n, t in zip(names, tops))


def star_definition(rank: int) -> str:
    """``(A \\star_{s,d} B)_{ij} = sum_ab A_{s(i-1)+d(a-1)+1, ...} B_{ab}`` (``\\star`` alone: ``s = d = 1``)."""
    reads = _joined([f"s(i_{x}-1) + d(a_{x}-1) + 1" if rank > 1 else "s(i-1) + d(a-1) + 1" for x in range(1, rank + 1)])
    out = "".join(f"i_{x}" for x in range(1, rank + 1)) if rank > 1 else "i"
    taps = "".join(f"a_{x}" for x in range(1, rank + 1)) if rank > 1 else "a"
    return r"(A \star_{s,d} B)_{%s} = \sum_{%s} A_{%s}\, B_{%s}" % (out, taps, reads, taps)


def forward_formula(spec: ConvSpec) -> str:
    out, taps = OUT[: spec.rank], TAP[: spec.rank]
    bias = "b_{o} + " if spec.bias else ""
    channels = r"\sum_{c'=1}^{%d} " % spec.cg_in if spec.channelled else ""
    return r"O%s_{%s} = %s%s%s X%s_{%s}\, F%s_{%s}" % (
        _lead(spec, "o"), _joined(list(out)), bias, channels, _sums(taps, spec.filter), _lead(spec, "c"),
        _reads(spec), _filter_lead(spec), _joined(list(taps)))


def grad_filter_formula(spec: ConvSpec) -> str:
    out, taps = OUT[: spec.rank], TAP[: spec.rank]
    samples = r"\sum_{n=1}^{%d} " % spec.n_batch if spec.batched else ""
    return r"\frac{\partial L}{\partial F%s_{%s}} = %s%s \delta%s_{%s}\, X%s_{%s}" % (
        _filter_lead(spec), _joined(list(taps)), samples, _sums(out, spec.output), _lead(spec, "o"),
        _joined(list(out)), _lead(spec, "c"), _reads(spec))


def grad_input_formula(spec: ConvSpec) -> str:
    out, taps, ins = OUT[: spec.rank], TAP[: spec.rank], IN[: spec.rank]
    channels = r"\sum_{o \in \mathcal{O}(c)} " if spec.channelled and spec.cg_out * spec.n_groups > 1 else ""
    if spec.is_plain:
        shifted = _joined([f"{u} - {a} + 1" for u, a in zip(ins, taps)])
        body = r"%s \delta%s_{%s}\, F%s_{%s}" % (_sums(taps, spec.filter), _lead(spec, "o"), shifted,
                                                 _filter_lead(spec), _joined(list(taps)))
    else:
        guards = r",\ ".join(f"{read_text(spec, ax)} = {ins[ax]}" for ax in range(spec.rank))
        body = r"\sum_{%s} \delta%s_{%s}\, F%s_{%s}" % (guards, _lead(spec, "o"), _joined(list(out)),
                                                        _filter_lead(spec), _joined(list(taps)))
    return r"\frac{\partial L}{\partial X%s_{%s}} = %s%s" % (_lead(spec, "c"), _joined(list(ins)), channels, body)


def grad_bias_formula(spec: ConvSpec) -> str:
    samples = r"\sum_{n=1}^{%d} " % spec.n_batch if spec.batched else ""
    out = OUT[: spec.rank]
    return r"\frac{\partial L}{\partial b_{o}} = %s%s \delta%s_{%s}" % (samples, _sums(out, spec.output),
                                                                      _lead(spec, "o"), _joined(list(out)))


def grad_bias_closed(spec: ConvSpec) -> str:
    return r"\frac{\partial L}{\partial b_{o}} = \sum %s" % (r"\delta^{(n,o)}" if spec.batched else r"\delta^{(o)}")


def group_map(spec: ConvSpec) -> str:
    """Which input channel filter slot ``c'`` of output channel ``o`` reads, and which outputs read ``c``."""
    return (r"c = (\gamma(o) - 1)\,%d + c', \quad \gamma(o) = \lceil o / %d \rceil, \quad "
            r"\mathcal{O}(c) = \{\, o : \gamma(o) = \lceil c / %d \rceil \,\}"
            % (spec.cg_in, spec.cg_out, spec.cg_in))


def per_axis(values: tuple, joiner: str = ",") -> str:
    """One value when every axis has it, else one per axis.

    Examples:
        >>> per_axis((2, 2)), per_axis((2, 1)), per_axis(((1, 0), (1, 0)))
        ('2', '(2,1)', '1:0')
    """
    shown = [f"{v[0]}:{v[1]}" if isinstance(v, tuple) and v[0] != v[1] else str(v[0] if isinstance(v, tuple) else v)
             for v in values]
    return shown[0] if len(set(shown)) == 1 else "(%s)" % joiner.join(shown)


def _star(stride: tuple, dilation: tuple) -> str:
    if set(stride) == {1} and set(dilation) == {1}:
        return r"\star"
    return r"\star_{%s,%s}" % (per_axis(stride), per_axis(dilation))


def _pad(padding: tuple, operand: str) -> str:
    if all(p == (0, 0) for p in padding):
        return operand
    return r"\operatorname{pad}_{%s}\bigl(%s\bigr)" % (per_axis(padding, r",\,"), operand)


def closed_filter(spec: ConvSpec) -> str:
    """dL/dF for this layer: the (padded, cropped) input correlated with dL/dO, stride and dilation swapped."""
    x, g = "X" + _lead(spec, "c"), r"\delta" + _lead(spec, "o")
    samples = r"\sum_{n} " if spec.batched else ""
    return r"\frac{\partial L}{\partial F%s} = %s%s %s %s" % (
        _filter_lead(spec), samples, _pad(spec.grad_filter_padding, x), _star(spec.dilation, spec.stride), g)


def closed_input(spec: ConvSpec) -> str:
    """dL/dX for this layer: dL/dO dilated by the stride, padded, correlated with the rotated filter."""
    g = r"\delta" + _lead(spec, "o")
    if set(spec.stride) != {1}:
        g = r"\operatorname{dilate}_{%s}(%s)" % (per_axis(spec.stride), g)
    channels = r"\sum_{o \in \mathcal{O}(c)} " if spec.channelled and spec.cg_out * spec.n_groups > 1 else ""
    return r"\frac{\partial L}{\partial X%s} = %s%s %s \operatorname{rot}_{180}(F%s)" % (
        _lead(spec, "c"), channels, _pad(spec.grad_input_padding, g), _star((1,) * spec.rank, spec.dilation),
        _filter_lead(spec))
