"""The driver: one line per stage, each stage taking the previous one's frozen value.

    spec -> model -> derive -> forms -> prove   (this module)
         -> render (LaTeX | NumPy) -> emit      (render.py, emit.py)
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Union

import numpy as np
from sympy import Expr

from .derive import Expansion, Gradients, LocalGradients, derive_gradients
from .errors import SpecError
from .forms import ClosedForms, closed_forms
from .model import Model, build_model
from .progress import NULL, Progress
from .prove import METHOD, ProofReport, prove
from .spec import ConvSpec, CountLike, Index, Padding, SizeLike, show

# The size guard. 64x64 with a 5x5 filter is 90,000 product terms (about 3 s and 400 MB
# here); the default allows about three times that, which stays within seconds and 1 GB.
DEFAULT_MAX_TERMS = 300_000


@dataclass(frozen=True)
class Derivation:
    """Everything symconv knows about one layer: expressions, closed forms, proof.

    Attributes:
        spec: the layer that was derived and proven, element by element.
        model: the forward windows (``forward`` gives ``{y: O_y}``).
        gradients: local gradients and chain-rule expansions, from differentiation.
        closed: the closed convolution forms, built from their own definition.
        proof: what was proven, element by element.
        layer: the layer the kernel and the files are for: ``spec`` itself, or, for a channel
            layer too large to prove element by element, the layer whose representative
            (:meth:`ConvSpec.representative`) ``spec`` is.
    """

    spec: ConvSpec
    model: Model
    gradients: Gradients
    closed: ClosedForms
    proof: ProofReport
    layer: ConvSpec | None = None

    def __post_init__(self) -> None:
        if self.layer is None:
            object.__setattr__(self, "layer", self.spec)

    @property
    def representative(self) -> bool:
        """Whether the proof was made on the layer's representative instead of the layer."""
        return self.layer != self.spec

    @property
    def forward(self) -> dict[Index, Expr]:
        """``{y: O_y}``, row-major."""
        return self.model.forward()

    @property
    def local_filter(self) -> LocalGradients:
        """``{y: ((F[k], dO_y/dF[k]), ...)}``."""
        return self.gradients.local_filter

    @property
    def local_input(self) -> LocalGradients:
        """``{y: ((X[i], dO_y/dX[i]), ...)}``."""
        return self.gradients.local_input

    @property
    def expansion_filter(self) -> dict[Index, Expansion]:
        """``{k: dL/dF[k]}`` as chain-rule sums."""
        return self.gradients.filter

    @property
    def expansion_input(self) -> dict[Index, Expansion]:
        """``{i: dL/dX[i]}`` as chain-rule sums (possibly with no term)."""
        return self.gradients.input

    @property
    def local_bias(self) -> LocalGradients:
        """``{y: ((b[o], 1),)}`` with a bias, else empty."""
        return self.gradients.local_bias

    @property
    def expansion_bias(self) -> dict[Index, Expansion]:
        """``{(o,): dL/db[o]}`` as chain-rule sums, empty without a bias."""
        return self.gradients.bias

    @property
    def closed_filter(self) -> np.ndarray:
        """dL/dF as the correlation of the padded X with G."""
        return self.closed.filter

    @property
    def closed_input(self) -> np.ndarray:
        """dL/dX as the correlation of the padded, dilated G with rot180(F)."""
        return self.closed.input

    @property
    def closed_bias(self) -> np.ndarray:
        """dL/db as the sum of G (an empty array without a bias)."""
        return self.closed.bias

    def _repr_latex_(self) -> str:
        from .render import summary_latex

        return summary_latex(self)


def derive(
    input: Union[SizeLike, ConvSpec],
    filter: SizeLike | None = None,
    *,
    stride: SizeLike = 1,
    dilation: SizeLike = 1,
    padding: Union[str, int, Padding] = 0,
    in_channels: CountLike = None,
    out_channels: CountLike = None,
    groups: CountLike = None,
    batch: CountLike = None,
    bias: bool = False,
    max_terms: int | None = DEFAULT_MAX_TERMS,
    progress: Progress = NULL,
) -> Derivation:
    """Derive, and prove, the gradients of one convolution layer.

    Args:
        input: input size such as ``"3x3"`` (or a :class:`ConvSpec`, then nothing else).
        filter: filter size such as ``"2x2"``.
        stride, dilation, padding, in_channels, out_channels, groups, batch, bias: as the
            CLI options of the same names. Any channel option (or a bias) gives tensors
            channel axes in PyTorch's layout; ``batch`` gives them a sample axis.
        max_terms: a channel layer with more forward product terms (``spec.product_terms``)
            than this is proven on its representative (``Derivation.layer`` keeps the layer);
            a layer still above it is refused (:class:`SpecError`, before any work);
            ``None``: no limit.
        progress: told each stage and its element count (see :mod:`symconv.progress`).

    Returns:
        The :class:`Derivation`; check ``proof.holds`` before trusting it.

    Examples:
        >>> d = derive("3x3", "2x2")
        >>> d.proof.filter.proven, d.proof.input.proven
        (4, 9)
    """
    spec = input if isinstance(input, ConvSpec) else ConvSpec.parse(
        input, filter, stride=stride, dilation=dilation, padding=padding, in_channels=in_channels,
        out_channels=out_channels, groups=groups, batch=batch, bias=bias,
    )
    layer = spec
    if max_terms is not None and spec.product_terms > max_terms and spec.representative() != spec:
        # Prove the representative (at most 2 groups, 2 channels per group, 2 samples) element
        # by element instead. Every identity of the layer is a sum over channel pairs and samples
        # of per-pair identities in disjoint variables (each pair has its own F, each sample its
        # own X and G); the representative's identities hold pair by pair for that reason, and
        # every pair of the layer is one of its pairs with channels and samples renamed.
        spec = spec.representative()
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
