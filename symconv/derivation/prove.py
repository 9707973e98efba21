"""Exact proof that every chain-rule expansion equals its closed form, element by element.

Both sides are bilinear forms in (G, X) or (G, F) (and linear in G for dL/db) with integer
coefficients: ``chainrule.py`` builds the expansions' from the model's windows and SymPy's
derivatives, ``index_forms.py`` the closed forms' from the definitions of correlation, padding,
dilation and rotation, each as rows ``(element, first factor, second factor, coefficient)`` of
integers (``bilinear.py``). ``expand(expansion - closed) == 0`` holds for an element exactly when
every product has the same coefficient on both sides, so the decision is: sort the rows of each
side, add the coefficients of equal rows, and compare. Integer arithmetic throughout (no
floating point, no sampling). ``polynomials.py`` decides the same identities on SymPy
expressions (:func:`prove_reference`); the tests check that both agree.
This module only decides and counts; it prints nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..layer import Index
from ..progress import NULL, Progress
from .bilinear import Bilinear, canonical, failing_elements, same_polynomials
from .gradients import Expansion
from .polynomials import expansion_polynomial, polynomial

METHOD = (
    "exact equality of the integer coefficients of the two bilinear forms, that is "
    "expand(expansion - closed form) == 0: every product term of either side is a row of integers "
    "(element, its two factors, coefficient), equal rows have their coefficients added, and every "
    "coefficient of the difference is 0 (NumPy integer arrays; no floating point, no sampling)"
)


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


def prove(gradient: str, derived: Bilinear, closed: Bilinear, progress: Progress = NULL) -> GradientProof:
    """Decide ``expansion == closed form`` exactly for every element of ``derived.shape``.

    A closed form of another shape than the gradient's fails at every element: its extra or
    missing elements could not be compared.

    Examples:
        >>> derived = Bilinear.of((2,), [0, 1], [1, 1], [5, 6], variables=7)
        >>> prove("dL/dX", derived, Bilinear.of((2,), [1, 0], [6, 5], [1, 1], variables=7)).holds
        True
        >>> prove("dL/dX", derived, Bilinear.of((2,), [0, 0], [1, 1], [5, 6], variables=7)).failures
        ((0,), (1,))
    """
    total = math.prod(derived.shape)
    progress.stage(f"prove {gradient}", total)
    derived = canonical(derived)
    empty = total - int(np.count_nonzero(np.bincount(derived.element, minlength=total))) if total else 0
    if closed.shape != derived.shape:
        failing = np.arange(total)
    else:
        closed = canonical(closed)
        failing = np.empty(0, np.int64) if same_polynomials(derived, closed) else failing_elements(derived, closed)
    progress.advance(total)
    failures = tuple(zip(*(v.tolist() for v in np.unravel_index(failing, derived.shape)))) if failing.size else ()
    return GradientProof(gradient, total, total - len(failures), empty, failures)


def prove_reference(gradient: str, expansions: Mapping[Index, Expansion], closed: np.ndarray,
                    shape: tuple[int, ...]) -> GradientProof:
    """The same decision on SymPy expressions: each expansion's terms and ``closed[i]`` (an object
    array that should have the gradient's ``shape``) as canonical polynomials (``polynomials.py``)."""
    failures = tuple(i for i, e in expansions.items()
                     if closed.shape != shape or expansion_polynomial(e) != polynomial(closed[i]))
    empty = sum(1 for e in expansions.values() if not e.terms)
    return GradientProof(gradient, len(expansions), len(expansions) - len(failures), empty, failures)
