"""The proof for all sizes: it holds for the right closed forms, fails at a named step for the
known wrong ones, and agrees with the concrete derivation at concrete sizes."""

from __future__ import annotations

from functools import lru_cache, partial

import pytest
import sympy

from conftest import require_tool
import symconv
import symconv.cli
from symconv.derivation import general as g
from symconv.cli import main


@lru_cache(maxsize=None)
def proofs(rank: int) -> tuple[g.GeneralProof, g.GeneralProof]:
    return g.prove_general(rank)


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_general_proof_holds_in_every_rank(rank):
    for proof in proofs(rank):
        assert proof.holds, proof.failed_step
        assert proof.rank == rank and len(proof.steps) == (8 if proof.gradient == "dL/dF" else 7)


def test_the_proof_differentiates_with_sympy_and_evaluates_the_deltas():
    filter_proof, input_proof = proofs(1)
    assert "KroneckerDelta(i, a*d - lo + s*y)" in input_proof.steps[1].result
    assert input_proof.derived.text() == (
        "sum over a of [s | -a*d + i + lo] * [0 <= -a*d + i + lo <= s*(O - 1)] * F[a] * G[(-a*d + i + lo)/s]"
    )
    assert filter_proof.derived.text() == "sum over y of G[y] * X[b*d - lo + s*y]"


WRONG = {
    "no rotation": (g.prove_input, partial(g.closed_input, rotate=False), "compare", "the index of G"),
    "K-1 instead of d(K-1)": (g.prove_input, partial(g.closed_input, padding=lambda k, d, lo, hi, r: (
        k - 1 - lo, k - 1 - hi + r)), "compare", "the index of G"),
    "G dilated to s*O": (g.prove_input, partial(g.closed_input, dilated_length=lambda o, s: s * o), "compare",
                         "a range guard"),
    "stride and dilation not swapped": (g.prove_filter, partial(g.closed_filter, swap=False), "the padding guard",
                                        ""),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_closed_forms_fail_at_a_named_step(name):
    prove, closed, step, detail = WRONG[name]
    proof = prove(1, closed)
    assert not proof.holds
    assert proof.failed_step.title.startswith(step) and detail in proof.failed_step.title


def test_dilating_to_s_times_o_also_breaks_the_length():
    proof = g.prove_input(1, partial(g.closed_input, dilated_length=lambda o, s: s * o))
    assert not proof.steps[-1].holds and proof.steps[-1].result == "n + s - 1"


def test_unswapped_filter_gradient_would_also_read_the_wrong_input():
    proof = g.prove_filter(1, partial(g.closed_filter, swap=False))
    compare = next(s for s in proof.steps if s.title.startswith("compare"))
    assert not compare.holds and "the index of X" in compare.title


GRID = [
    ("5", "2", {}),
    ("6", "3", {"stride": 2}),
    ("9", "3", {"stride": 2, "dilation": 2}),
    ("4", "2", {"stride": 3}),
    ("3", "1", {"padding": 2}),
    ("7", "4", {"padding": "same"}),
    ("8", "3", {"stride": 3, "dilation": 2, "padding": "1:2"}),
    ("4x5", "2x3", {"stride": "2x1", "padding": "1:0x0:2"}),
    ("7x6", "3x2", {"stride": "2x1", "dilation": "1x2", "padding": "1:0x0:2"}),
    ("3x4x3", "2x2x1", {"stride": "1x2x1", "padding": "0x1x0"}),
]


@pytest.mark.parametrize("input_, filter_, options", GRID, ids=[f"{a}-{b}-{o}" for a, b, o in GRID])
def test_general_result_at_concrete_sizes_is_the_concrete_derivation(input_, filter_, options):
    d = symconv.derive(input_, filter_, **options)
    spec = d.spec
    sizes = dict(n=spec.input, k=spec.filter, s=spec.stride, d=spec.dilation, lo=tuple(p[0] for p in spec.padding),
                 hi=tuple(p[1] for p in spec.padding), r=spec.remainder, O=spec.output)
    filter_proof, input_proof = proofs(spec.rank)
    for i, e in d.expansion_input.items():
        assert sympy.expand(g.instantiate(input_proof, sizes, i) - e.expr) == 0, i
    for b, e in d.expansion_filter.items():
        assert sympy.expand(g.instantiate(filter_proof, sizes, b) - e.expr) == 0, b


def test_cli_prints_the_steps_and_the_conditions(runner):
    result = runner.invoke(main, ["prove", "--general", "--rank", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("proven for all sizes") == 2
    assert "s (O - 1) = n + lo + hi - d (k - 1) - 1 - r" in result.output
    assert "re-index the closed form's sum: m1 = -a1 + k1 - 1, m2 = -a2 + k2 - 1 [ok]" in result.output


def test_cli_names_the_failing_step(runner, monkeypatch):
    wrong = lambda rank: (g.prove_filter(rank), g.prove_input(rank, partial(g.closed_input, rotate=False)))  # noqa: E731
    monkeypatch.setattr(symconv.cli, "prove_general", wrong)
    result = runner.invoke(main, ["prove", "--general"])
    assert result.exit_code == 1
    assert "dL/dX: NOT proven: step 'compare with the chain-rule result: the index of G differs' fails" in result.output


def test_cli_proves_one_concrete_layer_without_writing(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["prove", "--input", "5x5", "--filter", "3x3"])
    assert result.exit_code == 0
    assert "dL/dF 9 of 9, dL/dX 25 of 25 identities" in result.output
    assert list(tmp_path.iterdir()) == []


def test_derive_general_adds_the_proof_section(runner, tmp_path):
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2", "--general", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    tex = (tmp_path / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.tex").read_text(encoding="utf-8")
    assert r"\section{Proof for all sizes}" in tex
    assert "s (O - 1) = n + lo + hi - d (k - 1) - 1 - r" in tex
    assert tex.count(r"\emph{Checked by:}") == 15  # 8 steps for dL/dF, 7 for dL/dX
    plain = symconv.render_latex(symconv.derive("3x3", "2x2"))
    assert "Proof for all sizes" not in plain


@pytest.mark.latex
@pytest.mark.parametrize("lang, engine", [("en", "pdflatex"), ("zh", "xelatex")])
def test_document_with_the_general_proof_compiles(tmp_path, lang, engine):
    import subprocess

    require_tool(engine)
    tex = symconv.render_latex(symconv.derive("4x4", "2x2", stride=2), lang, general=True)
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (tmp_path / "doc.log").read_text(errors="replace")[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log or all(
        float(w) < 1.0 for w in __import__("re").findall(r"Overfull \\hbox \(([0-9.]+)pt", log))
