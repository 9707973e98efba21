"""The derivation: symbolic tensors, the forward model, SymPy's gradients, the closed forms and
their proofs, concrete (element by element) and for all sizes.

    symbols.py    X, F, G, b (IndexedBase), and products and sums of elements at scale
    model.py      the forward windows O_y
    gradients.py  local gradients by SymPy differentiation, chain-rule expansions
    operators.py  pad, dilate, rot180, correlate by their definitions, on arrays of symbols
    recipes.py    the closed forms, written once as trees of those operators
    forms.py      the trees evaluated on a concrete layer's arrays of symbols
    prove.py      the exact identity of every element (concrete sizes)
    general/      the proof for all sizes (symbolic sizes; its own README in __init__.py)
    result.py     Derivation, the frozen result
    pipeline.py   derive(): the driver, one line per stage
"""

from .pipeline import DEFAULT_MAX_TERMS, derive
from .result import Derivation

__all__ = ["DEFAULT_MAX_TERMS", "Derivation", "derive"]
