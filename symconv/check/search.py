"""Counterexamples: small layers where a closed form differs from the chain rule.

The search only finds candidates; it never proves anything. Layers are tried smallest first
(by the sum of their sizes), the form evaluated by ``forms.evaluate`` (the concrete
interpreter of the code's own closed forms) and compared with the code's closed form; a
difference is confirmed against the chain-rule expansions of ``symconv.derive`` at that layer
before it is reported.

Examples:
    >>> from .parse import parse_form
    >>> found = find("dL/dF", parse_form("corr(pad(X, lo, hi), G, stride=d, dilation=s)", "--grad-filter"), 1)
    >>> found.options, found.element, found.form_value, found.chain_value
    ('--input 1 --filter 1 --stride 2 --dilation 1 --padding 0:1', (1,), '0', "none (the gradient's shape is (1,))")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy

from ..derivation import derive, recipes
from ..derivation.forms import evaluate
from ..derivation.general.sizes import axes
from ..derivation.operators import tensor
from ..derivation.recipes import Corr, Dilate, Form, Operand, Pad, Rot180
from ..derivation.symbols import F, G, X
from ..errors import SpecError
from ..layer import ConvSpec

SIZES = dict(n=range(1, 7), k=range(1, 4), s=range(1, 4), d=range(1, 4), lo=range(0, 3), hi=range(0, 3))
TRIVIAL = dict(n=1, k=1, s=1, d=1, lo=0, hi=0)


@dataclass(frozen=True)
class Counterexample:
    """A layer ``symconv derive`` accepts, and one element where the form and the chain rule differ."""

    spec: ConvSpec
    element: tuple
    form_value: str
    chain_value: str

    @property
    def options(self) -> str:
        z = self.spec
        pads = "x".join(f"{lo}:{hi}" for lo, hi in z.padding)
        shown = lambda v: "x".join(map(str, v))  # noqa: E731
        return (f"--input {shown(z.input)} --filter {shown(z.filter)} --stride {shown(z.stride)} "
                f"--dilation {shown(z.dilation)} --padding {pads}")


def candidates(rank: int):
    """Layers by increasing total size: the first axis varies, the others are trivial or the same."""
    names = list(SIZES)
    points = sorted(itertools.product(*SIZES.values()), key=lambda p: (sum(p), p))
    for point in points:
        one = dict(zip(names, point))
        for axes_values in ([one] + [TRIVIAL] * (rank - 1), [one] * rank) if rank > 1 else ([one],):
            spec = _spec(axes_values)
            if spec is not None:
                yield spec


def _spec(per_axis: list[dict]) -> ConvSpec | None:
    field = lambda name: "x".join(str(v[name]) for v in per_axis)  # noqa: E731
    padding = "x".join(f"{v['lo']}:{v['hi']}" for v in per_axis)
    try:
        return ConvSpec.parse(field("n"), field("k"), stride=field("s"), dilation=field("d"), padding=padding)
    except SpecError:
        return None


def concrete(form: Form, values: dict) -> Form:
    """``form`` with its parameters evaluated at one layer's sizes (``values``: symbol -> int)."""
    at = lambda vs: tuple(int(sympy.sympify(v).xreplace(values)) for v in vs)  # noqa: E731
    if isinstance(form, Operand):
        return form
    if isinstance(form, Pad):
        return Pad(concrete(form.operand, values), tuple((at([lo])[0], at([hi])[0]) for lo, hi in form.widths))
    if isinstance(form, Dilate):
        return Dilate(concrete(form.operand, values), at(form.step))
    if isinstance(form, Rot180):
        return Rot180(concrete(form.operand, values))
    return Corr(concrete(form.operand, values), concrete(form.kernel, values), at(form.stride), at(form.dilation))


def values_of(spec: ConvSpec) -> dict:
    """Every size symbol of ``spec``'s rank at ``spec``'s value."""
    out = {}
    for j, z in enumerate(axes(spec.rank)):
        lo, hi = spec.padding[j]
        out.update({z.n: spec.input[j], z.k: spec.filter[j], z.s: spec.stride[j], z.d: spec.dilation[j],
                    z.lo: lo, z.hi: hi, z.r: spec.remainder[j], z.O: spec.output[j]})
    return out


def _positive_steps(form: Form) -> bool:
    """Whether every stride, dilation and dilation step of a concrete tree is >= 1."""
    if isinstance(form, Operand):
        return True
    if isinstance(form, Dilate):
        return min(form.step) >= 1 and _positive_steps(form.operand)
    if isinstance(form, Corr):
        return min(form.stride + form.dilation) >= 1 and _positive_steps(form.operand) and _positive_steps(form.kernel)
    return _positive_steps(form.operand)


def _operands(spec: ConvSpec) -> dict:
    return {"X": tensor(X, spec.input), "F": tensor(F, spec.filter), "G": tensor(G, spec.output)}


def differs(gradient: str, form: Form, spec: ConvSpec) -> tuple | None:
    """The first element where ``form`` and the code's closed form differ at ``spec``:
    ``(element, form value or None, the form's shape)``; ``None`` where they agree."""
    tree = concrete(form, values_of(spec))
    build = recipes.grad_input_form if gradient == "dL/dX" else recipes.grad_filter_form
    want = evaluate(build(recipes.Sizes.of(spec)), _operands(spec))
    if not _positive_steps(tree):
        return tuple(0 for _ in want.shape), None, None
    try:
        got = evaluate(tree, _operands(spec))
    except (ValueError, IndexError):  # e.g. a length below 0 that the array operators cannot build
        return tuple(0 for _ in want.shape), None, None
    for index in itertools.product(*(range(max(a, b)) for a, b in zip(got.shape, want.shape))):
        mine, theirs = _at(got, index), _at(want, index)
        if mine is None or theirs is None or sympy.expand(mine - theirs) != 0:
            return index, mine, got.shape
    return None


def _at(a: np.ndarray, index: tuple):
    return a[index] if all(i < n for i, n in zip(index, a.shape)) else None


def confirm(gradient: str, spec: ConvSpec, found: tuple) -> Counterexample | None:
    """The difference checked against ``symconv.derive``'s chain-rule expansion at ``spec``."""
    index, mine, shape = found
    expansions = derive(spec).expansion_input if gradient == "dL/dX" else derive(spec).expansion_filter
    chain = expansions[index].expr if index in expansions else None
    if chain is not None and mine is not None and sympy.expand(mine - chain) == 0:
        return None
    wanted = spec.input if gradient == "dL/dX" else spec.filter
    if shape is None:
        shown = "undefined: a stride, dilation or dilation step below 1"
    else:
        shown = f"none (the form's shape is {shape})" if mine is None else str(mine)
    return Counterexample(spec, index, shown, f"none (the gradient's shape is {wanted})" if chain is None else str(chain))


def find(gradient: str, form: Form, rank: int) -> Counterexample | None:
    """The smallest confirmed counterexample in the search, or ``None``."""
    for spec in candidates(rank):
        found = differs(gradient, form, spec)
        if found is not None:
            confirmed = confirm(gradient, spec, found)
            if confirmed is not None:
                return confirmed
    return None
