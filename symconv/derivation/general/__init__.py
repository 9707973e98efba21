"""The proof for all sizes: the chain rule equals the code's closed forms for every size.

    sizes.py      the size symbols, the conditions, and the one decision: a polynomial >= 0
    atoms.py      guards and guarded sums, the shape both sides are brought to
    decide.py     exact decisions about guards over boxes (corners, one hypothesis, Euclid)
    tensors.py    the tensors' shapes and the coordinates of their elements
    chain.py      the chain-rule side: the forward Sum differentiated by SymPy, read back
    interpret.py  the trees of ``recipes`` read on symbolic sizes (the twin of ``forms.evaluate``)
    closed.py     the closed-form side: those trees inside the channel contraction
    normal.py     coefficients of products of elements, and entailment between guard sets
    steps.py      steps as data: definitions and decisions that can fail
    theorem.py    the steps for one gradient; ``prove_general`` and ``prove_form``
    statement.py  the theorem, its conditions, what it covers, the printed lines
"""

from .statement import CONDITIONS, THEOREM, covers, not_covered, proof_lines, steps_lines
from .steps import Step
from .theorem import GeneralProof, prove_form, prove_general, prove_gradient
from .trees import tree_latex, tree_text

__all__ = ["CONDITIONS", "THEOREM", "GeneralProof", "Step", "covers", "not_covered", "proof_lines", "prove_form", "steps_lines",
           "prove_general", "prove_gradient", "tree_latex", "tree_text"]
