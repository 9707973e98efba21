"""The proof for all sizes: it holds for the code's closed forms in every rank, with channels,
groups, batch and bias; it fails at a named step when one of the code's own formulas is patched;
and the general closed form at concrete sizes is the concrete closed form, element by element."""

from __future__ import annotations

import itertools
import re
import subprocess
from functools import lru_cache

import pytest
import sympy

from conftest import require_tool
import symconv
from symconv.cli import main
from symconv.derivation import recipes
from symconv.derivation import general as g
from symconv.derivation.general import decide, sizes
from symconv.derivation.general.atoms import GuardedSum
from symconv.derivation.general.closed import closed_side, code_tree
from symconv.derivation.general.tensors import Layer
from symconv.layer import axis, channels
from symconv.check.search import values_of


@lru_cache(maxsize=None)
def proofs(rank: int) -> tuple[g.GeneralProof, ...]:
    return g.prove_general(rank)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_the_code_s_closed_forms_are_proven_in_every_rank(rank):
    for proof in proofs(rank):
        assert proof.holds, proof.failed_step
        assert proof.rank == rank and proof.layer.channelled
    assert [p.gradient for p in proofs(rank)] == ["dL/dF", "dL/dX", "dL/db"]


def test_every_step_is_a_definition_or_a_check_that_ran():
    for proof in proofs(1):
        kinds = {s.kind for s in proof.steps}
        assert kinds == {"definition", "check"}
        assert all(s.method for s in proof.steps if s.kind == "check")
    titles = [s.title for s in proofs(1)[1].steps]
    assert titles[0].startswith("forward pass") and "Euclidean division: o' = p_o' Cg_out + j_o'" in titles[2]


def test_ranges_come_from_the_sums_own_limits():
    chain = proofs(1)[1].chain
    assert [(str(b.var), str(b.high)) for b in chain.bounds] == [
        ("p_o'", "g - 1"), ("j_o'", "Cg_out - 1"), ("n'", "N - 1"), ("y'", "O - 1"), ("c'", "Cg_in - 1"),
        ("a'", "K - 1")]


# -- patching the code's own formulas breaks the proof at a named step ---------------------------
PATCHES = {
    "grad_input_padding without + r": (axis, "grad_input_padding", lambda k, d, lo, hi, r: (d * (k - 1) - lo,
                                                                                            d * (k - 1) - hi)),
    "K-1 for d(K-1) in reach": (axis, "reach", lambda k, d: k - 1),
    "grad_filter_padding without - r": (axis, "grad_filter_padding", lambda lo, hi, r: (lo, hi)),
    "dilated_length s*o": (axis, "dilated_length", lambda o, s: s * o),
    "read with stride and dilation swapped": (axis, "read", lambda y, k, s, d, lo: d * y + s * k - lo),
    "rotated without -1": (axis, "rotated", lambda m, k: k - m),
    "channel_read without the group": (channels, "channel_read", lambda o, slot, cg_in, cg_out: slot),
    "input_slot without the group": (channels, "input_slot", lambda c, cg_in: c),
    "group_bounds one group too far": (channels, "group_bounds", lambda p, cg: ((p + 1) * cg, (p + 2) * cg)),
}


@pytest.mark.parametrize("name", PATCHES)
def test_a_patched_formula_makes_prove_general_fail_at_a_named_step(monkeypatch, name):
    module, attribute, wrong = PATCHES[name]
    monkeypatch.setattr(module, attribute, wrong)
    failed = [p for p in g.prove_general(1) if not p.holds]
    assert failed, name
    step = failed[0].failed_step
    assert step.kind == "check" and step.failures and step.title


def test_stride_and_dilation_swapped_in_the_recipe_fail_at_the_guards(monkeypatch):
    def swapped(z):
        widths = tuple(axis.grad_filter_padding(lo, hi, r) for lo, hi, r in zip(z.lo, z.hi, z.r))
        return recipes.Corr(recipes.Pad(recipes.X, widths), recipes.G, stride=z.s, dilation=z.d)

    monkeypatch.setattr(recipes, "grad_filter_form", swapped)
    proof = g.prove_general(1)[0]
    assert proof.failed_step.role == "closed_from_chain"
    assert any("(from the shape of X)" in f for f in proof.failed_step.failures)


def test_cli_prints_the_theorem_the_steps_and_one_covers_line(runner):
    result = runner.invoke(main, ["prove", "--general", "--rank", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Theorem (rank 2, every axis alike)."
    assert [line for line in lines if line.startswith("covers: ")] == [
        "covers: rank 2; sizes n, K; stride s; dilation d; padding lo, hi (any integers: a negative one crops); "
        "remainder r; channels; groups; batch; bias"]
    assert lines[-1].startswith("not covered: ranks other than 2")
    assert result.output.count("proven for all sizes") == 3
    assert "[FAILS]" not in result.output and "[definition]" in result.output


def test_cli_exit_code_1_names_the_failing_step(runner, monkeypatch):
    monkeypatch.setattr(axis, "rotated", lambda m, k: m)
    result = runner.invoke(main, ["prove", "--general"])
    assert result.exit_code == 1
    assert "dL/dX: NOT proven: step 'every guard of the closed form follows from the chain rule's' fails" in result.output
    assert "not shown: " in result.output


# -- the general closed form at concrete sizes is the concrete closed form --------------------------
def instantiate(side: GuardedSum, values: dict) -> sympy.Expr:
    """A guarded sum at concrete sizes and element: every bound point whose guards hold."""
    at = lambda e, point: sympy.sympify(e).xreplace({**values, **point})  # noqa: E731
    total = []
    ranges = [range(int(at(b.low, {})), int(at(b.high, {})) + 1) for b in side.bounds]
    for point in itertools.product(*ranges):
        bound = dict(zip((b.var for b in side.bounds), map(sympy.Integer, point)))
        if all(_holds(a, lambda e: at(e, bound)) for atom in side.atoms for a in atom.parts()):
            total.append(sympy.Mul(*(x.func(x.base, *[at(v, bound) for v in x.indices]) for x in side.factors)))
    return sympy.Add(*total)


def _holds(atom, value) -> bool:
    e = value(atom.expr)
    if atom.kind == "dvd":
        return e % value(atom.modulus) == 0
    return e == 0 if atom.kind == "eq" else e >= 0


GRID = [
    ("5", "2", {}),
    ("6", "3", {"stride": 2}),
    ("9", "3", {"stride": 2, "dilation": 2}),
    ("4", "2", {"stride": 3}),
    ("3", "1", {"padding": 2}),
    ("8", "3", {"stride": 3, "dilation": 2, "padding": "1:2"}),
    ("4x5", "2x3", {"stride": "2x1", "padding": "1:0x0:2"}),
    ("3x4x3", "2x2x1", {"stride": "1x2x1", "padding": "0x1x0"}),
]


@pytest.mark.parametrize("input_, filter_, options", GRID, ids=[f"{a}-{b}-{o}" for a, b, o in GRID])
def test_general_closed_form_at_concrete_sizes_is_the_concrete_closed_form(input_, filter_, options):
    d = symconv.derive(input_, filter_, **options)
    layer = Layer(d.spec.rank)
    values = values_of(d.spec)
    for gradient, closed in (("dL/dX", d.closed_input), ("dL/dF", d.closed_filter)):
        side = closed_side(layer, gradient, code_tree(layer, gradient)).sum
        for index in itertools.product(*(range(n) for n in closed.shape)):
            element = dict(zip(layer.element(gradient), map(sympy.Integer, index)))
            assert sympy.expand(instantiate(side, {**values, **element}) - closed[index]) == 0, (gradient, index)


# -- the decisions themselves ------------------------------------------------------------------------
def test_nonnegative_decides_only_what_holds_for_every_size():
    z = sizes.axes(1)[0]
    assert sizes.nonnegative(z.s - 1 - z.r) and sizes.nonnegative(z.d * (z.k - 1))
    assert not sizes.nonnegative(z.d - z.s)  # wrong when s > d
    assert not sizes.nonnegative(z.r - 1)  # wrong when r = 0
    assert not sizes.nonnegative(z.hi - z.r)  # wrong when r > hi


def test_euclidean_division_splits_only_when_the_remainder_fits():
    c = sizes.CHANNELS
    p, q, j, k = (sizes.integer(v) for v in "pqjk")
    boxes = {j: (0, c.cg_in - 1), k: (0, c.cg_in - 1), p: (0, c.g - 1), q: (0, c.g - 1)}
    assert decide.euclid_split(c.cg_in * (p - q) + j - k, (c.cg_in,), boxes) == (p - q, j - k)
    assert decide.euclid_split(c.cg_in * (p - q) + j + k, (c.cg_in,), boxes) is None


# -- the document section ------------------------------------------------------------------------------
def test_derive_general_adds_the_theorem_and_the_chain_of_equalities(runner, tmp_path):
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2", "--general", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tex = (tmp_path / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.tex").read_text(encoding="utf-8")
    section = tex[tex.index(r"\section{Proof for all sizes}"):tex.index(r"\section{What was proven}")]
    assert r"\paragraph{Theorem.}" in section and "0-based" in section
    assert section.count(r"\emph{(holds)}") >= 15 and r"\textbf{(fails)}" not in section
    assert r"\fit" not in section and r"\resizebox" not in section and r"\le " in section
    assert "Proof for all sizes" not in symconv.render_latex(symconv.derive("3x3", "2x2"))


def test_chinese_section_is_in_chinese():
    tex = symconv.render_latex(symconv.derive("3x3", "2x2"), "zh", general=True)
    section = tex[tex.index(r"\section{对所有尺寸的证明}"):]
    assert "步长" in section and "填充" in section and "空洞" in section and "互相关" in section
    assert "Check:" not in section


@pytest.mark.latex
@pytest.mark.parametrize("lang, engine", [("en", "pdflatex"), ("zh", "xelatex")])
def test_document_with_the_general_proof_compiles_without_overfull_lines(tmp_path, lang, engine):
    require_tool(engine)
    tex = symconv.render_latex(symconv.derive("4x4", "2x2", stride=2), lang, general=True)
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (tmp_path / "doc.log").read_text(errors="replace")[-2000:]
    lines = tex.splitlines()
    title = "对所有尺寸的证明" if lang == "zh" else "Proof for all sizes"
    first = next(n for n, line in enumerate(lines, 1) if line.startswith(r"\section{" + title))
    last = next(n for n, line in enumerate(lines, 1) if n > first and line.startswith(r"\section{"))
    log = (tmp_path / "doc.log").read_text(errors="replace")
    wide = [(float(w), int(at)) for w, at in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\) .*?lines? (\d+)", log)]
    assert not [w for w, at in wide if first <= at < last and w > 1.0], wide


def test_a_forward_sum_that_stops_early_is_read_from_its_limits_and_fails(monkeypatch):
    from symconv.derivation.general import chain

    original = chain.forward

    def short(layer):
        o, out, reads = original(layer)
        return o.xreplace({z.k: z.k - 1 for z in layer.axes}), out, reads  # taps 0 .. K-2

    monkeypatch.setattr(chain, "forward", short)
    failed = [p for p in g.prove_general(1) if not p.holds]
    assert [p.gradient for p in failed] == ["dL/dF", "dL/dX"]


def test_an_element_with_an_extra_index_or_a_missing_tensor_fails_the_tensor_check():
    from symconv.derivation.general.theorem import _same_elements
    from symconv.derivation.symbols import F, G

    layer = Layer(1)
    y, a = layer.spatial("y"), layer.spatial("a")
    right = GuardedSum((), (G[y], F[a]), ())
    assert _same_elements(layer, "dL/dX", right, right).holds
    extra = GuardedSum((), (G[y + (sizes.integer("e"),)], F[a]), ())
    assert _same_elements(layer, "dL/dX", right, extra).failures == ("the closed form reads G[y, e] with 2 indices, not 1",)
    assert not _same_elements(layer, "dL/dX", right, GuardedSum((), (G[y],), ())).holds


def test_a_closed_form_without_lengths_fails_the_length_check():
    from symconv.derivation.general.closed import ClosedSide
    from symconv.derivation.general.theorem import _length_step

    step = _length_step(Layer(1), "dL/dX", ClosedSide(None, GuardedSum((), (), ()), (), ()))
    assert not step.holds and step.failures == ("0 axes, not 1",)
