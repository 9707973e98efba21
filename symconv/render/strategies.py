"""The context of a generated NumPy kernel: shapes, slices and strategy, as strings.

``render.render_numpy`` fills ``templates/kernel.py.j2`` with it. Every slice comes from
``spec``; this module only lays them out.
"""

from __future__ import annotations

import math

from ..derivation import Derivation
from ..errors import SpecError
from ..layer import ConvSpec, compact, show
from ..layer import layout, slices
from ..version import __version__
from . import printing as pr

# Every strategy computes the proven formulas (closed forms, or the chain-rule expansion term for
# term); they differ in how the work is laid out.
STRATEGIES = ("taps", "batchlast", "gemm", "rowgemm", "matrix")
BATCHLAST_MAX_OUTPUT = 1024  # output elements per sample up to which batch-last tap loops win
# rowgemm multiplies by a banded matrix: per output it does padded width / filter width times
# the multiply-adds of the taps; BLAS makes up for up to about this factor.
ROWGEMM_MAX_EXCESS = 24
# matrix multiplies by the dense (input size x output size) Toeplitz matrix: input size / taps
# times the taps' multiply-adds, in one BLAS call with no copies; it wins while the matrix
# stays small enough to build at every call and sit in cache (measured up to 16x16 with 3x3).
MATRIX_MAX_ENTRIES = 65536
ROWGEMM_MIN_OUTPUT = 100  # below this many outputs per sample the matrix product's call overhead loses to batchlast (measured: W1 at 4 outputs)
# rowgemm's grad_filter runs the banded GEMM up to this excess, and the taps (np.einsum) above:
# measured faster at W2 (excess 5.6), slower at W3 (21).
ROWGEMM_BAND_FILTER_MAX_EXCESS = 10


def strategies_for(spec: ConvSpec) -> tuple[str, ...]:
    """The strategies that apply to ``spec``: ``taps`` always, ``gemm`` with channels, ``batchlast``
    and ``matrix`` without, and ``rowgemm`` for single-channel layers of rank 2."""
    if spec.channelled:
        return ("taps", "gemm")
    return ("taps", "batchlast", "matrix") + (("rowgemm",) if spec.rank == 2 else ())


def choose_strategy(spec: ConvSpec, strategy: str | None = None) -> tuple[str, str]:
    """The strategy for ``spec`` (``None``: automatic) and the reason the module docstring states.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> choose_strategy(ConvSpec.parse("3x3", "2x2"))[0]
        'matrix'
        >>> choose_strategy(ConvSpec.parse("8x8x8", "3x3x3"))[0]
        'batchlast'
        >>> choose_strategy(ConvSpec.parse("28x28", "5x5"))[0]
        'rowgemm'
        >>> choose_strategy(ConvSpec.parse("64x64", "3x3"))[0]
        'rowgemm'
        >>> choose_strategy(ConvSpec.parse("128x128", "3x3"))[0]
        'taps'
    """
    if strategy is not None:
        if strategy not in strategies_for(spec):
            raise SpecError(
                "--strategy",
                f"{strategy!r} does not apply to {spec.name}; choose one of {', '.join(strategies_for(spec))}",
            )
        return strategy, "chosen by the caller"
    outputs, taps = math.prod(spec.output), math.prod(spec.filter)
    if spec.channelled:
        return "gemm", f"channels: {spec.cg_in} x {taps} (channel, tap) pairs per group contract in one matrix product"
    inputs = math.prod(spec.input)
    if inputs * outputs <= MATRIX_MAX_ENTRIES:
        return "matrix", (f"a {inputs} x {outputs} Toeplitz matrix per sample: one BLAS matrix product over the "
                          f"batch replaces {taps} whole-array tap passes")
    if spec.rank == 2 and outputs > ROWGEMM_MIN_OUTPUT and rowgemm_excess(spec) <= ROWGEMM_MAX_EXCESS:
        return "rowgemm", (f"{outputs} outputs per sample: one copy of the input rows each output row reads and one "
                           f"BLAS matrix product with a banded filter matrix replace {taps} whole-array tap passes")
    if outputs <= BATCHLAST_MAX_OUTPUT:
        return "batchlast", f"{outputs} outputs x {taps} taps per sample is small, so batch-last windows are long contiguous runs"
    reason = f"{outputs} outputs per sample are long enough for batch-first whole-array tap operations"
    if spec.rank == 2:
        reason += f"; rows of {spec.padded_input[1]} are too wide for rowgemm's banded matrix"
    return "taps", reason


def rowgemm_excess(spec: ConvSpec) -> float:
    """How many times the taps' multiply-adds rowgemm does: ``padded width / filter width``.

    Its matrix product spends ``filter rows x padded width`` multiply-adds per output, where
    the taps spend ``filter rows x filter width`` (blocks of two output rows add the rows
    between them: ``(d*(kh-1) + s + 1) / (d*(kh-1) + 1)`` times more, traded for a wider GEMM).
    """
    return spec.padded_input[1] / spec.filter[1]


def kernel_context(d: Derivation, strategy: str | None = None) -> dict:
    spec = d.layer
    chosen, reason = choose_strategy(spec, strategy)
    source, target = slices.gradient_placement(spec)
    return dict(
        name=spec.name,
        strategy=chosen,
        strategy_reason=reason,
        input_size=math.prod(spec.input),
        output_size=math.prod(spec.output),
        version=__version__,
        description=spec.describe(),
        output=show(spec.output),
        stride=spec.stride,
        dilation=spec.dilation,
        padding=spec.padding,
        remainder=spec.remainder,
        specialized=_specialized_lines(spec),
        proven=_proven_text(d),
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
        padded=spec.padded,
        x_source="Xp" if spec.padded else "X",
        forward_taps=[_tap(k, slices.tap_window(spec, k)) for k in layout.elements(spec.filter)],
        padded_gradient=spec.padded_gradient,
        placement_source=_slices(source),
        placement_target=_slices(target),
        input_taps=[_tap(slices.rotated_tap(spec, k), slices.gradient_window(spec, k)) for k in layout.elements(spec.filter)],
        padded_input=spec.padded_input,
        input_crop=_slices(slices.input_window(spec)),
        rowgemm=_rowgemm(spec) if chosen == "rowgemm" else None,
        columns=_columns(spec) if chosen == "gemm" else None,
    )


def _rowgemm(spec: ConvSpec) -> dict:
    """Row blocks ``(s, d, r, output rows)`` of the rowgemm strategy (rank 2): forward in the
    padded X, grad_input in the padded, dilated G (stride 1). Two output rows share a GEMM row
    when their count is even (a wider product runs faster), else one."""
    def block(step: int, rows: int) -> tuple[int, int, int, int]:
        return (step, spec.dilation[0], 2 if rows % 2 == 0 else 1, rows)

    return dict(
        forward_block=block(spec.stride[0], spec.output[0]),
        input_block=block(1, spec.input[0]),
        band_grad_filter=rowgemm_excess(spec) <= ROWGEMM_BAND_FILTER_MAX_EXCESS,
        band_limit=ROWGEMM_BAND_FILTER_MAX_EXCESS,
    )


def _columns(spec: ConvSpec) -> dict:
    """How the gemm strategy's im2col reads all tap windows at once: ``sliding_window_view``
    of the (C_in, N, *padded) input over the spatial axes with span ``d*(K-1) + 1``, every
    ``s``-th window and every ``d``-th element of it, reordered to (C_in, *filter, N, *output)."""
    r = spec.rank
    steps = [":" if v == 1 else f"::{v}" for v in spec.stride + spec.dilation]
    return dict(
        span=spec.extent,
        axes=tuple(range(2, 2 + r)),
        steps=", ".join([":", ":"] + steps),
        order=(0,) + tuple(range(2 + r, 2 + 2 * r)) + (1,) + tuple(range(2, 2 + r)),
    )


def _proven_text(d: Derivation) -> str:
    counts = ", ".join(f"{p.proven} identities for {p.gradient}" for p in d.proof.parts)
    if not d.representative:
        return counts
    return (f"{counts}, on the representative layer {d.spec.name}; every identity of this layer is a sum\n"
            "of its per-channel-pair identities, with channels and samples renamed")


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


