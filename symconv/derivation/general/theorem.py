"""The theorem for one gradient: the chain rule and a closed form are equal for every size.

Both sides become coefficients (``normal``): for every product of elements, a set of guards over
their coordinates. The theorem holds when each side's summation collapses (every summation
variable is fixed by the elements it multiplies), both sides multiply the same tensors with the
same number of indices, every guard of each side follows from the other side's guards and the
tensors' shapes, and the closed form has exactly as many elements as the gradient.

Examples:
    >>> proof = prove_gradient(Layer(1), "dL/dF", code_tree(Layer(1), "dL/dF"))
    >>> proof.holds, [s.mark for s in proof.steps][:3]
    (True, ['definition', 'ok', 'ok'])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy

from ..recipes import Form
from ..symbols import F, G, X
from . import steps as st
from .atoms import GuardedSum
from .chain import ChainSide, chain_rule, split_channel
from .closed import ClosedSide, closed_side, code_tree
from .normal import Coefficient, coefficient, entails
from .sizes import CHANNELS
from .tensors import Layer
from .trees import tree_text

OPERANDS = {"dL/dX": (G, F), "dL/dF": (G, X), "dL/db": (G,)}
EXPECTED = {"dL/dX": "n", "dL/dF": "k"}


@dataclass(frozen=True)
class GeneralProof:
    """The steps for one gradient; it holds when every check does."""

    gradient: str
    layer: Layer
    steps: tuple[st.Step, ...]
    chain: GuardedSum  # the chain-rule side, as read from SymPy's derivative
    closed: GuardedSum  # the closed form at the theorem's element
    tree: Form | None = None  # the closed form's tree (None: dL/db, the sum of G)

    @property
    def rank(self) -> int:
        return self.layer.rank

    @property
    def holds(self) -> bool:
        return all(s.holds for s in self.steps)

    @property
    def failed_step(self) -> st.Step | None:
        return next((s for s in self.steps if not s.holds), None)


def prove_gradient(layer: Layer, gradient: str, tree: Form | None) -> GeneralProof:
    """Every step for ``gradient``, with ``tree`` as its closed form (``None`` for dL/db)."""
    chain = chain_rule(layer, gradient)
    steps, chain_sum = _chain_steps(layer, gradient, chain)
    closed = closed_side(layer, gradient, tree)
    boxes = layer.boxes(gradient, OPERANDS[gradient])
    mine = coefficient(chain_sum, layer.coordinates(), boxes, CHANNELS.moduli)
    steps.append(_collapse("the Kronecker deltas evaluated: the chain rule's coefficient of each product of "
                           "elements", mine, "deltas"))
    steps += _closed_steps(closed, gradient)
    theirs = coefficient(closed.sum, layer.coordinates(), boxes, CHANNELS.moduli)
    steps.append(_collapse("the closed form re-indexed: its coefficient of each product of elements", theirs, "reindex"))
    steps.append(replace(_same_elements(layer, gradient, chain_sum, closed.sum), role="tensors"))
    steps += _guard_steps(mine, theirs, boxes)
    if gradient in EXPECTED:
        steps.append(_length_step(layer, gradient, closed))
    return GeneralProof(gradient, layer, tuple(steps), chain_sum, closed.sum, tree)


def _chain_steps(layer: Layer, gradient: str, chain: ChainSide) -> tuple[list[st.Step], GuardedSum]:
    steps = [
        st.definition("forward pass, one output element (X is 0 outside its shape)", [sympy.sstr(chain.forward)],
                      [sympy.latex(chain.forward)], role="forward"),
        st.check(f"chain rule: {gradient} = sum over the outputs of G * dO/d{gradient[4:]}, by SymPy",
                 chain.problems, "sympy.diff of the forward Sum; the summand read as elements and Kronecker "
                 "deltas, the ranges from the Sums' own limits", st.sum_lines(chain.sum), role="chain", sum=chain.sum),
    ]
    side = chain.sum
    if layer.channelled:
        o = side.bounds[1].var
        side, problem = split_channel(side, o, CHANNELS.cg_out, CHANNELS.g)
        steps.append(st.check(f"Euclidean division: {o} = p_{o} Cg_out + j_{o} with 0 <= j_{o} < Cg_out",
                              [problem] if problem else [], "the Sum's range is 0 .. g Cg_out - 1, and every "
                              "channel has exactly one (group, slot) pair", st.sum_lines(side), role="euclid",
                              sum=side))
    return steps, side


def _collapse(title: str, c: Coefficient, role: str) -> st.Step:
    solved = [f"{v} = {sympy.sstr(e)}" for v, e in c.solved]
    floors = [a.text() for a in c.atoms if a.expr.has(sympy.floor)]
    return st.check(title, list(c.problems) + [f"a floor is left in {f}" for f in floors],
                    "each summation variable solved from an equation in which its coefficient is +-1 "
                    "(one value: the sum over it collapses), its range kept as a guard; channel floors by "
                    "Euclidean division", ("solved: " + ", ".join(solved),) + st.atom_lines(c.atoms),
                    st.atom_latex(c.atoms), role=role, sum=GuardedSum((), (), c.atoms))


def _closed_steps(closed: ClosedSide, gradient: str) -> list[st.Step]:
    what = "the sum of G over the batch and every position" if closed.tree is None else tree_text(closed.tree)
    out = [st.definition(f"closed form: {what}, read by the definitions of pad, dilate, rot180 and corr",
                         st.sum_lines(closed.sum), st.atom_latex(closed.sum.atoms), role="closed", sum=closed.sum)]
    if closed.obligations:
        out.append(st.check("every stride, dilation and dilation step is >= 1", st.positive_sizes(closed.obligations),
                            "a polynomial in the sizes, >= 1 under the conditions", role="positive"))
    return out


def _same_elements(layer: Layer, gradient: str, chain: GuardedSum, closed: GuardedSum) -> st.Step:
    wanted = sorted(OPERANDS[gradient], key=str)
    failures = []
    for name, side in (("the chain rule", chain), ("the closed form", closed)):
        bases = sorted((x.base for x in side.factors), key=str)
        if bases != wanted:
            failures.append(f"{name} multiplies {', '.join(map(str, bases)) or 'nothing'}, not "
                            f"{', '.join(map(str, wanted))}")
        failures += [f"{name} reads {x} with {len(x.indices)} indices, not {len(layer.coordinates()[x.base])}"
                     for x in side.factors if x.base in wanted and len(x.indices) != len(layer.coordinates()[x.base])]
    return st.check("both sides multiply the same tensors, each with its number of indices", failures,
                    "the factors' tensors and index counts compared")


def _guard_steps(mine: Coefficient, theirs: Coefficient, boxes: dict) -> list[st.Step]:
    method = ("the hypotheses' equations solved (coefficient +-1), then each guard by: an expansion to 0, "
              "a quotient with integer coefficients, or an affine bound at the box's corner (alone or after "
              "one hypothesis), every sign decided under the conditions")
    forward = entails(mine.atoms, theirs.atoms, boxes, CHANNELS.moduli)
    backward = entails(theirs.atoms, mine.atoms, boxes, CHANNELS.moduli)
    return [
        st.check("every guard of the closed form follows from the chain rule's", st.named(forward), method,
                 role="closed_from_chain"),
        st.check("every guard of the chain rule follows from the closed form's", st.named(backward), method,
                 role="chain_from_closed"),
    ]


def _length_step(layer: Layer, gradient: str, closed: ClosedSide) -> st.Step:
    expected = tuple(getattr(z, EXPECTED[gradient]) for z in layer.axes)
    failures = [f"axis {j}: {sympy.sstr(length)} is not {want}"
                for j, (length, want) in enumerate(zip(closed.lengths, expected), 1) if not st.lengths_equal(length, want)]
    failures += [] if len(closed.lengths) == len(expected) else [f"{len(closed.lengths)} axes, not {len(expected)}"]
    return st.check("the closed form has exactly as many elements as the gradient, per axis", failures,
                    "its length (layer.axis) equals the gradient's after O's definition; a floor by Euclidean "
                    "division", tuple(sympy.sstr(v) for v in closed.lengths), role="length")


def prove_general(rank: int = 1) -> tuple[GeneralProof, ...]:
    """dL/dF, dL/dX and dL/db of a layer with channels, groups, batch and bias, for every size."""
    layer = Layer(rank, channelled=True)
    return tuple(prove_gradient(layer, g, code_tree(layer, g) if g != "dL/db" else None)
                 for g in ("dL/dF", "dL/dX", "dL/db"))


def prove_form(gradient: str, tree: Form, rank: int = 1) -> GeneralProof:
    """A closed form someone wrote (one channel pair, one sample), proven like the code's own."""
    return prove_gradient(Layer(rank), gradient, tree)
