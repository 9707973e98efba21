"""The winograd strategy (channel layers of rank 2 with a 3x3 filter, stride 1, dilation 1):
forward and grad_input by Winograd's minimal filtering F(4x4, 3x3), with the exact transforms
symconv derives by Cook-Toom interpolation; grad_filter is gemm's."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ...derivation.winograd import Transforms, magnitude_growth, transforms
from ...layer import ConvSpec
from .gemm import Gemm, Im2col
from .rounding import ErrorModel, OpError, direct_sums

# Outputs per tile and axis: F(4x4, 3x3) does 36 multiplications per 16 outputs where the
# direct correlation does 144; float32 stays within 2e-6 relative error (F(6x6) would reach
# 3e-6 and run no faster in NumPy, whose transforms are memory bound).
TILE = 4
# The automatic choice takes winograd for a layer with at least this many input and output
# channels per group and output positions. Measured here (bench/kernels.py, 2 cores): at W5
# (64 -> 64, 56x56) its grad_input is 1.2-1.6x gemm's and forward 0.7x (float32) to 1.0x
# (float64); at W4 (16 -> 32, 32x32) its transforms, memory bound in NumPy, cost more than
# the products they save (forward 0.5x gemm's), so W4 keeps gemm.
WINOGRAD_MIN_CHANNELS = 64
WINOGRAD_MIN_OUTPUTS = 256
TRANSFORMS = transforms(TILE, 3)


@dataclass(frozen=True)
class WinogradPlan(Im2col):
    """gemm's im2col (grad_filter) and the tiles: per axis, ``tiles`` of ``tile`` outputs, each
    reading ``tile + 2`` inputs of the zero-extended (``extended``) input of the correlation."""

    name: str
    points: str
    tile: int
    tile_input: int
    forward_tiles: tuple[int, ...]
    input_tiles: tuple[int, ...]
    forward_extended: tuple[int, ...]
    input_extended: tuple[int, ...]
    AT: tuple[str, ...]  # the transforms' rows as Python tuples of exact numbers
    G: tuple[str, ...]
    BT: tuple[str, ...]


class Winograd(Gemm):
    """Winograd F(4x4, 3x3) tiles, one BLAS product per tile position and group over channels.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> spec = ConvSpec.parse("56x56", "3x3", in_channels=64, out_channels=64)
        >>> Winograd().applies(spec), Winograd().suits(spec), Winograd().plan(spec).forward_tiles
        (True, True, (14, 14))
    """

    name = "winograd"
    template = "kernel/winograd.py.j2"
    symbol_outputs = TILE + 1  # a full tile and a partial one per axis
    transforms: ClassVar[Transforms | None] = TRANSFORMS

    def applies(self, spec: ConvSpec) -> bool:
        return (spec.channelled and spec.rank == 2 and spec.filter == (3, 3) and spec.stride == (1, 1)
                and spec.dilation == (1, 1))

    def suits(self, spec: ConvSpec) -> bool:
        return min(spec.cg_in, spec.cg_out) >= WINOGRAD_MIN_CHANNELS and math.prod(spec.output) >= WINOGRAD_MIN_OUTPUTS

    def reason(self, spec: ConvSpec) -> str:
        return (f"3x3, stride 1: Winograd {_tile_name()} does {TRANSFORMS.multiplications(2)} multiplications per "
                f"{TILE * TILE} outputs where the direct correlation does {(TILE * 3) ** 2}, in one BLAS product "
                f"per tile position over {spec.cg_in} x {spec.cg_out} channels")

    def error_model(self, spec: ConvSpec) -> ErrorModel:
        """A tile output's path: U = G g G^T, V = B^T d B and A^T M A are two matrix products each,
        of r and n terms with a rounded constant in every product, and M sums the channels."""
        t = TRANSFORMS
        tile = 2 * (t.r + 1) + 4 * (t.n + 1)
        growth = magnitude_growth(t, 2)
        growth = -(-growth.p // growth.q)
        return ErrorModel(
            forward=OpError(tile + spec.cg_in, growth * spec.cg_in),
            grad_input=OpError(tile + spec.cg_out, growth * spec.cg_out),
            grad_filter_per_sample=direct_sums(spec).grad_filter_per_sample,
            how=(f"Winograd {_tile_name()} tiles: {tile} roundings on a tile's path (U = G g G^T, V = B^T d B, "
                 f"A^T M A, two products each, constants rounded) plus the channel sum; growth {growth} per "
                 f"channel pair (the tile computed on absolute values, derivation.winograd.magnitude_growth), "
                 f"where the direct sum's is 9; grad_filter is gemm's direct sums"),
        )

    def plan(self, spec: ConvSpec) -> WinogradPlan:
        forward_tiles = tuple(-(-o // TILE) for o in spec.output)
        input_tiles = tuple(-(-n // TILE) for n in spec.input)
        t = TRANSFORMS
        return WinogradPlan(
            **vars(super().plan(spec)), name=_tile_name(), points=", ".join(map(str, t.points)) + " and infinity",
            tile=TILE, tile_input=t.n, forward_tiles=forward_tiles, input_tiles=input_tiles,
            forward_extended=tuple(k * TILE + 2 for k in forward_tiles),
            input_extended=tuple(k * TILE + 2 for k in input_tiles),
            AT=_rows(t.AT), G=_rows(t.G), BT=_rows(t.BT),
        )


def _tile_name() -> str:
    return f"F({TILE}x{TILE}, 3x3)"


def _rows(matrix) -> tuple[str, ...]:
    """Each row of an exact matrix as a Python tuple: integers as such, fractions as Fraction(p, q)."""
    def number(v) -> str:
        return str(v.p) if v.q == 1 else f"Fraction({v.p}, {v.q})"
    return tuple("(" + ", ".join(number(v) for v in row) + ")" for row in matrix.tolist())
