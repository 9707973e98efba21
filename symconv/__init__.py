"""symconv: derive, prove and generate backpropagation through convolution layers.

Examples:
    >>> import symconv
    >>> d = symconv.derive("3x3", "2x2")
    >>> d.proof.holds
    True
"""

from .errors import KernelError, OutputError, ProofError, SpecError, SymconvError
from .emit import Written, write_entry
from .kernelgen import STRATEGIES
from .kernels import load_kernel
from .pipeline import Derivation, derive
from .render import render_latex, render_numpy
from .spec import ConvSpec
from .version import __version__

__all__ = [
    "ConvSpec",
    "Derivation",
    "KernelError",
    "OutputError",
    "ProofError",
    "SpecError",
    "STRATEGIES",
    "SymconvError",
    "Written",
    "__version__",
    "derive",
    "load_kernel",
    "render_latex",
    "render_numpy",
    "write_entry",
]
