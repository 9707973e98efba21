"""The slices vectorized kernels read, from ``axis.py``'s slice formulas over the axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import axis

if TYPE_CHECKING:
    from .spec import ConvSpec, Index

Slices = tuple[slice, ...]


def tap_window(spec: "ConvSpec", k: "Index") -> Slices:
    """The outputs' reads through tap ``k`` in the padded X: ``d*k :: s``, ``O`` of them."""
    return tuple(axis.tap_window(kk, s, d, o) for kk, s, d, o in zip(k, spec.stride, spec.dilation, spec.output))


def gradient_window(spec: "ConvSpec", k: "Index") -> Slices:
    """The reads of rotated tap ``k`` in the padded, dilated G: ``d*k``, ``I`` of them."""
    return tuple(axis.gradient_window(kk, d, n) for kk, d, n in zip(k, spec.dilation, spec.input))


def input_window(spec: "ConvSpec") -> Slices:
    """Where X itself sits in the padded X: ``lo : lo + I`` per axis."""
    return tuple(axis.input_window(n, lo) for n, (lo, _) in zip(spec.input, spec.padding))


def gradient_placement(spec: "ConvSpec") -> tuple[Slices, Slices]:
    """Where G lands in ``pad(dilate_s(G), lo', hi')``: (slices of G kept, target slices)."""
    pairs = [axis.placement(lo_, s, o, n) for (lo_, _), s, o, n in zip(
        spec.grad_input_padding, spec.stride, spec.output, spec.padded_gradient)]
    return tuple(a for a, _ in pairs), tuple(b for _, b in pairs)


def rotated_tap(spec: "ConvSpec", k: "Index") -> "Index":
    """The tap of F that ``rot180(F)`` holds at ``k``: ``K - 1 - k`` per axis."""
    return tuple(axis.rotated(kk, n) for kk, n in zip(k, spec.filter))
