"""The trees of ``recipes`` (pad, dilate, rot180, corr) read on symbolic sizes: one element of
the result as a :class:`GuardedSum`, and the result's length, per axis.

This is the symbolic twin of ``forms.evaluate``, written from the same definitions
(conv-gradients.md section 4) with the lengths of ``layer.axis``:

    pad(A, lo, hi)[t]   = A[t - lo]               0 <= t <= padded_length(len A, lo, hi) - 1
    dilate_s(A)[t]      = A[t / s]                s | t, 0 <= t <= dilated_length(len A, s) - 1
    rot180(A)[t]        = A[rotated(t, len A)]    0 <= t <= len A - 1
    corr(A, B)[z]       = sum_m A[st z + dl m] B[m]   m = 0..len B - 1, 0 <= st z <= len A - extent(len B, dl)

and every operand read inside its own shape (``X`` is 0 outside it: the zero extension).
Strides, dilations and dilation steps must be >= 1; they are collected as obligations that the
theorem decides.

Examples:
    >>> from .sizes import axes
    >>> from .. import recipes
    >>> z = axes(1)[0]
    >>> form = recipes.grad_filter_form(recipes.Sizes((z.n,), (z.k,), (z.s,), (z.d,), (z.lo,), (z.hi,), (z.r,)))
    >>> reading = Reading({"X": Tensor(X, (), (z.n,)), "G": Tensor(G, (), (z.O,))})
    >>> reading.lengths(form)
    (floor((hi + lo + n - r - s*(O - 1) - 1)/d) + 1,)
    >>> [a.text() for a in reading.element(form, (integer("t"),)).atoms][:2]
    ['0 <= d*t - lo + m*s <= n - 1', '0 <= d*t + m*s <= hi + lo + n - r - 1']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy import IndexedBase

from ...layer import axis
from ..recipes import Corr, Dilate, Form, Operand, Pad, Rot180
from ..symbols import G, X  # noqa: F401 (doctest)
from .atoms import Atom, Bound, GuardedSum
from .sizes import integer  # noqa: F401 (doctest)

CORR_NAMES = ("m", "u", "v", "w")  # the kernel index of the first, second, ... correlation


@dataclass(frozen=True)
class Tensor:
    """An operand: its base, the lead (batch, channel) indices of the one channel pair, its lengths."""

    base: IndexedBase
    lead: tuple
    lengths: tuple


@dataclass
class Reading:
    """Reads trees over fixed operands; counts correlations to name their kernel indices."""

    operands: dict
    obligations: list = field(default_factory=list)  # (expression that must be >= 1, what it is)
    corrs: int = 0

    def lengths(self, form: Form) -> tuple:
        """The per-axis lengths of ``form``'s result, by ``layer.axis``'s formulas."""
        if isinstance(form, Operand):
            return self._operand(form).lengths
        if isinstance(form, Pad):
            return tuple(axis.padded_length(n, lo, hi) for n, (lo, hi) in zip(self.lengths(form.operand), form.widths))
        if isinstance(form, Dilate):
            return tuple(axis.dilated_length(n, s) for n, s in zip(self.lengths(form.operand), form.step))
        if isinstance(form, Rot180):
            return self.lengths(form.operand)
        return tuple(axis.correlation_length(n, k, st, dl) for n, k, st, dl in zip(
            self.lengths(form.operand), self.lengths(form.kernel), form.stride, form.dilation))

    def element(self, form: Form, at: tuple) -> GuardedSum:
        """Element ``at`` of ``form``'s result as a guarded sum."""
        if isinstance(form, Operand):
            return self._read(form, at)
        if isinstance(form, Pad):
            return self._pad(form, at)
        if isinstance(form, Dilate):
            return self._dilate(form, at)
        if isinstance(form, Rot180):
            return self._rot180(form, at)
        if isinstance(form, Corr):
            return self._corr(form, at)
        raise TypeError(f"not a closed-form tree: {form!r}")

    def _operand(self, form: Operand) -> Tensor:
        if form.name not in self.operands:
            raise KeyError(form.name)
        return self.operands[form.name]

    def _read(self, form: Operand, at: tuple) -> GuardedSum:
        t = self._operand(form)
        guards = tuple(Atom.between(0, e, n - 1, f"the shape of {form.name}") for e, n in zip(at, t.lengths))
        return GuardedSum((), (t.base[t.lead + tuple(at)],), guards)

    def _pad(self, form: Pad, at: tuple) -> GuardedSum:
        inner = self.element(form.operand, tuple(t - lo for t, (lo, _) in zip(at, form.widths)))
        return inner.guarded(*(Atom.between(0, t, length - 1, "pad") for t, length in zip(at, self.lengths(form))))

    def _dilate(self, form: Dilate, at: tuple) -> GuardedSum:
        self.obligations += [(s, "a dilation step") for s in form.step]
        inner = self.element(form.operand, tuple(t / s for t, s in zip(at, form.step)))
        guards = [Atom.divides(s, t, "dilate") for t, s in zip(at, form.step)]
        guards += [Atom.between(0, t, length - 1, "dilate") for t, length in zip(at, self.lengths(form))]
        return inner.guarded(*guards)

    def _rot180(self, form: Rot180, at: tuple) -> GuardedSum:
        lengths = self.lengths(form.operand)
        inner = self.element(form.operand, tuple(axis.rotated(t, n) for t, n in zip(at, lengths)))
        return inner.guarded(*(Atom.between(0, t, n - 1, "rot180") for t, n in zip(at, lengths)))

    def _corr(self, form: Corr, at: tuple) -> GuardedSum:
        self.obligations += [(st, "a correlation stride") for st in form.stride]
        self.obligations += [(dl, "a correlation dilation") for dl in form.dilation]
        name, self.corrs = CORR_NAMES[self.corrs % len(CORR_NAMES)] * (1 + self.corrs // len(CORR_NAMES)), self.corrs + 1
        taps = tuple(integer(name + sfx) for sfx in _suffixes(len(at)))
        a_len, k_len = self.lengths(form.operand), self.lengths(form.kernel)
        reads = tuple(st * z + dl * m for z, m, st, dl in zip(at, taps, form.stride, form.dilation))
        body = self.element(form.operand, reads).times(self.element(form.kernel, taps))
        windows = tuple(Atom.between(0, st * z, n - axis.extent(k, dl), "corr") for z, st, n, k, dl in zip(
            at, form.stride, a_len, k_len, form.dilation))
        return body.guarded(*windows).summed(*(Bound(m, sympy.S.Zero, k - 1) for m, k in zip(taps, k_len)))


def _suffixes(rank: int) -> tuple[str, ...]:
    return ("",) if rank == 1 else tuple(str(j + 1) for j in range(rank))
