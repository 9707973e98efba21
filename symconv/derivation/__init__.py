"""The derivation: symbolic tensors, the forward model, SymPy's gradients, the closed forms and
their proofs, concrete (element by element) and for all sizes.

    symbols.py          X, F, G, b (IndexedBase), and products and sums of elements at scale
    ids.py              one integer per element: the names both sides of the proof share on arrays
    budget.py           the memory guard: a layer's estimated peak, before any work
    model.py            where the windows O_y read (index arrays), each window on demand
    gradients.py        SymPy differentiation of window shapes, local gradients, chain-rule terms
    chainrule.py        the chain rule as integer rows, from the window shapes' derivatives
    expansions.py       Gradients: the chain rule's rows, and its expansions made when read
    operators.py        pad, dilate, rot180, correlate by their definitions, on arrays of symbols
    index_operators.py  the same definitions on integer index arrays
    recipes.py          the closed forms, written once as trees of those operators
    forms.py            the trees evaluated on a concrete layer's arrays of symbols
    index_forms.py      the trees evaluated on index arrays: the closed forms the proof decides on
    bilinear.py         a gradient as integer rows, their canonical form and difference
    prove.py            the exact identity of every element (concrete sizes)
    polynomials.py      the same identities decided on SymPy expressions (the reference)
    general/            the proof for all sizes (symbolic sizes; its own README in __init__.py)
    lazy.py             sequences, mappings and grids whose SymPy values are made when read
    result.py           Derivation, the frozen result
    pipeline.py         derive(): the driver, one line per stage
"""

from .budget import DEFAULT_MAX_MEMORY
from .pipeline import derive
from .result import Derivation

__all__ = ["DEFAULT_MAX_MEMORY", "Derivation", "derive"]
