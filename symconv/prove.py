"""Exact proof that every chain-rule expansion equals its closed form.

Both sides are polynomials in the symbols ``X[i]``, ``F[k]``, ``G[y]`` with integer
coefficients, so ``expand(expansion - closed) == 0`` decides equality exactly (no
``simplify``, no numerics). This module only decides and counts; it prints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from .derive import Expansion
from .spec import Index

METHOD = "sympy.expand(expansion - closed form) == 0, an exact polynomial identity"


@dataclass(frozen=True)
class GradientProof:
    """The outcome for one gradient (``dL/dF`` or ``dL/dX``) over all its elements.

    ``empty`` counts elements whose expansion has no term (no window reads them);
    they are proven equal to 0 like any other element.
    """

    gradient: str
    total: int
    proven: int
    empty: int
    failures: tuple[Index, ...]

    @property
    def holds(self) -> bool:
        return self.proven == self.total


@dataclass(frozen=True)
class ProofReport:
    """What was proven, how, and what failed."""

    method: str
    filter: GradientProof
    input: GradientProof
    bias: GradientProof

    @property
    def parts(self) -> tuple[GradientProof, ...]:
        """The gradients this layer has: dL/dF, dL/dX, and dL/db with a bias."""
        return (self.filter, self.input) + ((self.bias,) if self.bias.total else ())

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.parts)

    @property
    def identities(self) -> int:
        return sum(p.proven for p in self.parts)


def prove(gradient: str, expansions: dict[Index, Expansion], closed: np.ndarray, shape: tuple[int, ...]) -> GradientProof:
    """Check ``expansions[i].expr == closed[i]`` exactly for every element ``i``.

    A closed form of another shape than the gradient's (``shape``) fails at every element:
    its extra or missing elements could not be compared.
    """
    if closed.shape != shape:
        return GradientProof(gradient, len(expansions), 0, _empty(expansions), tuple(expansions))
    failures = tuple(i for i, e in expansions.items() if not identity_holds(e.expr, _element(closed, i)))
    return GradientProof(gradient, len(expansions), len(expansions) - len(failures), _empty(expansions), failures)


def _empty(expansions: dict[Index, Expansion]) -> int:
    return sum(1 for e in expansions.values() if not e.terms)


def identity_holds(derived: sympy.Expr, closed: sympy.Expr | None) -> bool:
    """Decide ``derived == closed`` as polynomials (``None``: the closed form has no such element)."""
    return closed is not None and sympy.expand(derived - closed) == 0


def _element(closed: np.ndarray, i: Index) -> sympy.Expr | None:
    inside = len(i) == closed.ndim and all(0 <= v < n for v, n in zip(i, closed.shape))
    return closed[i] if inside else None
