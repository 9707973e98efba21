"""The NumPy kernel module and its shipped tests as Python text: pure, from a proven Derivation."""

from __future__ import annotations

from dataclasses import dataclass

from ..derivation import Derivation
from ..layer import Padding, Shape
from ..version import __version__
from .proven import require_proof
from .strategies import choose
from .strategies.rounding import ErrorModel
from .templates import render


@dataclass(frozen=True)
class KernelModule:
    """A rendered kernel: its module text and the strategy that laid out its work."""

    text: str
    strategy: str
    reason: str


@dataclass(frozen=True)
class ShippedTestsContext:
    """What ``templates/kernel/tests.py.j2`` is filled with: the layer, as Python literals."""

    name: str
    version: str
    channelled: bool
    bias: bool
    input_shape: Shape
    kernel_shape: Shape  # the filter's spatial shape
    output_shape: Shape
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: Padding
    c_in: int
    c_out: int
    groups: int
    strategy: str
    error: ErrorModel  # the strategy's rounding-error model, from which the tolerances come


def kernel_module(d: Derivation, strategy: str | None = None) -> KernelModule:
    """The standalone NumPy module (forward, grad_filter, grad_input) for ``d``'s layer.

    Args:
        d: a proven derivation.
        strategy: ``None`` (chosen per layer; the module docstring says which and why) or one
            of ``STRATEGIES`` that applies to the layer.
    """
    require_proof(d)
    chosen, reason = choose(d.layer, strategy)
    return KernelModule(render(chosen.template, chosen.context(d, reason)), chosen.name, reason)


def render_numpy(d: Derivation, strategy: str | None = None) -> str:
    """The text of :func:`kernel_module`."""
    return kernel_module(d, strategy).text


def render_kernel_tests(d: Derivation, strategy: str | None = None) -> str:
    """A pytest module (numpy only) that checks ``d``'s kernel, laid out by ``strategy`` (``None``:
    chosen per layer), against plain loops, finite differences and the dot-product test, with
    tolerances derived from the strategy's rounding-error model; it is written beside the kernel."""
    spec = d.layer
    chosen, _ = choose(spec, strategy)
    return render("kernel/tests.py.j2", ShippedTestsContext(
        name=spec.name, version=__version__, channelled=spec.channelled, bias=spec.bias,
        input_shape=spec.input, kernel_shape=spec.filter, output_shape=spec.output, stride=spec.stride,
        dilation=spec.dilation, padding=spec.padding, c_in=spec.c_in, c_out=spec.c_out, groups=spec.n_groups,
        strategy=chosen.name, error=chosen.error_model(spec),
    ))
