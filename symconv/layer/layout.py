"""Where the elements of a layer's tensors are: index tuples ``(sample?, channel?, *spatial)``
(absent axes left out, as in ``ConvSpec.x_shape``), and the positions a derivation visits."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Iterator

from . import axis, channels

if TYPE_CHECKING:
    from .spec import ConvSpec, Index


def _lead(spec: "ConvSpec", n: int, *c: int) -> "Index":
    return ((n,) if spec.batched else ()) + (c if spec.channelled else ())


def x_element(spec: "ConvSpec", n: int, c: int, i: "Index") -> "Index":
    """The index of ``X[n, c, i]`` in ``spec``'s layout."""
    return _lead(spec, n, c) + i


def g_element(spec: "ConvSpec", n: int, o: int, y: "Index") -> "Index":
    """The index of ``G[n, o, y]`` in ``spec``'s layout."""
    return _lead(spec, n, o) + y


def f_element(spec: "ConvSpec", o: int, slot: int, k: "Index") -> "Index":
    """The index of ``F[o, slot, k]`` in ``spec``'s layout."""
    return ((o, slot) if spec.channelled else ()) + k


def elements(shape: tuple[int, ...]) -> Iterator["Index"]:
    """Every index of an array of ``shape``, row-major."""
    return itertools.product(*map(range, shape))


def bias_elements(spec: "ConvSpec") -> Iterator["Index"]:
    """Every element index of the bias (none without a bias)."""
    return ((o,) for o in range(spec.c_out)) if spec.bias else iter(())


def output_elements(spec: "ConvSpec") -> Iterator[tuple[int, int, "Index"]]:
    """Every ``(n, o, y)`` of the output, row-major."""
    for n, o in itertools.product(range(spec.n_batch), range(spec.c_out)):
        for y in elements(spec.output):
            yield n, o, y


def reads(spec: "ConvSpec", y: "Index", k: "Index") -> "Index":
    """The input position output ``y`` reads through tap ``k`` (``axis.read`` per axis; may be padding)."""
    return tuple(axis.read(yy, kk, s, d, lo) for yy, kk, s, d, (lo, _) in zip(
        y, k, spec.stride, spec.dilation, spec.padding))


def in_input(spec: "ConvSpec", i: "Index") -> bool:
    """Whether ``i`` is a real input position (not padding)."""
    return all(0 <= ii < n for ii, n in zip(i, spec.input))


def channel_read(spec: "ConvSpec", o: int, slot: int) -> int:
    """The input channel filter slot ``slot`` of output channel ``o`` reads (``channels.channel_read``)."""
    return channels.channel_read(o, slot, spec.cg_in, spec.cg_out)
