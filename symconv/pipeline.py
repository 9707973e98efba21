"""The driver: one line per stage, each stage taking the previous one's frozen value.

    spec -> model -> derive -> forms -> prove   (this module)
         -> render (LaTeX | NumPy) -> emit      (render.py, emit.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np
from sympy import Expr

from .derive import Expansion, Gradients, LocalGradients, derive_gradients
from .forms import ClosedForms, closed_forms
from .model import Model, build_model
from .prove import METHOD, ProofReport, prove
from .spec import ConvSpec, CountLike, Index, Padding, SizeLike


@dataclass(frozen=True)
class Derivation:
    """Everything symconv knows about one layer: expressions, closed forms, proof.

    Attributes:
        spec: the layer.
        model: the forward windows (``forward`` gives ``{y: O_y}``).
        gradients: local gradients and chain-rule expansions, from differentiation.
        closed: the closed convolution forms, built from their own definition.
        proof: what was proven, element by element.
    """

    spec: ConvSpec
    model: Model
    gradients: Gradients
    closed: ClosedForms
    proof: ProofReport

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
) -> Derivation:
    """Derive, and prove, the gradients of one convolution layer.

    Args:
        input: input size such as ``"3x3"`` (or a :class:`ConvSpec`, then nothing else).
        filter: filter size such as ``"2x2"``.
        stride, dilation, padding, in_channels, out_channels, groups, batch, bias: as the
            CLI options of the same names. Any channel option (or a bias) gives tensors
            channel axes in PyTorch's layout; ``batch`` gives them a sample axis.

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
    model = build_model(spec)  # Model: the windows of O_y
    gradients = derive_gradients(model)  # Gradients: SymPy derivatives, chain-rule sums
    closed = closed_forms(spec)  # ClosedForms: from the convolution definitions
    proof = ProofReport(  # ProofReport: exact identity per element
        METHOD,
        prove("dL/dF", gradients.filter, closed.filter, spec.f_shape),
        prove("dL/dX", gradients.input, closed.input, spec.x_shape),
        prove("dL/db", gradients.bias, closed.bias, spec.b_shape or (0,)),
    )
    return Derivation(spec, model, gradients, closed, proof)
