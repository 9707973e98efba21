"""Proof for all sizes: the closed forms hold for symbolic n, k, stride, dilation and padding.

Per axis the sizes are symbols: input n, filter k, stride s, dilation d, padding lo and hi,
output O and remainder r, tied by the definition of O and r:

    s (O - 1) = n + lo + hi - d (k - 1) - 1 - r,      0 <= r < s.

Both sides are brought, by SymPy transformations, to one canonical shape: a sum over one
index per axis of a product of elements, under guards (``s | e`` and ``low <= e <= high``).
Every step checks its own result with a decision procedure it names (an expansion to 0, the
endpoints of an affine map, the bounds of an affine form over a box), so a wrong closed form
fails at a named step instead of being "simplified" into agreement.

Axes are independent: the index map ``s*y + d*a - lo``, the Kronecker delta of a
multi-index (the product of the per-axis deltas), padding, dilation and rotation all act axis
by axis, and a sum over a box is an iterated sum. So every step runs axis by axis, for any rank.
Channels, groups, bias and batch are not covered here (they add finite sums of these
identities); they are proven element by element for concrete sizes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Callable

import sympy
from sympy import Expr, KroneckerDelta, Symbol

from ..layer import axis
from .symbols import F, G, X


@dataclass(frozen=True)
class Axis:
    """The size symbols of one axis and the definition that ties them."""

    n: Symbol
    k: Symbol
    s: Symbol
    d: Symbol
    lo: Symbol
    hi: Symbol
    r: Symbol
    O: Symbol  # noqa: E741 (the tutorial's name)

    @classmethod
    def named(cls, suffix: str) -> "Axis":
        positive = [Symbol(f"{v}{suffix}", integer=True, positive=True) for v in ("n", "k", "s", "d", "O")]
        nonnegative = [Symbol(f"{v}{suffix}", integer=True, nonnegative=True) for v in ("lo", "hi", "r")]
        n, k, s, d, o = positive
        lo, hi, r = nonnegative
        return cls(n, k, s, d, lo, hi, r, o)

    def reduce(self, e: Expr) -> Expr:
        """Replace O by its definition (``axis.output_identity`` solved for O, exact given r) and expand."""
        identity = axis.output_identity(self.n, self.k, self.s, self.d, self.lo, self.hi, self.O, self.r)
        return sympy.expand(e.subs(self.O, sympy.solve(identity, self.O)[0]))


@dataclass(frozen=True)
class Guarded:
    """``sum over bound[j] in [0, k_j - 1] of prod(factors)`` where every guard holds.

    ``divides`` holds ``(modulus, e)`` for ``modulus | e``; ``ranges`` holds ``(low, e, high)``.
    """

    bound: tuple[Symbol, ...]
    factors: tuple[Expr, ...]
    divides: tuple[tuple[Expr, Expr], ...] = ()
    ranges: tuple[tuple[Expr, Expr, Expr], ...] = ()

    def latex(self) -> str:
        guards = [r"[%s \mid %s]" % (sympy.latex(m), sympy.latex(e)) for m, e in self.divides]
        guards += [r"[%s \le %s \le %s]" % tuple(map(sympy.latex, g)) for g in self.ranges]
        limits = ",".join(sympy.latex(b) for b in self.bound)
        return r"\sum_{%s} %s" % (limits, r" \, ".join(guards + [sympy.latex(f) for f in self.factors]))

    def text(self) -> str:
        guards = [f"[{m} | {e}]" for m, e in self.divides] + [f"[{lo} <= {e} <= {hi}]" for lo, e, hi in self.ranges]
        return f"sum over {', '.join(map(str, self.bound))} of " + " * ".join(guards + [str(f) for f in self.factors])


@dataclass(frozen=True)
class Step:
    """One transformation: what it did, the result, and how the result was checked."""

    title: str
    result: str
    result_latex: str
    method: str
    holds: bool


@dataclass(frozen=True)
class GeneralProof:
    """The steps for one gradient; it holds when every step does."""

    gradient: str
    rank: int
    steps: tuple[Step, ...]
    axes: tuple[Axis, ...]
    element: tuple[Symbol, ...]  # the free index: i of dL/dX[i] or b of dL/dF[b]
    derived: Guarded  # the chain-rule result in canonical form

    @property
    def holds(self) -> bool:
        return all(s.holds for s in self.steps)

    @property
    def failed_step(self) -> Step | None:
        return next((s for s in self.steps if not s.holds), None)


# -- the closed forms, from the definitions of pad, dilate, rot180 and correlate ------------------
@dataclass(frozen=True)
class ClosedForm:
    """A closed form per axis: its value at an output index, and its output length."""

    value: Guarded
    lengths: tuple[Expr, ...]


def closed_input(axes: tuple[Axis, ...], i: tuple[Symbol, ...], m: tuple[Symbol, ...],
                 dilated_length: Callable[[Expr, Expr], Expr] = axis.dilated_length,
                 padding: Callable[..., tuple[Expr, Expr]] = axis.grad_input_padding,
                 rotate: bool = True) -> ClosedForm:
    """``corr(pad(dilate_s(G), d(k-1) - lo, d(k-1) - hi + r), rot180(F); stride 1, dilation d)[i]``,
    with the lengths and paddings of ``layer.axis``, the formulas the concrete closed forms and
    the kernels use. The keyword arguments are where known wrong versions differ (tests pass them).
    """
    divides, ranges, g_index, lengths = [], [], [], []
    for ax, ii, mm in zip(axes, i, m):
        before, after = padding(ax.k, ax.d, ax.lo, ax.hi, ax.r)
        dilated = dilated_length(ax.O, ax.s)
        t = ii + ax.d * mm  # correlation with stride 1 and dilation d reads t = i + d*m
        u = t - before  # pad: position in the dilated G
        divides.append((ax.s, u))  # dilate_s: nonzero only at multiples of s ...
        ranges.append((0, u, dilated - 1))  # ... inside the dilated length
        g_index.append(u / ax.s)
        lengths.append(before + dilated + after - axis.reach(ax.k, ax.d))  # a valid correlation's length
    f_index = tuple(axis.rotated(mm, ax.k) if rotate else mm for ax, mm in zip(axes, m))
    return ClosedForm(Guarded(m, (F[f_index], G[tuple(g_index)]), tuple(divides), tuple(ranges)), tuple(lengths))


def closed_filter(axes: tuple[Axis, ...], b: tuple[Symbol, ...], t: tuple[Symbol, ...], swap: bool = True) -> ClosedForm:
    """``corr(pad(X, lo, hi - r), G; window stride d, kernel dilation s)[b]`` (``swap=False``: the bug)."""
    ranges, x_index, lengths = [], [], []
    for ax, bb, tt in zip(axes, b, t):
        stride, dilation = (ax.d, ax.s) if swap else (ax.s, ax.d)
        u = stride * bb + dilation * tt  # position in the padded X
        padded = axis.padded_length(ax.n, *axis.grad_filter_padding(ax.lo, ax.hi, ax.r))
        ranges.append((0, u, padded - 1))  # pad: inside the padded length
        x_index.append(u - ax.lo)  # X is 0 outside [0, n): the zero extension
        lengths.append((padded - axis.extent(ax.O, dilation)) / stride + 1)  # exact: no floor needed
    return ClosedForm(Guarded(t, (G[t], X[tuple(x_index)]), (), tuple(ranges)), tuple(lengths))


# -- the proofs ---------------------------------------------------------------------------------------
def symbols_for(rank: int, names: str) -> tuple[tuple[Symbol, ...], ...]:
    suffixes = [""] if rank == 1 else [str(j + 1) for j in range(rank)]
    return tuple(tuple(Symbol(f"{c}{sfx}", integer=True, nonnegative=True) for sfx in suffixes) for c in names)


def axes_for(rank: int) -> tuple[Axis, ...]:
    return tuple(Axis.named("" if rank == 1 else str(j + 1)) for j in range(rank))


def forward(axes: tuple[Axis, ...], y: tuple[Symbol, ...], a: tuple[Symbol, ...]) -> Expr:
    """``O[y] = sum_a F[a] X[s*y + d*a - lo]`` (X is 0 outside [0, n)), as a SymPy Sum."""
    reads = tuple(axis.read(yy, aa, ax.s, ax.d, ax.lo) for ax, yy, aa in zip(axes, y, a))
    return sympy.Sum(F[a] * X[reads], *((aa, 0, ax.k - 1) for ax, aa in zip(axes, a)))


def prove_input(rank: int = 1, closed: Callable[..., ClosedForm] = closed_input) -> GeneralProof:
    """dL/dX[i] equals the closed form for every size, element by symbolic element."""
    axes = axes_for(rank)
    i, y, a, m = symbols_for(rank, "iyam")
    derivative, steps = _chain_rule(axes, y, a, X[i], "dL/dX[i]")
    evaluated, ok = _evaluate_output_deltas(axes, derivative, y, a)
    steps.append(_guarded_step("sum over y of the Kronecker deltas: y = (i + lo - d a)/s where that is an "
                               "integer in [0, O-1]", evaluated,
                               "solution substituted into the delta's argument expands to 0; "
                               "0 <= y <= O-1 multiplied by s > 0", ok))
    form = closed(axes, i, m)
    steps.append(_guarded_step("closed form from the definitions of pad, dilate, rot180 and correlate", form.value,
                               "construction", True))
    steps.extend(_match(axes, evaluated, form, a, tuple(ax.k - 1 for ax in axes)))
    steps.append(_lengths_step(axes, form, tuple(ax.n for ax in axes)))
    return GeneralProof("dL/dX", rank, tuple(steps), axes, i, evaluated)


def prove_filter(rank: int = 1, closed: Callable[..., ClosedForm] = closed_filter) -> GeneralProof:
    """dL/dF[b] equals the closed form for every size."""
    axes = axes_for(rank)
    b, y, a, t = symbols_for(rank, "byat")
    derivative, steps = _chain_rule(axes, y, a, F[b], "dL/dF[b]")
    evaluated, ok = _evaluate_tap_deltas(axes, derivative, y, a, b)
    steps.append(_guarded_step("sum over a of the Kronecker deltas: a = b, which lies in [0, k-1]", evaluated,
                               "delta argument expands to 0 at a = b; b's own range is [0, k-1]", ok))
    form = closed(axes, b, t)
    steps.append(_guarded_step("closed form from the definitions of pad and correlate", form.value,
                               "construction", True))
    discharged, ok = _discharge_ranges(axes, form.value, b)
    steps.append(_guarded_step("the padding guard holds on the whole range of t and b", discharged,
                               "bounds of an affine form with positive coefficients over a box, with O's definition",
                               ok))
    steps.extend(_match(axes, evaluated, ClosedForm(discharged, form.lengths), y, tuple(ax.O - 1 for ax in axes)))
    steps.append(_lengths_step(axes, form, tuple(ax.k for ax in axes)))
    return GeneralProof("dL/dF", rank, tuple(steps), axes, b, evaluated)


# -- steps ---------------------------------------------------------------------------------------------
def _chain_rule(axes, y, a, element, name: str) -> tuple[Expr, list[Step]]:
    """The forward Sum, and ``sum_y G[y] dO[y]/d element`` by SymPy's differentiation of it."""
    o = forward(axes, y, a)
    derivative = sympy.diff(o, element)
    expansion = sympy.Sum(G[y] * derivative, *((yy, 0, ax.O - 1) for ax, yy in zip(axes, y)))
    return derivative, [
        _step("forward pass, one output element", o, "definition (X is 0 outside [0, n))", True),
        _step(f"chain rule: {name} = sum_y G[y] dO[y]/d{name[4:]}, by SymPy differentiation", expansion,
              f"sympy.diff of the Sum with respect to the Indexed {element}", True),
    ]


def _evaluate_output_deltas(axes, derivative: Expr, y, a) -> tuple[Guarded, bool]:
    """``sum_y G[y] * sum_a F[a] * prod_j delta(i_j, s_j y_j + d_j a_j - lo_j)`` -> a Guarded sum over a."""
    body = derivative.function if isinstance(derivative, sympy.Sum) else derivative
    deltas = {next(iter(kd.args[1].free_symbols & set(y) or kd.args[0].free_symbols & set(y))): kd
              for kd in body.atoms(KroneckerDelta)}
    solutions, divides, ranges, ok = [], [], [], len(deltas) == len(y)
    for ax, yy in zip(axes, y):
        lhs, rhs = deltas[yy].args
        solution = sympy.solve(sympy.Eq(lhs, rhs), yy)[0]
        ok &= sympy.expand((lhs - rhs).subs(yy, solution)) == 0
        numerator, denominator = sympy.fraction(sympy.together(solution))
        ok &= sympy.expand(denominator - ax.s) == 0
        divides.append((ax.s, sympy.expand(numerator)))
        ranges.append((0, sympy.expand(numerator), ax.s * (ax.O - 1)))
        solutions.append(solution)
    factors = tuple(f for f in sympy.Mul.make_args(body) if not isinstance(f, KroneckerDelta))
    return Guarded(a, factors + (G[tuple(solutions)],), tuple(divides), tuple(ranges)), ok


def _evaluate_tap_deltas(axes, derivative: Expr, y, a, b) -> tuple[Guarded, bool]:
    body = derivative.function if isinstance(derivative, sympy.Sum) else derivative
    deltas = list(body.atoms(KroneckerDelta))
    ok = len(deltas) == len(a) and all(set(kd.args) in ({aa, bb} for aa, bb in zip(a, b)) for kd in deltas)
    factors = [f.subs(dict(zip(a, b))) for f in sympy.Mul.make_args(body) if not isinstance(f, KroneckerDelta)]
    return Guarded(y, (G[y],) + tuple(factors)), ok


def _discharge_ranges(axes, form: Guarded, outer) -> tuple[Guarded, bool]:
    """Drop guards that hold for every bound index in [0, k-1] (or [0, O-1]) and outer index in [0, k-1]."""
    ok = True
    for ax, (low, e, high), bound, out in zip(axes, form.ranges, form.bound, outer):
        box = {bound: (0, ax.O - 1), out: (0, ax.k - 1)}
        smallest, largest = _affine_bounds(e, box)
        ok &= smallest is not None and _nonnegative(ax.reduce(smallest - low)) and _nonnegative(ax.reduce(high - largest))
    return replace(form, ranges=()), ok


def _affine_bounds(e: Expr, box: dict) -> tuple[Expr | None, Expr | None]:
    """Min and max of ``e`` over the box when ``e`` is affine with positive coefficients."""
    poly = sympy.Poly(sympy.expand(e), *box)
    if poly.total_degree() > 1 or not all(c.is_positive for m, c in poly.terms() if sum(m) == 1):
        return None, None
    at = lambda side: e.subs({v: bounds[side] for v, bounds in box.items()})  # noqa: E731
    return sympy.expand(at(0)), sympy.expand(at(1))


def _nonnegative(e: Expr) -> bool:
    return e == 0 or bool(e.is_nonnegative)


def _match(axes, derived: Guarded, form: ClosedForm, target, upper) -> list[Step]:
    """Re-index the closed form's summation onto the derived one's (``target`` in [0, upper]),
    then compare canonical forms."""
    mapping, ok = _reindex(derived, form.value, target, upper)
    moved = _substitute(form.value, mapping, target) if ok else form.value
    steps = [_guarded_step("re-index the closed form's sum: " + ", ".join(f"{k} = {v}" for k, v in mapping.items()),
                           moved, "affine map sending [0, k-1] (or [0, O-1]) onto itself, checked at its endpoints",
                           ok)]
    same, where = _same(axes, derived, moved)
    steps.append(_guarded_step("compare with the chain-rule result" + ("" if same else f": {where} differs"),
                               derived, "identical canonical form: every index and guard expands to the same "
                               "polynomial (guards after O's definition)", same))
    return steps


def _reindex(derived: Guarded, closed: Guarded, target, upper) -> tuple[dict, bool]:
    """Solve the first factors' indices for the closed form's bound variables; the map must send
    [0, upper] onto itself (an affine map of integers does when its endpoints do)."""
    mapping, ok = {}, True
    want, have = derived.factors[0].indices, closed.factors[0].indices
    for old, w, h, tgt, top in zip(closed.bound, want, have, target, upper):
        solution = sympy.solve(sympy.Eq(h, w), old)
        if len(solution) != 1:
            return {}, False
        mapping[old] = solution[0]
        ends = {sympy.expand(solution[0].subs(tgt, 0)), sympy.expand(solution[0].subs(tgt, top))}
        ok &= ends == {0, sympy.expand(top)} and sympy.Poly(solution[0], tgt).degree() == 1
    return mapping, ok


def _substitute(form: Guarded, mapping: dict, target) -> Guarded:
    sub = lambda e: sympy.expand(sympy.sympify(e).subs(mapping))  # noqa: E731
    return Guarded(
        tuple(target),
        tuple(f.func(f.base, *[sub(v) for v in f.indices]) for f in form.factors),
        tuple((m, sub(e)) for m, e in form.divides),
        tuple((sub(lo), sub(e), sub(hi)) for lo, e, hi in form.ranges),
    )


def _same(axes, a: Guarded, b: Guarded) -> tuple[bool, str]:
    if len(a.factors) != len(b.factors) or any(f.base != g.base for f, g in zip(a.factors, b.factors)):
        return False, "the factors"
    for f, g in zip(a.factors, b.factors):
        if any(sympy.expand(u - v) != 0 for u, v in zip(f.indices, g.indices)):
            return False, f"the index of {f.base}"
    if len(a.divides) != len(b.divides) or any(
        sympy.expand(m1 - m2) != 0 or sympy.expand(e1 - e2) != 0 for (m1, e1), (m2, e2) in zip(a.divides, b.divides)
    ):
        return False, "a divisibility guard"
    if len(a.ranges) != len(b.ranges):
        return False, "the range guards"
    for ax, r1, r2 in zip(axes, a.ranges, b.ranges):
        if any(ax.reduce(u - v) != 0 for u, v in zip(r1, r2)):
            return False, "a range guard"
    return True, ""


def _lengths_step(axes, form: ClosedForm, expected: tuple[Expr, ...]) -> Step:
    ok = all(ax.reduce(length - want) == 0 for ax, length, want in zip(axes, form.lengths, expected))
    shown = ", ".join(f"{sympy.simplify(ax.reduce(length))}" for ax, length in zip(axes, form.lengths))
    return Step("the closed form has exactly as many elements as the gradient", shown,
                r",\ ".join(sympy.latex(sympy.simplify(ax.reduce(length))) for ax, length in zip(axes, form.lengths)),
                "length expands to the gradient's size after O's definition", ok)


def _step(title: str, e: Expr, method: str, holds: bool) -> Step:
    return Step(title, sympy.sstr(e), sympy.latex(e), method, holds)


def _guarded_step(title: str, g: Guarded, method: str, holds: bool) -> Step:
    return Step(title, g.text(), g.latex(), method, holds)


def instantiate(proof: GeneralProof, sizes: dict[str, tuple[int, ...]], element: tuple[int, ...]) -> Expr:
    """The general result at concrete sizes and one element, as an explicit sum.

    ``sizes`` maps ``n k s d lo hi r O`` to per-axis values; X is 0 outside [0, n).
    """
    values = {getattr(ax, name): sizes[name][j] for j, ax in enumerate(proof.axes) for name in sizes}
    values.update(dict(zip(proof.element, element)))
    form, terms = proof.derived, []
    uppers = [int(sympy.sympify(_upper(proof, j)).subs(values)) for j in range(proof.rank)]
    for point in itertools.product(*(range(u + 1) for u in uppers)):
        at = {**values, **dict(zip(form.bound, point))}
        value = lambda e: int(sympy.sympify(e).subs(at))  # noqa: E731
        if all(value(e) % value(m) == 0 for m, e in form.divides) and all(
            value(lo) <= value(e) <= value(hi) for lo, e, hi in form.ranges
        ):
            factors = [f.func(f.base, *[value(v) for v in f.indices]) for f in form.factors]
            if all(_inside(f, sizes) for f in factors):
                terms.append(sympy.Mul(*factors))
    return sympy.Add(*terms)


def _upper(proof: GeneralProof, axis: int) -> Expr:
    ax = proof.axes[axis]
    return ax.k - 1 if proof.gradient == "dL/dX" else ax.O - 1


def _inside(element, sizes) -> bool:
    """X is 0 outside its bounds (the zero extension); other elements are always inside."""
    return str(element.base) != "X" or all(0 <= int(v) < n for v, n in zip(element.indices, sizes["n"]))


def prove_general(rank: int = 1) -> tuple[GeneralProof, GeneralProof]:
    """Both gradients, for every size of a rank-``rank`` layer (single channel)."""
    return prove_filter(rank), prove_input(rank)


CONDITIONS = (
    "n, k, s, d >= 1 and lo, hi >= 0 are integers per axis, with a non-empty output O >= 1",
    "O and r are defined by s (O - 1) = n + lo + hi - d (k - 1) - 1 - r with 0 <= r < s",
    "X is 0 outside [0, n); the element indices are 0 <= i < n (dL/dX) and 0 <= b < k (dL/dF)",
    "one input and one output channel, one sample (channels, groups and batch are proven per size)",
)


def proof_lines(proofs: tuple[GeneralProof, ...]) -> list[str]:
    """The text ``symconv prove --general`` prints."""
    lines = [f"Proof for all sizes, rank {proofs[0].rank} (every axis alike), under these conditions:"]
    lines += [f"  - {c}" for c in CONDITIONS]
    for proof in proofs:
        lines.append(f"{proof.gradient}:")
        for number, step in enumerate(proof.steps, 1):
            mark = "ok" if step.holds else "FAILS"
            lines += [f"  {number}. {step.title} [{mark}]", f"     {step.result}", f"     check: {step.method}"]
        lines.append(f"  {proof.gradient}: " + ("proven for all sizes" if proof.holds
                                                 else f"NOT proven: step '{proof.failed_step.title}' fails"))
    return lines
