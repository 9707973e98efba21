"""symconv: derive, prove and generate backpropagation through convolution layers.

The package is laid out as its flow (see the README's architecture section)::

    layer/       ConvSpec, the table of layer options, every index formula once
    derivation/  symbols -> model -> gradients -> closed forms (recipes) -> proofs -> Derivation
    render/      Derivation -> text (LaTeX documents, NumPy kernels; strategies)
    verify/      kernel text -> its code run on SymPy symbols, against the closed forms
    io/          text -> files (atomic writes, PDF builds, importing kernels)
    chain/       symconv chain: parse -> evaluate -> text | LaTeX
    api.py       the public functions, composing the stages; cli.py the command over them

Examples:
    >>> import symconv
    >>> d = symconv.derive("3x3", "2x2")
    >>> d.proof.holds
    True
"""

from importlib import import_module

from .version import __version__

# The public names, imported on first use (PEP 562): ``import symconv`` stays light, so the
# command can set up its signal handling before SymPy and NumPy load (see launch.py).
_HOMES = {
    "Written": "api", "load_kernel": "api", "render_latex": "api", "render_html": "api", "render_notebook": "api",
    "render_numpy": "api", "write_entry": "api", "prove_kernel": "api", "KernelProof": "verify",
    "Derivation": "derivation", "derive": "derivation", "ConvSpec": "layer", "STRATEGIES": "render",
    "ChainError": "errors", "KernelError": "errors", "OutputError": "errors", "ProofError": "errors",
    "SpecError": "errors", "SymconvError": "errors",
}

__all__ = sorted([*_HOMES, "__version__"])


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'symconv' has no attribute {name!r}")
    value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
