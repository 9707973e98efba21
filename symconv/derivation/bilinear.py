"""A gradient as a bilinear form on integer arrays: every product term is one row
``(element, first, second, coefficient)``.

``element`` is the gradient's element the term belongs to (row-major in ``shape``); ``first`` and
``second`` are the numbers (``ids.Numbering``) of its two factors, the smaller first, so a product
is the same row whichever way round it was built. Both sides of the proof take this form: the
chain rule's terms and the closed form's, each from its own construction. Two forms are equal
as polynomials exactly when their canonical forms (rows sorted, equal rows merged by adding their
coefficients, zero coefficients dropped) are equal: integer arithmetic, no rounding, no sampling.

Examples:
    >>> a = Bilinear.of((2,), [0, 0, 1], [1, 2, 1], [5, 5, 5], variables=6)
    >>> b = Bilinear.of((2,), [1, 0, 0, 0], [5, 5, 1, 3], [1, 2, 5, 4], variables=6, coefficient=[1, 1, 1, 0])
    >>> canonical(a).rows() == canonical(b).rows() == [(0, 1, 5, 1), (0, 2, 5, 1), (1, 1, 5, 1)]
    True
    >>> failing_elements(a, Bilinear.of((2,), [0, 1], [1, 1], [5, 5], variables=6)).tolist()
    [0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional, Sequence

import numpy as np

from ..layer import Shape

INT64_LIMIT = 2**63
INT32_LIMIT = 2**31


def dtype_for(shape: Shape, variables: int) -> type:
    """int32 columns when every element and factor number fits (half the memory), else int64."""
    return np.int32 if max(math.prod(shape), variables) < INT32_LIMIT else np.int64


@dataclass(frozen=True)
class Bilinear:
    """Product terms as rows of integer arrays; ``coefficient`` ``None`` means every coefficient is 1.

    ``variables`` is how many numbers a factor may have (``Numbering.count``).
    """

    shape: Shape
    element: np.ndarray
    first: np.ndarray
    second: np.ndarray
    variables: int
    coefficient: Optional[np.ndarray] = None
    canonical: bool = False  # made by :func:`canonical`: sorted, merged, no zero coefficient

    @classmethod
    def of(cls, shape: Shape, element, a, b, variables: int, coefficient=None) -> "Bilinear":
        """Rows from factor numbers in any order (each row's smaller number goes first)."""
        dtype = dtype_for(tuple(shape), variables)
        a, b = np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
        c = None if coefficient is None else np.asarray(coefficient, dtype=np.int64)
        return cls(tuple(shape), np.asarray(element, dtype=dtype), np.minimum(a, b), np.maximum(a, b), variables, c)

    @property
    def size(self) -> int:
        return len(self.element)

    def coefficients(self) -> np.ndarray:
        return np.ones(self.size, dtype=np.int64) if self.coefficient is None else self.coefficient

    def rows(self) -> list[tuple[int, int, int, int]]:
        """The rows as tuples (for tests and doctests)."""
        return list(zip(*(a.tolist() for a in (self.element, self.first, self.second, self.coefficients()))))


def concatenate(shape: Shape, variables: int, parts: Sequence[Bilinear]) -> Bilinear:
    """One form holding the rows of all ``parts`` (each of ``shape``)."""
    dtype = dtype_for(shape, variables)
    columns = [np.concatenate([getattr(p, c) for p in parts] or [np.empty(0, dtype)]).astype(dtype, copy=False)
               for c in ("element", "first", "second")]
    unit = all(p.coefficient is None for p in parts)
    c = None if unit else np.concatenate([p.coefficients() for p in parts])
    return Bilinear(shape, *columns, variables, c)


def canonical(form: Bilinear) -> Bilinear:
    """The rows sorted by (element, first, second), equal rows merged, zero coefficients dropped.

    Rows are packed into one int64 key when the three ranges fit (else sorted column by column);
    ``kind="stable"`` lets NumPy's merge sort use the runs the builders emit.
    """
    radix = (math.prod(form.shape), form.variables, form.variables)
    if form.canonical:
        return form
    if form.size == 0:
        return replace(form, canonical=True)
    if radix[0] * radix[1] * radix[2] < INT64_LIMIT:
        key = form.element.astype(np.int64)
        key *= radix[1]
        key += form.first
        key *= radix[2]
        key += form.second
        order = None if form.coefficient is None else np.argsort(key, kind="stable")
        if order is None:
            key.sort(kind="stable")
        else:
            key = key[order]
        columns, same = _unpacked(key, radix, form.element.dtype), key[1:] == key[:-1]
    else:
        order = np.lexsort((form.second, form.first, form.element))
        columns = tuple(getattr(form, c)[order] for c in ("element", "first", "second"))
        same = np.all([c[1:] == c[:-1] for c in columns], axis=0)
    return _merged(form, columns, same, None if form.coefficient is None else form.coefficient[order])


def _unpacked(key: np.ndarray, radix: tuple[int, int, int], dtype) -> tuple[np.ndarray, ...]:
    """(element, first, second) from packed keys, each cast to ``dtype`` as soon as it is made."""
    element = (key // (radix[1] * radix[2])).astype(dtype)
    rest = key % (radix[1] * radix[2])
    return element, (rest // radix[2]).astype(dtype), (rest % radix[2]).astype(dtype)


def _merged(form: Bilinear, columns: tuple, same: np.ndarray, coefficient: Optional[np.ndarray]) -> Bilinear:
    """Sorted rows with each run of equal rows as one row, its coefficients added."""
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    if coefficient is None and len(starts) == form.size:
        return Bilinear(form.shape, *columns, form.variables, canonical=True)  # no two rows alike: coefficients stay 1
    summed = np.add.reduceat(np.ones(form.size, np.int64) if coefficient is None else coefficient, starts)
    keep = starts[summed != 0]
    summed = summed[summed != 0]
    unit = bool(np.all(summed == 1))
    return Bilinear(form.shape, *(c[keep] for c in columns), form.variables, None if unit else summed, canonical=True)


def same_polynomials(a: Bilinear, b: Bilinear) -> bool:
    """Whether two canonical forms are equal, row for row."""
    return a.size == b.size and all(
        np.array_equal(getattr(a, c), getattr(b, c)) for c in ("element", "first", "second")
    ) and np.array_equal(a.coefficients(), b.coefficients())


def failing_elements(a: Bilinear, b: Bilinear) -> np.ndarray:
    """The sorted elements where ``a - b`` has a nonzero coefficient (both of the same shape)."""
    negated = Bilinear(b.shape, b.element, b.first, b.second, b.variables, -b.coefficients())
    difference = canonical(concatenate(a.shape, a.variables, [a, negated]))
    elements = difference.element
    return elements[np.concatenate(([True], elements[1:] != elements[:-1]))] if elements.size else elements
