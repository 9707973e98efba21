"""symconv: derive, prove and generate backpropagation through convolution layers.

The package is laid out as its flow (see the README's architecture section)::

    layer/       ConvSpec, the table of layer options, every index formula once
    derivation/  symbols -> model -> gradients -> closed forms (recipes) -> proofs -> Derivation
    render/      Derivation -> text (LaTeX documents, NumPy kernels; strategies)
    io/          text -> files (atomic writes, PDF builds, importing kernels)
    chain/       symconv chain: parse -> evaluate -> text | LaTeX
    api.py       the public functions, composing the stages; cli.py the command over them

Examples:
    >>> import symconv
    >>> d = symconv.derive("3x3", "2x2")
    >>> d.proof.holds
    True
"""

import gc as _gc

# Importing SymPy makes some 10^5 objects, none in a reference cycle; the cycle collector would
# walk them again and again (about 15% of a short command's start-up). Paused while symconv
# imports, then left as it was.
_collecting = _gc.isenabled()
_gc.disable()
try:
    from .api import Written, load_kernel, render_latex, render_numpy, write_entry
    from .derivation import Derivation, derive
    from .errors import ChainError, KernelError, OutputError, ProofError, SpecError, SymconvError
    from .layer import ConvSpec
    from .render import STRATEGIES
    from .version import __version__
finally:
    if _collecting:
        _gc.enable()
    del _gc, _collecting

__all__ = [
    "ChainError",
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
