"""The driver: one line per stage, each stage taking the previous one's frozen value.

    layer (ConvSpec) -> model -> gradients -> forms -> prove -> Derivation
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

from ..errors import SpecError
from ..layer import ConvSpec, show
from ..progress import NULL, Progress
from .forms import closed_forms
from .gradients import derive_gradients
from .model import build_model
from .prove import METHOD, ProofReport, prove
from .result import Derivation

# The size guard. 64x64 with a 5x5 filter is 90,000 product terms (about 3 s and 400 MB
# here); the default allows about three times that, which stays within seconds and 1 GB.
DEFAULT_MAX_TERMS = 300_000


def derive(
    input: object,
    filter: object = None,
    *,
    max_terms: int | None = DEFAULT_MAX_TERMS,
    progress: Progress = NULL,
    **options: object,
) -> Derivation:
    """Derive, and prove, the gradients of one convolution layer.

    Args:
        input, filter: sizes such as ``"3x3"`` and ``"2x2"`` (or a :class:`ConvSpec`, alone).
        options: the other options of ``layer.OPTIONS`` (``stride``, ``dilation``, ``padding``,
            ``in_channels``, ``out_channels``, ``groups``, ``batch``, ``bias``), as the CLI's.
        max_terms: a channel layer with more product terms than this is proven on its
            representative (:func:`proven_on`); a layer still above it is refused before any
            work (:class:`SpecError`); ``None``: no limit.
        progress: told each stage and its element count (see :mod:`symconv.progress`).

    Returns the :class:`Derivation`; check ``proof.holds`` before trusting it:

        >>> d = derive("3x3", "2x2")
        >>> d.proof.filter.proven, d.proof.input.proven
        (4, 9)
    """
    layer = _layer(input, filter, options)
    spec = proven_on(layer, max_terms)
    check_size(spec, max_terms)  # before any work
    with no_cycle_collection():
        model = build_model(spec)  # Model: the windows of O_y
        gradients = derive_gradients(model, progress)  # Gradients: SymPy derivatives, chain-rule sums
        progress.stage("closed forms", 0)
        closed = closed_forms(spec)  # ClosedForms: from the convolution definitions
        proof = ProofReport(  # ProofReport: exact identity per element
            METHOD,
            prove("dL/dF", gradients.filter, closed.filter, spec.f_shape, progress),
            prove("dL/dX", gradients.input, closed.input, spec.x_shape, progress),
            prove("dL/db", gradients.bias, closed.bias, spec.b_shape or (0,), progress),
        )
    return Derivation(spec, model, gradients, closed, proof, layer)


def _layer(input: object, filter: object, options: dict) -> ConvSpec:
    if not isinstance(input, ConvSpec):
        return ConvSpec.parse(input, filter, **options)
    if filter is not None or options:
        given = ", ".join(["filter"] * (filter is not None) + sorted(options))
        raise SpecError("derive", f"a ConvSpec holds the whole layer; do not also pass {given}")
    return input


def proven_on(layer: ConvSpec, max_terms: int | None) -> ConvSpec:
    """The layer the proof is made on: ``layer``, or for a channel layer above ``max_terms``
    its representative (at most 2 groups, 2 channels per group, 2 samples).

    Every identity of the layer is a sum over channel pairs and samples of per-pair identities
    in disjoint variables (each pair has its own F, each sample its own X and G); the
    representative's identities hold pair by pair for that reason, and every pair of the layer
    is one of its pairs with channels and samples renamed.
    """
    if max_terms is not None and layer.product_terms > max_terms and layer.representative() != layer:
        return layer.representative()
    return layer


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a derivation allocates its objects.

    A large layer makes a million SymPy objects, none of them in a reference cycle; the
    collector would traverse the growing heap again and again (about 40% of the time at
    64x64 with 5x5). Reference counting still frees everything; the previous state is
    restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_size(spec: ConvSpec, max_terms: int | None) -> None:
    """Refuse a layer whose derivation would have more than ``max_terms`` product terms.

    Examples:
        >>> check_size(ConvSpec.parse("8x8", "3x3"), 100)
        Traceback (most recent call last):
        ...
        symconv.errors.SpecError: --max-terms: input 8x8, filter 3x3 needs an estimated 324 product terms, above the limit of 100; raise it with --max-terms 324 (max_terms= in Python)
    """
    if max_terms is not None and spec.product_terms > max_terms:
        raise SpecError(
            "--max-terms",
            f"input {show(spec.input)}, filter {show(spec.filter)} needs an estimated {spec.product_terms} product "
            f"terms, above the limit of {max_terms}; raise it with --max-terms {spec.product_terms} (max_terms= in Python)",
        )
