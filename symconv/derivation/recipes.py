"""The closed forms, written once: trees of ``pad``, ``dilate``, ``rot180`` and ``corr`` over one
channel pair's X, F and G, their per-axis parameters given by ``layer.axis``.

Every interpreter evaluates these same trees: ``forms.py`` on arrays of SymPy elements for a
concrete layer, the proof for all sizes on symbolic sizes. A change to a formula of
``layer.axis`` or to a tree here changes all of them alike.

    dL/dF = corr(pad(X, lo, hi - r), G; stride d, dilation s)
    dL/dX = corr(pad(dilate_s(G), d(K-1) - lo, d(K-1) - hi + r), rot180(F); stride 1, dilation d)

Examples:
    >>> from symconv.layer import ConvSpec
    >>> grad_filter_form(Sizes.of(ConvSpec.parse("5", "2", stride=2)))  # r = 1: crop the unread last row
    Corr(operand=Pad(operand=Operand(name='X'), widths=((0, -1),)), kernel=Operand(name='G'), stride=(1,), dilation=(2,))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from ..layer import axis

if TYPE_CHECKING:
    from ..layer import ConvSpec


@dataclass(frozen=True)
class Operand:
    """One channel pair's slice of a tensor: ``X`` (input), ``F`` (filter) or ``G`` (dL/dO)."""

    name: str


@dataclass(frozen=True)
class Pad:
    """``pad(operand, lo, hi)`` per axis: zeros before and after; a negative width crops."""

    operand: "Form"
    widths: tuple[tuple[object, object], ...]


@dataclass(frozen=True)
class Dilate:
    """``dilate_s(operand)`` per axis: ``s - 1`` zeros between neighbours."""

    operand: "Form"
    step: tuple[object, ...]


@dataclass(frozen=True)
class Rot180:
    """``rot180(operand)``: every spatial axis reversed."""

    operand: "Form"


@dataclass(frozen=True)
class Corr:
    """Valid cross-correlation ``out[z] = sum_m operand[stride*z + dilation*m] * kernel[m]``."""

    operand: "Form"
    kernel: "Form"
    stride: tuple[object, ...]
    dilation: tuple[object, ...]


Form = Union[Operand, Pad, Dilate, Rot180, Corr]
X, F, G = Operand("X"), Operand("F"), Operand("G")


@dataclass(frozen=True)
class Sizes:
    """A layer's per-axis sizes: ints for a concrete layer, SymPy symbols for all sizes."""

    n: tuple
    k: tuple
    s: tuple
    d: tuple
    lo: tuple
    hi: tuple
    r: tuple

    @classmethod
    def of(cls, spec: "ConvSpec") -> "Sizes":
        lo, hi = zip(*spec.padding)
        return cls(spec.input, spec.filter, spec.stride, spec.dilation, lo, hi, spec.remainder)

    @property
    def rank(self) -> int:
        return len(self.n)


def grad_filter_form(z: Sizes) -> Corr:
    """dL/dF: X padded by ``axis.grad_filter_padding``, correlated with G at window stride d and
    kernel dilation s (the forward's stride and dilation swap places)."""
    widths = tuple(axis.grad_filter_padding(lo, hi, r) for lo, hi, r in zip(z.lo, z.hi, z.r))
    return Corr(Pad(X, widths), G, stride=z.d, dilation=z.s)


def grad_input_form(z: Sizes) -> Corr:
    """dL/dX: G dilated by the stride and padded by ``axis.grad_input_padding``, correlated with
    the rotated filter at stride 1 and the layer's dilation."""
    widths = tuple(axis.grad_input_padding(k, d, lo, hi, r) for k, d, lo, hi, r in zip(z.k, z.d, z.lo, z.hi, z.r))
    return Corr(Pad(Dilate(G, z.s), widths), Rot180(F), stride=(1,) * z.rank, dilation=z.d)
