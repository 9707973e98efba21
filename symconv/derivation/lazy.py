"""Sequences, mappings and arrays whose SymPy values are built when read.

A large layer has hundreds of thousands of windows and elements, but a document shows a few of
them and the API hands out those it is asked for; the proof itself works on index arrays. These
containers hold a way to build each value and build it on access, so ``d.expansion_input[(1, 1)]``
costs one element, not the layer.

Examples:
    >>> squares = LazySequence(4, lambda i: i * i)
    >>> len(squares), squares[-1], list(squares), squares == (0, 1, 4, 9)
    (4, 9, [0, 1, 4, 9], True)
    >>> m = LazyMapping((2, 2), lambda key: sum(key))
    >>> m[(1, 1)], (2, 0) in m, list(m)[:2], m.values()[3]
    (2, False, [(0, 0), (0, 1)], 2)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Callable, Iterator

import numpy as np

from ..layer import Index, Shape
from ..layer import layout


class LazySequence(Sequence):
    """``length`` items, item ``i`` being ``item(i)`` (built at each access)."""

    def __init__(self, length: int, item: Callable[[int], object]) -> None:
        self._length, self._item = length, item

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(self._length))]
        j = i + self._length if i < 0 else i
        if not 0 <= j < self._length:
            raise IndexError(i)
        return self._item(j)

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence (a tuple, a list) of the same items in the same order."""
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # equal to tuples, so not hashable like them


class LazyMapping(Mapping):
    """Keys: every index of ``shape``, row-major; ``value(key)`` built at each access.

    ``values()`` and ``items()`` are sequences (``len`` and indexing) as well as iterables.
    """

    def __init__(self, shape: Shape, value: Callable[[Index], object]) -> None:
        self.shape, self._value = tuple(shape), value

    def _key(self, key) -> Index:
        try:
            index = tuple(int(v) for v in key)
        except TypeError:
            raise KeyError(key) from None
        if len(index) != len(self.shape) or not all(0 <= v < n for v, n in zip(index, self.shape)):
            raise KeyError(key)
        return index

    def __getitem__(self, key) -> object:
        return self._value(self._key(key))

    def __contains__(self, key) -> bool:
        try:
            self._key(key)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[Index]:
        return layout.elements(self.shape)

    def __len__(self) -> int:
        return math.prod(self.shape)

    def key_at(self, i: int) -> Index:
        """The ``i``-th key, row-major."""
        return tuple(int(v) for v in np.unravel_index(i, self.shape))

    def values(self) -> LazySequence:
        return LazySequence(len(self), lambda i: self._value(self.key_at(i)))

    def items(self) -> LazySequence:
        return LazySequence(len(self), lambda i: (self.key_at(i), self._value(self.key_at(i))))


class ElementGrid:
    """An array of elements given by their numbers: ``numbers`` (``ids.py``) and ``expr``, which
    turns one number into its SymPy element. Indexing gives an element or a smaller grid;
    ``np.asarray`` builds the whole object array."""

    def __init__(self, numbers: np.ndarray, expr: Callable[[int], object]) -> None:
        self.numbers, self._expr = numbers, expr

    shape = property(lambda self: self.numbers.shape, doc="The grid's shape, as its numbers'.")
    ndim = property(lambda self: self.numbers.ndim)
    size = property(lambda self: self.numbers.size)

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, key):
        picked = self.numbers[key]
        return self._expr(int(picked)) if np.ndim(picked) == 0 else ElementGrid(picked, self._expr)

    def __iter__(self) -> Iterator:
        return (self[i] for i in range(len(self)))

    def reshape(self, *shape) -> "ElementGrid":
        return ElementGrid(self.numbers.reshape(*shape), self._expr)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = np.empty(self.shape, dtype=object)
        for i in np.ndindex(*self.shape):
            out[i] = self._expr(int(self.numbers[i]))
        return out
