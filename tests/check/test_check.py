"""symconv check: correct closed forms in several spellings are proven; every classic bug of
conv-gradients.md, and forms wrong only for some parameters, are refuted by a counterexample that
symconv derive confirms; bad syntax is one line and exit 2."""

from __future__ import annotations

import pytest
import sympy

import symconv
from symconv.check import check, parse_form
from symconv.check.search import candidates
from symconv.cli import main
from symconv.errors import CheckError
from symconv.layer import ConvSpec

INPUT = "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), stride=1, dilation=d)"
FILTER = "corr(pad(X, lo, hi-r), G, stride=d, dilation=s)"

PROVEN = [
    ("dL/dX", INPUT),
    ("dL/dX", "corr(pad(dilate(G, s), d*K-d-lo, r-hi+K*d-d), rot180(F), dilation=d)"),  # expanded, reordered
    ("dL/dX", "corr(pad(pad(dilate(G, s), d*(K-1), d*(K-1)), -lo, r-hi), rot180(F), stride=1, dilation=d)"),
    ("dL/dF", FILTER),
    ("dL/dF", "corr(pad(X, lo, -r+hi), G, dilation=s, stride=d)"),
    ("dL/dF", "corr(pad(X, lo, hi-r), dilate(G, s), stride=d, dilation=1)"),  # the kernel dilated instead
    ("dL/dF", "corr(pad(pad(X, lo, hi), 0, -r), G, stride=d, dilation=s)"),  # the crop as its own step
]


@pytest.mark.parametrize("gradient, text", PROVEN, ids=[t for _, t in PROVEN])
def test_correct_forms_in_several_spellings_are_proven(gradient, text):
    verdict = check(gradient, text)
    assert verdict.answer == "proven", verdict.proof.failed_step
    assert verdict.exit_code == 0 and verdict.counterexample is None


def test_a_correct_form_is_proven_in_rank_3():
    assert check("dL/dX", INPUT, rank=3).answer == "proven"


WRONG = {
    # the classic bugs of conv-gradients.md section 6
    "no + r (FlagGems#1576)": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi), rot180(F), stride=1, dilation=d)"),
    "G dilated to s*O": ("dL/dX", "corr(pad(pad(dilate(G, s), 0, s-1), d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), dilation=d)"),
    "K-1 instead of d(K-1) (jax#567)": ("dL/dX", "corr(pad(dilate(G, s), K-1-lo, K-1-hi+r), rot180(F), dilation=d)"),
    "stride and dilation not swapped (candle#2337)": ("dL/dF", "corr(pad(X, lo, hi-r), G, stride=s, dilation=d)"),
    "no rotation": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+r), F, stride=1, dilation=d)"),
    "rotation on the wrong operand": ("dL/dF", "corr(pad(X, lo, hi-r), rot180(G), stride=d, dilation=s)"),
    "lo and hi swapped": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-hi, d*(K-1)-lo+r), rot180(F), dilation=d)"),
    "dL/dF not cropped to hi - r": ("dL/dF", "corr(pad(X, lo, hi), G, stride=d, dilation=s)"),
    "G not dilated": ("dL/dX", "corr(pad(G, d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), dilation=d)"),
    "filter not dilated": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), dilation=1)"),
    # wrong only for some parameters
    "wrong only when r > 0": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+2*r), rot180(F), dilation=d)"),
    "wrong only when lo > 0": ("dL/dF", "corr(pad(X, 2*lo, hi-r-lo), G, stride=d, dilation=s)"),
    "wrong only when s > 1": ("dL/dF", "corr(pad(X, lo, hi-r), G, stride=d, dilation=2*s-1)"),
    "wrong only when d > 1": ("dL/dX", "corr(pad(dilate(G, s), K-1-lo+(d-1)*(K-1)*0, d*(K-1)-hi+r), rot180(F), dilation=d)"),
    "wrong only when hi > 0": ("dL/dX", "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-2*hi+r), rot180(F), dilation=d)"),
    "wrong only when K > 1": ("dL/dF", "corr(pad(X, lo+K-1, hi-r-K+1), G, stride=d, dilation=s)"),
}


@pytest.mark.parametrize("name", WRONG)
def test_every_wrong_form_is_refuted_with_a_confirmed_counterexample(name):
    gradient, text = WRONG[name]
    verdict = check(gradient, text)
    assert verdict.answer == "refuted" and verdict.exit_code == 1, name
    c = verdict.counterexample
    assert c.form_value != c.chain_value
    d = symconv.derive(c.spec)  # a layer derive accepts, and the chain rule really differs there
    expansions = d.expansion_input if gradient == "dL/dX" else d.expansion_filter
    if c.element in expansions and not c.form_value.startswith(("none", "undefined")):
        assert sympy.expand(sympy.sympify(c.form_value, locals=_bases()) - expansions[c.element].expr) != 0


def _bases():
    from symconv.derivation.symbols import F, G, X
    return {"X": X, "F": F, "G": G}


def test_a_counterexample_is_the_smallest_the_search_knows():
    verdict = check("dL/dX", WRONG["no + r (FlagGems#1576)"][1])
    assert verdict.counterexample.options == "--input 1 --filter 1 --stride 2 --dilation 1 --padding 0:1"
    first = next(iter(candidates(1)))
    assert first == ConvSpec.parse("1", "1")


def test_a_form_that_reads_a_third_tensor_is_refuted_at_the_tensor_check():
    text = "corr(corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), dilation=d), pad(X, 0, 0), stride=1)"
    verdict = check("dL/dX", text)
    assert verdict.answer == "refuted" and verdict.proof.failed_step.role == "tensors"


def test_a_form_right_by_a_floor_is_proven():
    # two extra rows of padding that no window reads: the length is K by Euclidean division
    assert check("dL/dF", "corr(pad(X, lo, hi - r + d - 1), G, stride=d, dilation=s)").answer == "proven"


BAD = [
    ("pad(X, lo)", "pad takes 3 arguments (form, before, after), got 2"),
    ("corr(X, G, stride=d dilation=s)", "expected ')', found 'dilation' at column 21"),
    ("corr(X, G, step=2)", "corr has no argument 'step'; it takes stride, dilation"),
    ("__import__('os')", "unexpected character \"'\" at column 12"),
    ("pad(Y, 0, 0)", "expected a tensor (X, F, G) or an operator (pad, dilate, rot180, corr), found 'Y' at column 5"),
    ("dilate(G, q)", "expected an integer, a parameter (s d lo hi r K n O), '(' or '-', found 'q' at column 11"),
    ("", "empty"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_syntax_is_one_line_and_exit_2(runner, text, message):
    with pytest.raises(CheckError):
        parse_form(text, "--grad-input")
    result = runner.invoke(main, ["check", "--grad-input", text])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("Error: --grad-input: ")
    assert message in result.output


def test_cli_answers_and_exit_codes(runner):
    proven = runner.invoke(main, ["check", "--grad-filter", FILTER])
    assert proven.exit_code == 0 and "proven for all sizes" in proven.output
    assert "covers: rank 1; sizes n, K; stride s; dilation d" in proven.output
    refuted = runner.invoke(main, ["check", "--grad-input", WRONG["no rotation"][1]])
    assert refuted.exit_code == 1
    assert "counterexample: --input 1 --filter 2 --stride 1 --dilation 1 --padding 0:1" in refuted.output
    assert "at dL/dX[0]: the form gives F[1]*G[0], the chain rule F[0]*G[0]" in refuted.output
    both = runner.invoke(main, ["check", "--grad-filter", FILTER, "--grad-input", INPUT])
    assert both.exit_code == 2 and "exactly one of" in both.output


def test_cli_undecided_is_exit_3(runner, monkeypatch):
    import symconv.check.verdict as verdict

    monkeypatch.setattr(verdict, "find", lambda gradient, form, rank: None)
    result = runner.invoke(main, ["check", "--grad-filter", "corr(pad(X, lo, hi), G, stride=d, dilation=s)"])
    assert result.exit_code == 3 and "undecided" in result.output and "not decided: " in result.output


def test_help_describes_the_language(runner):
    result = runner.invoke(main, ["check", "--help"])
    for word in ("pad(A, lo, hi)", "dilate(A, s)", "rot180(A)", "corr(A, B, stride=.., dilation=..)",
                 "s d lo hi r K n O", "exit 3"):
        assert word in result.output, word
