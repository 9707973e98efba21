"""The bad inputs and interruptions that used to get through (issue 17): each gets one line, the
documented exit code, no traceback, nothing written, and an answer within seconds."""

from __future__ import annotations

import time

import pytest

from symconv.cli import main

D = ["derive", "--input", "3x3", "--filter", "2x2"]
HUGE = "9" * 5000  # more digits than Python converts to an int
TOO_BIG = str(2**63)  # a number a kernel cannot index
AXES = "x".join(["3"] * 5001)

CASES = [
    (["derive", "--input", HUGE, "--filter", "2"], "--input: '9999"),
    (["derive", "--input", "3", "--filter", HUGE], "--filter: '9999"),
    (D + ["--batch", HUGE], "--batch: '9999"),
    (D + ["--padding", HUGE], "--padding: '9999"),
    (D + ["--stride", "99999999999999999999"], "--stride: '99999999999999999999' holds a number above"),
    (D + ["--stride", TOO_BIG], "--stride: "),
    (D + ["--dilation", TOO_BIG], "--dilation: "),
    (D + ["--in-channels", TOO_BIG], "--in-channels: "),
    (["derive", "--input", AXES, "--filter", "2"], "--input: 3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x... (5001 axes) has 5001 axes"),
    (D + ["--dilation", "3"], "--dilation: 3 spreads the filter 2x2 to reach 4 on axis 1"),
    (D + ["--in-channels", "2", "--groups", "2"], "--groups: 2 groups do not divide --out-channels 1 (not given: it defaults to 1)"),
    (D + ["--quiet", "--progress"], "--quiet: --quiet and --progress contradict each other"),
    (D + ["--bias", "--no-bias"], "--bias: --bias and --no-bias contradict each other"),
    (["prove", "--input", "3x3"], "--filter: give --input and --filter"),
    (["chain", "--at", "x=1" + "0" * 5000, "--", "x"], "--at: x='1000"),
    (["chain", "--at", "x=2,y=1000000000", "--", "sqrt(x)**y"], "--at: sqrt(x) ** y is too large to compute exactly"),
    (["chain", "--at", "x=10", "--", "exp(exp(exp(x)))"], "--at: exp(exp(x)) at x = 10 is too large to show"),
    (["chain", "--at", "x=1", "--", "2**2**2**2**30"], "expression: has no variables, so there is nothing to "
                                                       "differentiate (and its value is too large to show)"),
    (["chain", "--at", "é=1", "--", "x"], "--at: 'é=1' is not name=value (a name is ASCII letters, digits and _"),
    (["chain", "--at", "x=1", "--", "α+β"], "expression: unexpected character 'α' at column 1; allowed: names (ASCII"),
    (["chain", "--at", "x=1", "--", "1" * 200 + "*x"], "expression: a number of at most 100 characters"),
]


@pytest.mark.parametrize("args, start", CASES, ids=[" ".join(a)[:50] for a, _ in CASES])
def test_hostile_input_gets_one_line_within_seconds(runner, tmp_path, monkeypatch, args, start):
    monkeypatch.chdir(tmp_path)
    began = time.monotonic()
    result = runner.invoke(main, args)
    assert time.monotonic() - began < 10
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: " + start), result.output
    assert result.output.count("\n") == 1 and len(result.output) < 300, result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


# -- the API refuses what it cannot use, with symconv's errors -------------------------------------
import symconv  # noqa: E402


@pytest.fixture(scope="module")
def small():
    return symconv.derive("3", "2")


API = [
    (lambda d: symconv.render_latex(None), "render_latex: needs a Derivation"),
    (lambda d: symconv.render_numpy("3x3"), "render_numpy: needs a Derivation"),
    (lambda d: symconv.write_entry(None), "write_entry: needs a Derivation"),
    (lambda d: symconv.load_kernel(None), "load_kernel: needs a Derivation or the path"),
    (lambda d: symconv.render_latex(d, full="yes"), "full: 'yes' is not allowed"),
    (lambda d: symconv.render_latex(d, "fr"), "--lang: 'fr' is not a language"),
    (lambda d: symconv.write_entry(d, 5), "--out: 5 is not a folder path"),
    (lambda d: symconv.derive("3x3", "2x2", bias="no"), "--bias: 'no' is not allowed"),
    (lambda d: symconv.derive(d.spec, "5x5", stride=3), "derive: a ConvSpec holds the whole layer"),
    (lambda d: symconv.derive("3x3", "2x2", colour=1), "colour: not a layer option"),
    (lambda d: symconv.derive("3x3", "2x2", progress=None), "progress: NoneType is not a symconv.progress"),
    (lambda d: symconv.derive("3x3", "2x2", full="yes"), "--full: 'yes' is not allowed"),
    (lambda d: symconv.derive("3x3", "2x2", max_memory="5"), "--max-memory: '5' is not a memory size"),
    (lambda d: symconv.derive("3x3", "2x2", max_memory=-1), "--max-memory: -1 is not a memory size"),
]


@pytest.mark.parametrize("call, start", API, ids=[s.split(":")[0] + str(i) for i, (_, s) in enumerate(API)])
def test_api_arguments_of_the_wrong_kind_raise_symconv_errors(small, call, start):
    with pytest.raises(symconv.SymconvError) as info:
        call(small)
    assert str(info.value).startswith(start)
