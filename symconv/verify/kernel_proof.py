"""The kernel's own code, run on symbols, against the proven closed forms.

Every body of a kernel module (``_forward``, ``_grad_filter``, ``_grad_input``, ``_grad_bias``
and their other code paths, such as ``_forward_taps``) is executed, with blocks of samples of
one sample each, on object arrays whose
elements are SymPy's symbols ``X[n, c, i, j]``, ``F[...]``, ``G[...]`` and ``b[o]`` as exact
polynomials (``polynomial.py``). Each output element must equal, coefficient for coefficient,
the forward model's ``O_y`` or the closed form of its gradient, which the derivation proved
equal to the chain-rule expansions. A body that raises, returns the wrong shape, produces a
float or misses one term fails.

Large layers run the same strategy's kernel on a smaller layer with the same filter, stride,
dilation and padding, the representative's channels and groups (:func:`kernel_layer`): symbols
at full size would cost seconds. A strategy with transforms of its own (Winograd's) has its
tile identity proven too (``derivation.winograd.prove_tile``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

import numpy as np

from ..derivation import Derivation, derive
from ..derivation.operators import tensor
from ..derivation.symbols import B, F, G, X
from ..derivation.winograd import TileProof, Transforms, prove_tile
from ..layer import ConvSpec, axis
from ..render.kernel import kernel_module
from ..render.strategies import choose
from .polynomial import NotExact, Polynomial, from_expr
from .run import load, bodies

# A layer up to this size (symbols of X, F and G and forward product terms) runs its own
# kernel on symbols; a larger one its kernel layer's (a thousand take about 10 ms) ...
SYMBOL_LIMIT = 4000
# ... and a layer whose kernel layer is above this is not run on symbols (the report says so).
KERNEL_LAYER_LIMIT = 20000
SHOWN_FAILURES = 5


@dataclass(frozen=True)
class KernelProof:
    """What running a kernel's code on symbols showed."""

    strategy: str
    layer: str  # the layer whose kernel ran: the emitted one, or its kernel layer
    smaller: bool  # whether that is a smaller layer than the emitted one
    paths: tuple[str, ...]  # the bodies run
    elements: int  # output elements compared
    failures: tuple[str, ...]
    skipped: str = ""  # why the code was not run on symbols (empty when it was)
    tile: TileProof | None = None  # a fast algorithm's tile identity (Winograd's), proven exactly

    @property
    def holds(self) -> bool:
        """Whether every code path ran and equals the closed forms (False when skipped)."""
        return not self.failures and bool(self.paths) and not self.skipped


def symbol_size(spec: ConvSpec) -> int:
    """What running ``spec``'s kernel on symbols costs: symbols of X, F and G, and product terms."""
    return math.prod(spec.x_shape) + math.prod(spec.f_shape) + math.prod(spec.g_shape) + spec.product_terms


def kernel_layer(spec: ConvSpec, outputs: int) -> ConvSpec:
    """``spec`` (give a representative: its channels are kept) with each axis cut to ``outputs``
    outputs (more where padding needs them: the outputs that read it on either side and one
    that reads none) and its remainder r (input
    positions no window reads) to at most the filter's extent, keeping filter, stride,
    dilation, padding, channels and groups; ``spec`` itself when it is no larger.

    Examples:
        >>> kernel_layer(ConvSpec.parse("64x64", "5x5"), 3).name
        'conv2d_i7x7_f5x5'
        >>> kernel_layer(ConvSpec.parse("224x224", "7x7", stride=2, padding=3), 3).input
        (10, 10)
    """
    sizes = []
    for n, o, k, s, d, (lo, hi), r in zip(spec.input, spec.output, spec.filter, spec.stride, spec.dilation,
                                          spec.padding, spec.remainder):
        keep = min(o, max(outputs, -(-lo // s) + -(-hi // s) + 1))
        cut = axis.input_length(keep, k, s, d, lo, hi, min(r, max(d, axis.extent(k, d))))
        sizes.append(cut if 1 <= cut <= n else n)
    return replace(spec, input=tuple(sizes))


def prove_kernel(d: Derivation, strategy: str, text: str) -> KernelProof:
    """Run the kernel ``text`` (``strategy``'s, for ``d.layer``) on symbols; for a layer above
    :data:`SYMBOL_LIMIT`, the same strategy's kernel of its :func:`kernel_layer` (up to
    :data:`KERNEL_LAYER_LIMIT`; above it the result says it was ``skipped`` and why)."""
    spec, chosen = d.spec, choose(d.layer, strategy)[0]
    if symbol_size(spec) > SYMBOL_LIMIT:
        spec = kernel_layer(spec.representative(), chosen.symbol_outputs)
    smaller = spec != d.layer
    if symbol_size(spec) > KERNEL_LAYER_LIMIT:
        return KernelProof(strategy, spec.name, smaller, (), 0, (), skipped=(
            f"its smallest layer of this filter, stride, dilation and padding, {spec.name}, has "
            f"{symbol_size(spec)} symbols and terms, above the {KERNEL_LAYER_LIMIT} run on symbols"))
    proven = _derivation_of(d, spec)
    if spec != d.layer:
        text = kernel_module(proven, strategy).text
    paths, elements, failures = _run_bodies(_one_sample_blocks(load(text, spec.name)), _symbols(spec),
                                            _expected(proven))
    tile = _tile_proof(chosen.transforms, spec.rank) if chosen.transforms is not None else None
    if tile is not None and not tile.holds:
        failures += (f"the {tile.name} tile identity fails at outputs {list(tile.failures)}",)
    return KernelProof(strategy, spec.name, smaller, paths, elements, failures, tile=tile)


@lru_cache(maxsize=None)
def _tile_proof(t: Transforms, rank: int) -> TileProof:
    """The tile identity of ``t`` (the same for every layer: proven once per process)."""
    return prove_tile(t, rank)


def _derivation_of(d: Derivation, spec: ConvSpec) -> Derivation:
    """A proven derivation whose layer is ``spec``: ``d`` for its own layer, ``d`` set to the
    layer it proved (its representative), or a kernel layer's own derivation and proof."""
    if spec == d.layer:
        return d
    if spec == d.spec:
        return replace(d, layer=spec, scope="")
    return derive(spec, max_memory=None)


def _one_sample_blocks(namespace: dict) -> dict:
    """``namespace`` with every block limit (a ``*BLOCK_BYTES`` constant: gemm's columns,
    Winograd's tiles) at one byte, so each sample is a block of its own: a layer of two or more
    samples runs the block loop across block boundaries, which at full size only a large batch
    would reach."""
    for name in [n for n in namespace if n.endswith("BLOCK_BYTES")]:
        namespace[name] = 1
    return namespace


def _run_bodies(namespace: dict, arrays: dict, expected: dict) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """Every code path of every body in ``expected``, run on ``arrays``: the paths run, the
    elements compared and the failures."""
    paths, elements, failures = [], 0, []
    for body, want in expected.items():
        found = bodies(namespace, body)
        if body not in found:
            failures.append(f"{body}: not defined")
        for name, fn in found.items():
            paths.append(name)
            elements += want.size
            failures += _compare(name, fn, arrays[body], want)
    return tuple(paths), elements, tuple(failures)


def _symbols(spec: ConvSpec) -> dict[str, tuple[np.ndarray, ...]]:
    """Each body's arguments as object arrays of symbols, in the kernel's layout."""
    lead = (spec.n_batch, spec.c_in) if spec.channelled else ()
    x = _polynomials(tensor(X, spec.x_shape))
    f = _polynomials(tensor(F, spec.f_shape))
    g = _polynomials(tensor(G, spec.g_shape))
    if spec.channelled:
        x = x.reshape(lead + spec.input)
        g = g.reshape((spec.n_batch, spec.c_out) + spec.output)
    args = {"_forward": (x, f), "_grad_filter": (x, g), "_grad_input": (f, g), "_grad_bias": (g,)}
    if spec.bias:
        args["_forward"] = (x, f, _polynomials(tensor(B, spec.b_shape)))
    return args


def _polynomials(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(*a.shape):
        out[i] = Polynomial.symbol(a[i])
    return out


def _expected(d: Derivation) -> dict[str, np.ndarray]:
    """What each body must return, as polynomials in the kernel's layout: ``d``'s forward model
    O_y and its proven closed forms (``d.spec`` is the kernel's layer)."""
    spec = d.spec
    forward_array = np.empty(spec.g_shape, dtype=object)
    for y, value in d.forward.items():
        forward_array[y] = value
    out = {"_forward": forward_array, "_grad_filter": d.closed_filter, "_grad_input": d.closed_input}
    if spec.bias:
        out["_grad_bias"] = d.closed_bias
    layouts = {"_forward": (spec.n_batch, spec.c_out) + spec.output, "_grad_input": (spec.n_batch, spec.c_in) + spec.input}
    return {body: _polynomials_of(a).reshape(layouts[body] if spec.channelled and body in layouts else a.shape)
            for body, a in out.items()}


def _polynomials_of(a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, dtype=object)
    for i in np.ndindex(*a.shape):
        out[i] = from_expr(a[i])
    return out


def _compare(name: str, fn: Callable, args: tuple[np.ndarray, ...], expected: np.ndarray) -> list[str]:
    """Why ``fn(*args)`` is not ``expected`` element for element (nothing when it is)."""
    try:
        got = np.asarray(fn(*args), dtype=object)
    except Exception as error:  # whatever the code does wrong on symbols, it is not proven
        return [f"{name}: raised {type(error).__name__}: {error}"]
    if got.shape != expected.shape:
        return [f"{name}: returned shape {got.shape}, the closed form has {expected.shape}"]
    wrong = [i for i in np.ndindex(*got.shape) if not _equal(got[i], expected[i])]
    shown = [f"{name}{list(i)}: {got[i]!r} is not {expected[i]!r}" for i in wrong[:SHOWN_FAILURES]]
    return shown + ([f"{name}: {len(wrong) - SHOWN_FAILURES} more elements differ"] if len(wrong) > SHOWN_FAILURES else [])


def _equal(got: object, expected: Polynomial) -> bool:
    try:
        return expected == got
    except NotExact:
        return False
