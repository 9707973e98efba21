"""The proof for all sizes as a document section: the theorem, its conditions, and per gradient
one chain of equalities whose every step names the check that decided it.

The mathematics is printed here (guards one a row, so none runs off the page); the words are
the templates' (``templates/document/general_en.tex.j2``, ``general_zh.tex.j2``), keyed by each
step's ``role``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import sympy

from ...derivation.general import GeneralProof, Step, tree_latex
from ...derivation.general.atoms import GuardedSum
from ...derivation.symbols import B, F, G, X

GRADIENT = {"dL/dF": F, "dL/dX": X, "dL/db": B}
WIDE = 46  # a guard longer than this (in LaTeX characters) gets a row of its own


@dataclass(frozen=True)
class Equality:
    """``= math`` under the guards ``rows``; ``roles`` name the checks that justify it (in words: the template)."""

    math: str
    rows: tuple[str, ...]
    roles: tuple[str, ...]
    holds: bool


@dataclass(frozen=True)
class GradientChain:
    """One gradient: the theorem's two sides, the chain of equalities between them, the other checks."""

    name: str  # F, X or b
    lhs: str
    closed: str  # the closed form (the theorem's right-hand side)
    parameters: tuple[str, ...]  # ``\theta_k = (...)``: the closed form's per-axis parameters, one a row
    equalities: tuple[Equality, ...]
    checks: tuple[tuple[str, bool], ...]  # (role, holds) of the checks that are no equality: strides, tensors, lengths
    holds: bool


@dataclass(frozen=True)
class GeneralSection:
    """The section: the rank, the theorem (one line a gradient) and each gradient's chain."""

    rank: int
    theorem: tuple[str, ...]
    proofs: tuple[GradientChain, ...]


def general_section(proofs: Sequence[GeneralProof]) -> GeneralSection:
    """The section's context from ``derivation.general.prove_general``'s proofs."""
    chains = tuple(_chain(p) for p in proofs)
    return GeneralSection(proofs[0].rank, tuple(f"{c.lhs} &= {c.closed}" for c in chains), chains)


def _theorem(proof: GeneralProof) -> tuple[str, tuple[str, ...]]:
    """``(channel sum of) the code's tree at e`` as mathematics, its parameters named
    ``theta_1, theta_2, ...`` and given one a row when they would make the line too long."""
    if proof.tree is None:
        return _sum(proof.closed), ()
    spatial = proof.layer.element(proof.gradient)[-proof.rank:]
    lead = proof.closed.bounds[0] if proof.layer.channelled else None
    head = rf"\sum_{{\substack{{{_range(lead)}}}}} " if lead else ""
    at = ",".join(sympy.latex(v) for v in spatial)
    rows: list[str] = []
    name = lambda vs: _named(vs, rows)  # noqa: E731
    tree = rf"\Bigl({tree_latex(proof.tree, name)}\Bigr)_{{{at}}}"
    return (rf"{head} \\ &\qquad {tree}" if head else tree), tuple(rows)


def _named(values: tuple, rows: list) -> str:
    """A parameter: short ones as they are, others as ``theta_k`` with a row ``theta_k = ...``."""
    shown = sympy.latex(values[0]) if len(values) == 1 else r"\bigl(" + ", ".join(map(sympy.latex, values)) + r"\bigr)"
    if len(shown) <= 16:
        return shown
    rows.append(rf"\theta_{{{len(rows) + 1}}} = {shown}")
    return rf"\theta_{{{len(rows)}}}"


def _range(b) -> str:
    return rf"{sympy.latex(b.var)} = {sympy.latex(b.low)}, \dots, \\ {sympy.latex(b.high)}"


def _lhs(proof: GeneralProof) -> str:
    element = proof.layer.element(proof.gradient)
    return rf"\frac{{\partial L}}{{\partial {sympy.latex(GRADIENT[proof.gradient][element])}}}"


def _step(proof: GeneralProof, role: str) -> Step | None:
    return next((s for s in proof.steps if s.role == role), None)


def _chain(proof: GeneralProof) -> GradientChain:
    """chain rule = (Euclid) = its coefficient = the closed form's = the closed form's sum = the tree."""
    coordinates = proof.layer.coordinates()
    factors = [GRADIENT_BASES[b] for b in _bases(proof)]
    pairs = r"\,".join(sympy.latex(base[coordinates[base]]) for base in factors)
    over = r"\sum_{\substack{" + r" \\ ".join(sympy.latex(base[coordinates[base]]) for base in factors) + "}}"
    equalities = []
    for role in ("chain", "euclid"):
        step = _step(proof, role)
        if step:
            equalities.append(_equality(_sum(step.sum), step.sum.atoms, (role,), (step,)))
    both = [_step(proof, r) for r in ("closed_from_chain", "chain_from_closed")]
    deltas, reindex = _step(proof, "deltas"), _step(proof, "reindex")
    equalities.append(_equality(rf"{over} [\ast]\, {pairs}", deltas.sum.atoms, ("deltas",), (deltas,)))
    equalities.append(_equality(rf"{over} [\ast]\, {pairs}", reindex.sum.atoms, tuple(s.role for s in both), both))
    closed = _step(proof, "closed")
    equalities.append(_equality(_sum(closed.sum), closed.sum.atoms, ("reindex",), (reindex,)))
    checks = tuple((s.role, s.holds) for s in proof.steps if s.role in ("positive", "tensors", "length"))
    closed_math, parameters = _theorem(proof)
    return GradientChain(str(GRADIENT[proof.gradient]), _lhs(proof), closed_math, parameters, tuple(equalities),
                         checks, proof.holds)


GRADIENT_BASES = {"G": G, "F": F, "X": X}


def _bases(proof: GeneralProof) -> list[str]:
    return {"dL/dX": ["G", "F"], "dL/dF": ["G", "X"], "dL/db": ["G"]}[proof.gradient]


def _equality(math: str, atoms, roles, steps) -> Equality:
    return Equality(math, _rows(atoms), tuple(roles), all(s.holds for s in steps))


def _rows(atoms) -> tuple[str, ...]:
    """Guards two to a row, a wide one alone: no row runs off the page."""
    rows, pending = [], []
    for a in atoms:
        text = rf"[{a.latex()}]"
        if len(text) > WIDE:
            rows.append(text)
        else:
            pending.append(text)
            if len(pending) == 2:
                rows.append(r"\ ".join(pending))
                pending = []
    return tuple(rows + ([r"\ ".join(pending)] if pending else []))


def _sum(side: GuardedSum) -> str:
    """``sum_{v = low .. high} [\\ast] factors``: ranges stacked under one sum sign; a long
    range over two lines, and each factor of a long product on a row of its own."""
    ranges = r" \\ ".join(_range(b) if len(_range(b)) > 60 else _range(b).replace(r" \\ ", " ") for b in side.bounds)
    head = rf"\sum_{{\substack{{{ranges}}}}}" if side.bounds else ""
    factors = [sympy.latex(x) for x in side.factors]
    glue = r" \\ &\qquad " if sum(map(len, factors)) > 90 else r"\,"
    guards = r"[\ast]" if side.atoms else ""
    return rf"{head} {guards}\, {glue.join(factors)}"


__all__ = ["GeneralSection", "general_section", "tree_latex"]
