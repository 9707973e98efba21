"""The document's pictures: grids of cells for the first sample and channel, with a window marked."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...derivation import Derivation
from ...derivation.symbols import F, G, X
from ...layer import ConvSpec
from .. import printing as pr
from .slices import first_slice

PICTURE_LIMIT = 12  # largest number of rows or columns drawn as a grid of cells


@dataclass(frozen=True)
class Cell:
    label: str
    style: str  # elem, zero or hl (marked)


@dataclass(frozen=True)
class Picture:
    """Two grids side by side (the right one ``right_dx`` cm to the right)."""

    left: tuple[tuple[Cell, ...], ...]
    right: tuple[tuple[Cell, ...], ...]
    right_dx: float
    padded: bool


@dataclass(frozen=True)
class Pictures:
    """The forward window, the inputs that meet dL/dO in dL/dF_1, and the rotated filter over the
    padded dL/dO; ``None`` where the arrays are too large to draw."""

    forward: Optional[Picture]
    filter: Optional[Picture]
    input: Optional[Picture]


def pictures(d: Derivation) -> Pictures:
    return Pictures(_forward_picture(d), _filter_picture(d), _input_picture(d))


def _view(a: np.ndarray) -> np.ndarray:
    """The 2-D slice a picture shows: a row for 1-D, the first plane for 3-D."""
    return a.reshape(1, -1) if a.ndim == 1 else a[(0,) * (a.ndim - 2)]


def _cells(a: np.ndarray, rank: int, marked: set) -> tuple[tuple[Cell, ...], ...]:
    def style(r, c):
        return "hl" if (r, c) in marked else ("zero" if a[r, c] == 0 else "elem")

    return tuple(tuple(Cell(pr.cell_label(a[r, c], rank), style(r, c)) for c in range(a.shape[1]))
                 for r in range(a.shape[0]))


def _marks(counts, step) -> set:
    """Cells ``step * k`` of the picture plane for every ``k`` below ``counts`` (its last two axes)."""
    counts, step = counts[-2:], step[-2:]
    points = itertools.product(*(range(0, s * n, s) for n, s in zip(counts, step)))
    return {(0,) + p if len(counts) == 1 else p for p in points}


def _picture(spec: ConvSpec, left: np.ndarray, left_marks: set, right: np.ndarray, right_marks: set) -> Optional[Picture]:
    left, right = _view(left), _view(right)
    if max(left.shape + right.shape) > PICTURE_LIMIT:
        return None
    return Picture(_cells(left, spec.rank, left_marks), _cells(right, spec.rank, right_marks),
                   1.3 * left.shape[1] + 1.0, spec.padded)


def _forward_picture(d: Derivation) -> Optional[Picture]:
    """Padded X with the window of the first output marked, beside F."""
    spec = d.spec
    x = first_slice(X, spec.x_shape, spec.rank, spec.padding)
    f = first_slice(F, spec.f_shape, spec.rank)
    return _picture(spec, x, _marks(spec.filter, spec.dilation), f, _marks(spec.filter, (1,) * spec.rank))


def _filter_picture(d: Derivation) -> Optional[Picture]:
    """The X that dL/dF reads, with the cells that meet dL/dO in dL/dF_1 marked, beside dL/dO."""
    spec = d.spec
    g = first_slice(G, spec.g_shape, spec.rank)
    return _picture(spec, d.closed.x_padded, _marks(spec.output, spec.stride), g, set())


def _input_picture(d: Derivation) -> Optional[Picture]:
    """The padded, dilated dL/dO with the rotated filter over the cells giving dL/dX_1."""
    spec = d.spec
    return _picture(spec, d.closed.g_padded, _marks(spec.filter, spec.dilation), d.closed.filter_rotated,
                    _marks(spec.filter, (1,) * spec.rank))
