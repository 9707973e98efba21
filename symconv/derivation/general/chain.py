"""The chain-rule side, on its own: the forward pass as a SymPy ``Sum`` built from
``layer.axis.read`` and ``layer.channels.channel_read``, differentiated by SymPy, and read
back as a guarded sum whose ranges are the Sums' own limits.

    O[n', o', y'] = b[o'] + sum_{c'} sum_{a'} F[o', c', a'] X~[n', channel_read(o', c'), s y' + d a' - lo]
    dL/dT[e]      = sum_{n', o', y'} G[n', o', y'] dO[n', o', y'] / dT[e]

``X~`` is ``X`` extended by zeros (the zero extension: a guard on every X read).

Examples:
    >>> side = chain_rule(Layer(1), "dL/dX")
    >>> side.derivative
    Sum(G[y']*Sum(KroneckerDelta(i, a'*d - lo + s*y')*F[a'], (a', 0, K - 1)), (y', 0, O - 1))
    >>> [a.text() for a in side.sum.atoms]
    ["i = a'*d - lo + s*y'", "0 <= a'*d - lo + s*y' <= n - 1"]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy
from sympy import Expr, Indexed, KroneckerDelta

from ...layer import axis, channels
from ..symbols import B, F, G, X
from .atoms import Atom, Bound, GuardedSum
from .sizes import CHANNELS, integer
from .tensors import Layer

TARGET = {"dL/dX": X, "dL/dF": F, "dL/db": B}


@dataclass(frozen=True)
class ChainSide:
    """The forward Sum, the chain-rule Sum SymPy differentiated, and it read as a guarded sum."""

    forward: Expr
    derivative: Expr
    sum: GuardedSum
    problems: tuple[str, ...] = ()


def forward(layer: Layer) -> tuple[Expr, tuple, tuple]:
    """``O`` at one element, as a SymPy Sum; with the output's indices and the X reads' positions."""
    c = CHANNELS
    y, a = layer.spatial("y'"), layer.spatial("a'")
    reads = tuple(axis.read(yy, aa, z.s, z.d, z.lo) for z, yy, aa in zip(layer.axes, y, a))
    taps = [(aa, 0, z.k - 1) for z, aa in zip(layer.axes, a)]
    if not layer.channelled:
        return sympy.Sum(F[a] * X[reads], *taps), y, reads
    nb, o, slot = integer("n'"), integer("o'"), integer("c'")
    x = X[(nb, channels.channel_read(o, slot, c.cg_in, c.cg_out)) + reads]
    body = sympy.Sum(F[(o, slot) + a] * x, (slot, 0, c.cg_in - 1), *taps)
    return B[o] + body, (nb, o) + y, reads


def chain_rule(layer: Layer, gradient: str) -> ChainSide:
    """``dL/dT[e] = sum over the outputs of G * dO/dT[e]``, by ``sympy.diff``, as a guarded sum."""
    o, out, reads = forward(layer)
    if not layer.channelled and gradient == "dL/db":
        raise ValueError("a layer without channels has no bias here")
    element = TARGET[gradient][layer.element(gradient)]
    derivative = _drop_zero_sums(sympy.diff(o, element))
    c = CHANNELS
    lead = ((out[0], 0, c.batch - 1), (out[1], 0, c.g * c.cg_out - 1)) if layer.channelled else ()
    limits = lead + tuple((yy, 0, z.O - 1) for z, yy in zip(layer.axes, out[len(out) - layer.rank:]))
    chain = sympy.Sum(G[out] * derivative, *limits)
    read, problems = read_sum(chain)
    zero = tuple(Atom.between(0, e, z.n - 1, "the zero extension of X") for e, z in zip(reads, layer.axes))
    if gradient == "dL/db":  # the bias term has no X read
        zero = ()
    return ChainSide(o, chain, read.guarded(*zero), tuple(problems))


def _drop_zero_sums(e: Expr) -> Expr:
    """A Sum whose summand is 0 is 0 (the bias's derivative of the correlation part)."""
    return e.replace(lambda v: isinstance(v, sympy.Sum) and v.function == 0, lambda v: sympy.S.Zero)


def read_sum(e: Expr) -> tuple[GuardedSum, list[str]]:
    """A nest of Sums over a product of elements and Kronecker deltas, as a guarded sum: the
    bounds are the Sums' limits, each delta an equation; anything else is a problem, named."""
    bounds: list[Bound] = []
    while isinstance(e, sympy.Sum) or (isinstance(e, sympy.Mul) and any(isinstance(f, sympy.Sum) for f in e.args)):
        if isinstance(e, sympy.Sum):
            bounds += [Bound(v, sympy.sympify(lo), sympy.sympify(hi)) for v, lo, hi in e.limits]
            e = e.function
        else:
            inner = [f for f in e.args if isinstance(f, sympy.Sum)]
            rest = [f for f in e.args if not isinstance(f, sympy.Sum)]
            if len(inner) != 1:
                return GuardedSum((), (), ()), [f"a product of {len(inner)} sums: {e}"]
            e = sympy.Mul(*rest) * inner[0].function
            bounds += [Bound(v, sympy.sympify(lo), sympy.sympify(hi)) for v, lo, hi in inner[0].limits]
    return _product(e, tuple(bounds))


def _product(e: Expr, bounds: tuple[Bound, ...]) -> tuple[GuardedSum, list[str]]:
    factors, atoms, problems = [], [], []
    for f in sympy.Mul.make_args(e):
        if isinstance(f, Indexed):
            factors.append(f)
        elif isinstance(f, KroneckerDelta):
            atoms.append(Atom.equal(f.args[0], f.args[1], "a Kronecker delta"))
        elif f != 1:
            problems.append(f"the factor {f} is neither an element nor a Kronecker delta")
    return GuardedSum(bounds, tuple(factors), tuple(atoms)), problems


def split_channel(side: GuardedSum, var, per_group, groups) -> tuple[GuardedSum, str | None]:
    """Euclidean division of a summation variable over ``[0, groups*per_group - 1]``:
    ``var = p*per_group + j`` (a bijection onto ``p in [0, groups-1]``, ``j in [0, per_group-1]``)."""
    bound = next((b for b in side.bounds if b.var == var), None)
    if bound is None or sympy.expand(bound.low) != 0 or sympy.expand(bound.high + 1 - groups * per_group) != 0:
        return side, f"the sum over {var} does not run over 0 .. {groups * per_group - 1}"
    p, j = integer(f"p_{var}"), integer(f"j_{var}")
    split = side.subs({var: p * per_group + j})
    rest = tuple(b for b in split.bounds if b.var != var)
    return replace(split, bounds=(Bound(p, sympy.S.Zero, groups - 1), Bound(j, sympy.S.Zero, per_group - 1)) + rest), None
