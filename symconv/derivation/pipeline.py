"""The driver: one line per stage, each stage taking the previous one's frozen value.

    layer (ConvSpec) -> budget -> model -> gradients -> closed forms -> proof -> Derivation
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator, Union

from ..errors import SpecError
from ..layer import ConvSpec
from ..progress import NULL, Progress
from . import budget
from .budget import DEFAULT_MAX_MEMORY
from .expansions import Gradients, derive_gradients
from .ids import Numbering
from .index_forms import Closed
from .model import build_model
from .prove import METHOD, ProofReport, prove
from .result import Derivation


def derive(
    input: object,
    filter: object = None,
    *,
    max_memory: Union[int, str, None] = DEFAULT_MAX_MEMORY,
    full: bool = False,
    progress: Progress = NULL,
    **options: object,
) -> Derivation:
    """Derive, and prove, the gradients of one convolution layer.

    Args:
        input, filter: sizes such as ``"3x3"`` and ``"2x2"`` (or a :class:`ConvSpec`, alone).
        options: the other options of ``layer.OPTIONS`` (``stride``, ``dilation``, ``padding``,
            ``in_channels``, ``out_channels``, ``groups``, ``batch``, ``bias``), as the CLI's.
        max_memory: the memory guard, in bytes or as text (``"2G"``); ``None``: no limit. A
            channel layer estimated above it is proven on its representative (:func:`proven_on`);
            a layer still above it is refused before any work (:class:`SpecError`).
        full: the document will list every element (``symconv derive --full``): the guard counts it.
        progress: told each stage and its element count (see :mod:`symconv.progress`).

    Returns the :class:`Derivation`; check ``proof.holds`` before trusting it:

        >>> d = derive("3x3", "2x2")
        >>> d.proof.filter.proven, d.proof.input.proven
        (4, 9)
    """
    _check_arguments(full, progress)
    layer = _layer(input, filter, options)
    spec, scope = proven_on(layer, budget.parse_bytes(max_memory), full)  # before any work
    with no_cycle_collection():
        ids = Numbering.of(spec)  # Numbering: one integer per element, shared by both sides
        model = build_model(spec)  # Model: where the windows of O_y read
        gradients = derive_gradients(model, ids, progress)  # Gradients: SymPy derivatives of each window shape, renamed
        closed = Closed(spec, ids)  # Closed: the recipes' trees on index arrays
        proof = prove_all(gradients, closed, progress)  # ProofReport: exact identity per element
    return Derivation(spec, model, gradients, closed, proof, layer, scope)


def _check_arguments(full: object, progress: object) -> None:
    """Refuse, as :class:`SpecError`, what would otherwise fail as Python's own error mid-run."""
    if not isinstance(full, bool):
        raise SpecError("--full", f"{full!r} is not allowed; full is on (True) or off (False)")
    if not isinstance(progress, Progress):
        raise SpecError("progress", f"{type(progress).__name__} is not a symconv.progress.Progress "
                                    "(pass progress.NULL for none)")


def prove_all(gradients: Gradients, closed: Closed, progress: Progress = NULL) -> ProofReport:
    """Each gradient's chain-rule form against its closed form, one closed form built at a time."""
    progress.stage("closed forms", 0)
    forms = gradients.forms
    return ProofReport(
        METHOD,
        prove("dL/dF", forms["F"], closed.filter(), progress),
        prove("dL/dX", forms["X"], closed.input(), progress),
        prove("dL/db", forms["b"], closed.bias(), progress),
    )


def _layer(input: object, filter: object, options: dict) -> ConvSpec:
    if not isinstance(input, ConvSpec):
        return ConvSpec.parse(input, filter, **options)
    if filter is not None or options:
        given = ", ".join(["filter"] * (filter is not None) + sorted(options))
        raise SpecError("derive", f"a ConvSpec holds the whole layer; do not also pass {given}")
    return input


def proven_on(layer: ConvSpec, max_memory: int | None, full: bool = False) -> tuple[ConvSpec, str]:
    """The layer the proof is made on, and why when it is not ``layer``: ``layer`` if its estimate
    is within ``max_memory``, else for a channel layer its representative (at most 2 groups,
    2 channels per group, 2 samples); refused (:class:`SpecError`) if that is still above.

    Every identity of the layer is a sum over channel pairs and samples of per-pair identities
    in disjoint variables (each pair has its own F, each sample its own X and G); the
    representative's identities hold pair by pair for that reason, and every pair of the layer
    is one of its pairs with channels and samples renamed.

    Examples:
        >>> proven_on(ConvSpec.parse("8x8", "3x3", in_channels=64, out_channels=64), 2**24)[0].name
        'conv2d_i8x8_f3x3_c2to2'
    """
    found = budget.estimate(layer, full).total
    representative = layer.representative()
    if max_memory is None or found <= max_memory or representative == layer:
        budget.check(layer, max_memory, full)
        return layer, ""
    budget.check(representative, max_memory, full, f" even on its representative {representative.name}")
    return representative, (f"the full layer would need an estimated {budget.show_bytes(found)}, "
                            f"above the limit of {budget.show_bytes(max_memory)}")


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a derivation allocates its objects.

    The SymPy objects a derivation makes (a document's rows, the window shapes) are in no
    reference cycle; the collector would traverse the growing heap again and again. Reference
    counting still frees everything; the previous state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
