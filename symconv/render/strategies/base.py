"""What every kernel strategy shares: the :class:`Strategy` base class, the registry and the
automatic choice, and the context every kernel template is filled with.

Every strategy computes the proven formulas (closed forms, or the chain-rule expansion term
for term); they differ in how the work is laid out. A strategy names its template, says when
it applies to a layer, when the automatic choice takes it and why, and adds its own
:class:`Plan` (numbers only its template reads) to the shared :class:`KernelContext`. Every
slice comes from ``layer.slices``; this module only lays them out as text.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import ClassVar

from ...derivation import Derivation
from ...errors import SpecError
from ...layer import ConvSpec, axis, compact, layout, show, slices
from ...version import __version__
from .. import printing as pr
from .rounding import ErrorModel, direct_sums

STRATEGIES = ("taps", "batchlast", "gemm", "rowgemm", "matrix", "winograd")
# strategies_for lists those that apply in this order, the plain taps first.
_LISTED = ("taps", "batchlast", "matrix", "rowgemm", "gemm", "winograd")
# The automatic choice takes the first of these that applies to the layer and suits it.
_PREFERRED = ("winograd", "gemm", "matrix", "rowgemm", "batchlast", "taps")


@dataclass(frozen=True)
class ShapeText:
    """An array's shape, printed the three ways a kernel module writes one.

    Examples:
        >>> s = ShapeText((3, 5))
        >>> str(s), s.dims, s.written
        ('(3, 5)', '3, 5', '3x5')
    """

    value: tuple[int, ...]

    def __str__(self) -> str:
        """The Python literal, as in ``OUTPUT_SHAPE = (3, 5)``."""
        return str(self.value)

    @property
    def dims(self) -> str:
        """The sizes inside a longer shape, as in ``shape (..., 3, 5)``."""
        return pr.python_index(self.value)

    @property
    def written(self) -> str:
        """As a layer's sizes are written: ``3x5``."""
        return show(self.value)


@dataclass(frozen=True)
class Tap:
    """One filter tap as Python text: its index into F and the window it reads."""

    index: str
    window: str


@dataclass(frozen=True)
class LayerSizes:
    """The layer's sizes as its kernel module states them; per-axis values are tuples."""

    description: str
    rank: int
    input_shape: ShapeText
    filter_shape: ShapeText  # F's: (C_out, C_in/g, *kernel) with channels, else the kernel's
    kernel_shape: ShapeText  # the filter's spatial shape
    output_shape: ShapeText
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    remainder: tuple[int, ...]
    padded: bool
    padded_input: tuple[int, ...]
    padded_gradient: tuple[int, ...]  # pad(dilate_s(G), ...), which grad_input correlates
    taps: int
    input_size: int  # elements per sample and channel
    output_size: int
    c_in: int
    c_out: int
    groups: int
    bias: bool
    axis_letters: str  # einsum letters of the spatial axes


@dataclass(frozen=True)
class Windows:
    """Where the kernels read and write, as Python slices (``layer.slices`` gives them)."""

    padded_x: str  # the array tap windows read: X padded (``Xp``), or X when nothing pads it
    forward_taps: tuple[Tap, ...]  # every tap of F and its window in the padded X
    input_taps: tuple[Tap, ...]  # every tap of rot180(F) and its window in the padded, dilated G
    placement_source: str  # the part of G that lands in the padded, dilated G ...
    placement_target: str  # ... and where
    input_crop: str  # where X sits in the padded X


class Plan:
    """The numbers only one strategy's template reads; each strategy's is a frozen dataclass."""


@dataclass(frozen=True)
class KernelContext:
    """What a kernel module template is filled with: each field is a template variable."""

    name: str
    version: str
    strategy: str
    reason: str
    proven: str
    specialized: tuple[str, ...]
    layer: LayerSizes
    windows: Windows
    plan: Plan | None
    error: ErrorModel  # the layout's rounding-error model (``rounding``)


class Strategy(abc.ABC):
    """One way to lay out a kernel's work: a subclass names the strategy and its template
    and says when it applies; the registered ones are the choices of :func:`choose_strategy`."""

    name: ClassVar[str]
    template: ClassVar[str]  # a path under templates/
    # Outputs per axis of the smaller layer whose kernel symconv runs on symbols for a large
    # layer (``verify.kernel_layer``): enough for every code path of the template.
    symbol_outputs: ClassVar[int] = 3
    # A fast algorithm's own exact transforms, whose tile identity ``verify`` proves (None: none).
    transforms: ClassVar[object] = None

    @abc.abstractmethod
    def applies(self, spec: ConvSpec) -> bool:
        """Whether this layout can compute ``spec``'s kernels."""

    def suits(self, spec: ConvSpec) -> bool:
        """Whether the automatic choice takes it for ``spec``, asked where it applies and no
        strategy before it in the order of preference suits ``spec``."""
        return True

    @abc.abstractmethod
    def reason(self, spec: ConvSpec) -> str:
        """Why the automatic choice took it for ``spec``, as the module docstring states."""

    def plan(self, spec: ConvSpec) -> Plan | None:
        """The numbers only this strategy's template reads (``None``: none)."""
        return None

    def error_model(self, spec: ConvSpec) -> ErrorModel:
        """The rounding-error model of this layout's kernels for ``spec`` (``rounding``), from
        which the shipped test derives its tolerances: direct sums unless a strategy says otherwise."""
        return direct_sums(spec)

    def context(self, d: Derivation, reason: str) -> KernelContext:
        """The context of ``d``'s kernel module laid out by this strategy, chosen for ``reason``."""
        spec = d.layer
        return KernelContext(
            name=spec.name, version=__version__, strategy=self.name, reason=reason, proven=_proven_text(d),
            specialized=_specialized_lines(spec), layer=layer_sizes(spec), windows=windows(spec), plan=self.plan(spec),
            error=self.error_model(spec),
        )


class SingleChannelStrategy(Strategy):
    """A strategy for single-channel layers: its template extends ``kernel/single.py.j2``."""

    def applies(self, spec: ConvSpec) -> bool:
        return not spec.channelled


class ChannelStrategy(Strategy):
    """A strategy for channel layers: its template extends ``kernel/channels.py.j2``."""

    def applies(self, spec: ConvSpec) -> bool:
        return spec.channelled


_REGISTRY: list[Strategy] = []


def register(*strategies: Strategy) -> None:
    """Make ``strategies`` choices (the package registers each strategy object once, at import)."""
    unknown = [s.name for s in strategies if s.name not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategy names {unknown}; STRATEGIES lists {STRATEGIES}")
    _REGISTRY.extend(strategies)


def _applying(spec: ConvSpec) -> dict[str, Strategy]:
    """The registered strategy object of each name that applies to ``spec`` (one at most:
    ``taps`` has one for single-channel layers and one for channel layers)."""
    return {s.name: s for s in _REGISTRY if s.applies(spec)}


def strategies_for(spec: ConvSpec) -> tuple[str, ...]:
    """The strategies that apply to ``spec``: ``taps`` always, ``gemm`` with channels, ``batchlast``
    and ``matrix`` without, and ``rowgemm`` for single-channel layers of rank 2.

    Examples:
        >>> strategies_for(ConvSpec.parse("5", "2"))
        ('taps', 'batchlast', 'matrix')
        >>> strategies_for(ConvSpec.parse("5x5", "2x2", in_channels=2, out_channels=2))
        ('taps', 'gemm')
    """
    applying = _applying(spec)
    return tuple(name for name in _LISTED if name in applying)


def choose(spec: ConvSpec, strategy: str | None = None) -> tuple[Strategy, str]:
    """The strategy object for ``spec`` (``strategy``: its name, ``None``: automatic) and the
    reason the module docstring states; see :func:`choose_strategy`."""
    applying = _applying(spec)
    if strategy is not None:
        if strategy not in strategies_for(spec):
            raise SpecError(
                "--strategy",
                f"{strategy!r} does not apply to {spec.name}; choose one of {', '.join(strategies_for(spec))}",
            )
        return applying[strategy], "chosen by the caller"
    chosen = next(applying[name] for name in _PREFERRED if name in applying and applying[name].suits(spec))
    return chosen, chosen.reason(spec)


def choose_strategy(spec: ConvSpec, strategy: str | None = None) -> tuple[str, str]:
    """The strategy for ``spec`` (``None``: automatic) and the reason the module docstring states.

    Examples:
        >>> choose_strategy(ConvSpec.parse("3x3", "2x2"))[0]
        'matrix'
        >>> choose_strategy(ConvSpec.parse("8x8x8", "3x3x3"))[0]
        'batchlast'
        >>> choose_strategy(ConvSpec.parse("28x28", "5x5"))[0]
        'rowgemm'
        >>> choose_strategy(ConvSpec.parse("64x64", "3x3"))[0]
        'taps'
        >>> choose_strategy(ConvSpec.parse("48x48", "3x3"))[0]
        'rowgemm'
        >>> choose_strategy(ConvSpec.parse("128x128", "3x3"))[0]
        'taps'
    """
    chosen, reason = choose(spec, strategy)
    return chosen.name, reason


def layer_sizes(spec: ConvSpec) -> LayerSizes:
    """``spec``'s sizes for its kernel module."""
    return LayerSizes(
        description=spec.describe(),
        rank=spec.rank,
        input_shape=ShapeText(spec.input),
        filter_shape=ShapeText(spec.f_shape),
        kernel_shape=ShapeText(spec.filter),
        output_shape=ShapeText(spec.output),
        stride=spec.stride,
        dilation=spec.dilation,
        padding=spec.padding,
        remainder=spec.remainder,
        padded=spec.padded,
        padded_input=spec.padded_input,
        padded_gradient=spec.padded_gradient,
        taps=math.prod(spec.filter),
        input_size=math.prod(spec.input),
        output_size=math.prod(spec.output),
        c_in=spec.c_in,
        c_out=spec.c_out,
        groups=spec.n_groups,
        bias=spec.bias,
        axis_letters="xyz"[: spec.rank],
    )


def windows(spec: ConvSpec) -> Windows:
    """``spec``'s windows and placements (``layer.slices``) as Python slices."""
    source, target = slices.gradient_placement(spec)
    taps = tuple(layout.elements(spec.filter))
    return Windows(
        padded_x="Xp" if spec.padded else "X",
        forward_taps=tuple(_tap(k, slices.tap_window(spec, k)) for k in taps),
        input_taps=tuple(_tap(slices.rotated_tap(spec, k), slices.gradient_window(spec, k)) for k in taps),
        placement_source=_slices(source),
        placement_target=_slices(target),
        input_crop=_slices(slices.input_window(spec)),
    )


def _tap(index: tuple[int, ...], window: slices.Slices) -> Tap:
    return Tap(index=pr.python_index(index), window=_slices(window))


def _slices(window: slices.Slices) -> str:
    return ", ".join(pr.python_slice(s) for s in window)


def _proven_text(d: Derivation) -> str:
    counts = ", ".join(f"{p.proven} identities for {p.gradient}" for p in d.proof.parts)
    if not d.representative:
        return counts
    return (f"{counts}, on the representative layer {d.spec.name}; every identity of this layer is a sum\n"
            "of its per-channel-pair identities, with channels and samples renamed")


def _specialized_lines(spec: ConvSpec) -> tuple[str, ...]:
    """What the closed forms become for the tutorial's case (stride 1, dilation 1, no padding)."""
    if not spec.is_plain:
        return ()
    k1 = compact(tuple(axis.reach(k, d) for k, d in zip(spec.filter, spec.dilation)))  # d(K-1), d = 1
    return (
        "Here (stride 1, dilation 1, no padding) dL/dF is the valid correlation of X with G,",
        f"and dL/dX the full correlation of G, zero-padded by K-1 = {k1} on every side,",
        "with rot180(F): the full convolution of G with F.",
    )
