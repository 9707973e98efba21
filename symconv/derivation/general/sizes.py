"""The symbols of a layer of any size, the conditions that tie them, and the one decision every
other step rests on: a polynomial in the sizes is >= 0 for every size the conditions allow.

Per axis: input ``n``, filter ``K``, stride ``s``, dilation ``d``, padding ``lo``/``hi`` (any
integers: a negative one crops), output ``O`` and remainder ``r``. ``n`` is eliminated by the
definition of ``O`` and ``r`` (``layer.axis.output_identity``, solved for ``n``: its coefficient
is 1), so every statement is a polynomial in ``K, s, d, lo, hi, r, O`` with

    K >= 1, d >= 1, O >= 1, 0 <= r <= s - 1.

:func:`nonnegative` substitutes ``K = 1 + K'``, ``d = 1 + d'``, ``O = 1 + O'`` and
``s = r + 1 + e`` (all new symbols >= 0): a polynomial whose coefficients are then all >= 0 is
>= 0 everywhere. That is exact (never a sample) and incomplete: ``False`` means "not shown".

Examples:
    >>> z = axes(1)[0]
    >>> nonnegative(z.s * (z.O - 1) - z.r + z.s - 1), nonnegative(z.lo)
    (True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy
from sympy import Expr, Symbol

from ...layer import axis


def integer(name: str) -> Symbol:
    """An integer symbol (no sign assumption: signs are conditions, decided by :func:`nonnegative`)."""
    return Symbol(name, integer=True)


@dataclass(frozen=True)
class AxisSizes:
    """The size symbols of one spatial axis."""

    n: Symbol
    k: Symbol
    s: Symbol
    d: Symbol
    lo: Symbol
    hi: Symbol
    r: Symbol
    O: Symbol  # noqa: E741 (the tutorial's name)

    @classmethod
    def named(cls, suffix: str) -> "AxisSizes":
        return cls(*(integer(f"{v}{suffix}") for v in ("n", "K", "s", "d", "lo", "hi", "r", "O")))

    def n_defined(self) -> Expr:
        """``n`` from the definition of ``O`` and ``r`` (``axis.output_identity`` is linear in n)."""
        identity = axis.output_identity(self.n, self.k, self.s, self.d, self.lo, self.hi, self.O, self.r)
        slope = sympy.expand(identity).coeff(self.n)
        return sympy.expand(self.n - identity / slope)

    def shifts(self, suffix: str) -> dict[Symbol, Expr]:
        """The substitution that makes every condition of this axis ``symbol >= 0``."""
        plus = lambda name: integer(f"_{name}{suffix}")  # noqa: E731 (internal, never printed)
        return {self.k: 1 + plus("K"), self.d: 1 + plus("d"), self.O: 1 + plus("O"),
                self.s: self.r + 1 + plus("e"), self.r: plus("r")}


def suffixes(rank: int) -> tuple[str, ...]:
    """Per-axis name suffixes: none in rank 1, ``1 .. rank`` otherwise."""
    return ("",) if rank == 1 else tuple(str(j + 1) for j in range(rank))


@lru_cache(maxsize=None)
def axes(rank: int) -> tuple[AxisSizes, ...]:
    return tuple(AxisSizes.named(sfx) for sfx in suffixes(rank))


@dataclass(frozen=True)
class ChannelSizes:
    """Groups ``g``, channels per group ``Cg_in``/``Cg_out`` (C_in = g Cg_in, C_out = g Cg_out), batch ``N``."""

    g: Symbol = integer("g")
    cg_in: Symbol = integer("Cg_in")
    cg_out: Symbol = integer("Cg_out")
    batch: Symbol = integer("N")

    @property
    def moduli(self) -> tuple[Symbol, Symbol]:
        """The channel sizes that Euclidean division divides by."""
        return (self.cg_in, self.cg_out)


CHANNELS = ChannelSizes()


def _shifts(rank: int) -> dict[Symbol, Expr]:
    """Every size as (a constant +) symbols >= 0: the axes', and ``g, Cg_in, Cg_out, N >= 1``."""
    out: dict[Symbol, Expr] = {}
    for z, sfx in zip(axes(rank), suffixes(rank)):
        out.update(z.shifts(sfx))
    out.update({v: 1 + integer(f"_{v}") for v in (CHANNELS.g, CHANNELS.cg_in, CHANNELS.cg_out, CHANNELS.batch)})
    return out


MAX_RANK = 3


@lru_cache(maxsize=None)
def _n_values() -> dict:
    return {z.n: z.n_defined() for rank in range(1, MAX_RANK + 1) for z in axes(rank)}


def substitute_n(e: Expr) -> Expr:
    """``e`` with every axis's ``n`` replaced by its definition, expanded."""
    return sympy.expand(sympy.sympify(e).xreplace(_n_values()))


@lru_cache(maxsize=1 << 14)
def nonnegative(e: Expr) -> bool:
    """``e >= 0`` for every size allowed by the conditions (shown, exactly), or ``False``: not shown.

    ``e`` must not hold index variables. Padding may have either sign, so it must cancel.
    """
    e = substitute_n(e)
    if e.is_Integer:
        return bool(e >= 0)
    shifted = sympy.expand(e.xreplace(_all_shifts()))
    symbols = sorted(shifted.free_symbols, key=sympy.default_sort_key)
    if not shifted.free_symbols <= _shift_symbols() or not shifted.is_polynomial(*symbols):
        return False
    return all(c >= 0 for c in sympy.Poly(shifted, *symbols).coeffs())


def positive(e: Expr) -> bool:
    """``e >= 1`` for every allowed size (exactly shown), or ``False``."""
    return nonnegative(sympy.sympify(e) - 1)


@lru_cache(maxsize=None)
def _all_shifts() -> dict[Symbol, Expr]:
    """The substitution of :func:`nonnegative`; ``s`` before ``r`` so ``s = r + 1 + e`` keeps ``r``."""
    out: dict[Symbol, Expr] = {}
    for rank in range(1, MAX_RANK + 1):
        out.update(_shifts(rank))
    for z in (z for rank in range(1, MAX_RANK + 1) for z in axes(rank)):
        out[z.s] = out[z.s].xreplace({z.r: out[z.r]})
    return out


@lru_cache(maxsize=None)
def _shift_symbols() -> frozenset:
    return frozenset(v for e in _all_shifts().values() for v in sympy.sympify(e).free_symbols)
