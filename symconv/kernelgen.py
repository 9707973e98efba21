"""The context of a generated NumPy kernel: shapes, slices and strategy, as strings.

``render.render_numpy`` fills ``templates/kernel.py.j2`` with it. Every slice comes from
``spec``; this module only lays them out.
"""

from __future__ import annotations

import math

from . import printing as pr
from .pipeline import Derivation
from .spec import ConvSpec, compact, show
from .version import __version__


def kernel_context(d: Derivation) -> dict:
    spec = d.spec
    source, target = spec.gradient_placement()
    rotated = lambda k: tuple(n - 1 - v for n, v in zip(spec.filter, k))  # noqa: E731
    return dict(
        name=spec.name,
        version=__version__,
        description=spec.describe(),
        output=show(spec.output),
        stride=spec.stride,
        dilation=spec.dilation,
        padding=spec.padding,
        remainder=spec.remainder,
        specialized=_specialized_lines(spec),
        proven=", ".join(f"{p.proven} identities for {p.gradient}" for p in d.proof.parts),
        x_shape=_batched_shape(spec.input),
        g_shape=_batched_shape(spec.output),
        f_shape=str(spec.f_shape),
        taps=math.prod(spec.filter),
        rank=spec.rank,
        channelled=spec.channelled,
        bias=spec.bias,
        c_in=spec.c_in,
        c_out=spec.c_out,
        groups=spec.n_groups,
        input_shape=spec.input,
        filter_shape=spec.f_shape,
        kernel_shape=spec.filter,
        sp="xyz"[: spec.rank],  # einsum letters of the spatial axes
        output_shape=spec.output,
        input_dims=pr.python_index(spec.input),
        filter_dims=pr.python_index(spec.f_shape),
        output_dims=pr.python_index(spec.output),
        input_dims_c=pr.python_index((spec.c_in,) + spec.input),
        output_dims_c=pr.python_index((spec.c_out,) + spec.output),
        padded=not all(p == (0, 0) for p in spec.padding),
        x_source="X" if all(p == (0, 0) for p in spec.padding) else "Xp",
        forward_taps=[_tap(k, spec.tap_window(k)) for k in spec.taps()],
        padded_gradient=spec.padded_gradient,
        placement_source=_slices(source),
        placement_target=_slices(target),
        input_taps=[_tap(rotated(k), spec.gradient_window(k)) for k in spec.taps()],
    )


def _tap(index: tuple[int, ...], window: tuple[slice, ...]) -> dict:
    return dict(index=pr.python_index(index), window=_slices(window))


def _slices(slices: tuple[slice, ...]) -> str:
    return ", ".join(pr.python_slice(s) for s in slices)


def _batched_shape(shape: tuple[int, ...]) -> str:
    return "(..., " + pr.python_index(shape) + ")"


def _specialized_lines(spec: ConvSpec) -> list[str]:
    if not spec.is_plain:
        return []
    k1 = compact(tuple(k - 1 for k in spec.filter))
    return [
        "Here (stride 1, dilation 1, no padding) dL/dF is the valid correlation of X with G,",
        f"and dL/dX the full correlation of G, zero-padded by K-1 = {k1} on every side,",
        "with rot180(F): the full convolution of G with F.",
    ]


