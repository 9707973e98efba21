"""The kernel's proof: the emitted module's own code, run on SymPy symbols, equals the proven
closed forms exactly.

    polynomial.py    exact polynomials in SymPy's symbols, expanded as the code computes them
    run.py           a kernel module's text executed in a fresh namespace; its bodies by name
    kernel_proof.py  every body run on symbols and compared with the forward model and the
                     closed forms, element by element; the smaller layer a large one runs
"""

from .kernel_proof import KernelProof, kernel_layer, prove_kernel

__all__ = ["KernelProof", "kernel_layer", "prove_kernel"]
