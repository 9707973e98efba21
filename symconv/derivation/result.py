"""The result of a derivation: one frozen value holding every stage's output."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, ClassVar, Optional

import numpy as np
from sympy import Expr

from ..layer import ConvSpec, Index
from .expansions import Gradients
from .forms import ClosedForms, closed_forms
from .gradients import LocalGradients
from .index_forms import Closed
from .lazy import LazyMapping
from .model import Model
from .prove import ProofReport


@dataclass(frozen=True)
class Derivation:
    """Everything symconv knows about one layer: expressions, closed forms, proof.

    Expressions are built when they are read: the proof works on index arrays, and a document
    or a caller asks for the few SymPy elements it shows.

    Attributes:
        spec: the layer that was derived and proven, element by element.
        model: the forward windows (``forward`` gives ``{y: O_y}``).
        gradients: the chain rule's forms, local gradients and expansions, from differentiation.
        closed: the closed convolution forms on index arrays, built from their own definition,
            and their operands (``closed.x_padded``, ``closed.g_padded``, ...) for documents.
        proof: what was proven, element by element.
        layer: the layer the kernel and the files are for: ``spec`` itself, or, for a channel
            layer too large to prove element by element, the layer whose representative
            (:meth:`ConvSpec.representative`) ``spec`` is.
        scope: why the proof was made on the representative (empty when it was not).
    """

    spec: ConvSpec
    model: Model
    gradients: Gradients
    closed: Closed
    proof: ProofReport
    layer: ConvSpec | None = None
    scope: str = ""

    def __post_init__(self) -> None:
        if self.layer is None:
            object.__setattr__(self, "layer", self.spec)

    @property
    def representative(self) -> bool:
        """Whether the proof was made on the layer's representative instead of the layer."""
        return self.layer != self.spec

    @property
    def forward(self) -> LazyMapping:
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
    def local_bias(self) -> LocalGradients:
        """``{y: ((b[o], 1),)}`` with a bias, else empty."""
        return self.gradients.local_bias

    @property
    def expansion_filter(self) -> LazyMapping:
        """``{k: dL/dF[k]}`` as chain-rule sums."""
        return self.gradients.filter

    @property
    def expansion_input(self) -> LazyMapping:
        """``{i: dL/dX[i]}`` as chain-rule sums (possibly with no term)."""
        return self.gradients.input

    @property
    def expansion_bias(self) -> LazyMapping:
        """``{(o,): dL/db[o]}`` as chain-rule sums, empty without a bias."""
        return self.gradients.bias

    @cached_property
    def symbolic(self) -> ClosedForms:
        """The closed forms as arrays of SymPy expressions, by ``forms.py`` (the same trees on
        arrays of symbols); built when first read, at about 10 microseconds per product term."""
        return closed_forms(self.spec)

    @property
    def closed_filter(self) -> np.ndarray:
        """dL/dF as the correlation of the padded X with G (SymPy expressions, :attr:`symbolic`)."""
        return self.symbolic.filter

    @property
    def closed_input(self) -> np.ndarray:
        """dL/dX as the correlation of the padded, dilated G with rot180(F) (:attr:`symbolic`)."""
        return self.symbolic.input

    @property
    def closed_bias(self) -> np.ndarray:
        """dL/db as the sum of G (an empty array without a bias; :attr:`symbolic`)."""
        return self.symbolic.bias

    # How a Derivation shows itself in a notebook. The renderer sets it when it is imported
    # (``render.latex``): a derivation knows nothing of rendering, and imports run one way.
    notebook_summary: ClassVar[Optional[Callable[["Derivation"], str]]] = None

    def _repr_latex_(self) -> Optional[str]:
        return None if Derivation.notebook_summary is None else Derivation.notebook_summary(self)
