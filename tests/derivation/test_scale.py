"""Derivation at scale: the fast constructions equal SymPy's own, the size guard, progress,
and long documents (elided or --full) that still compile."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import time

import pytest
import sympy

from conftest import require_tool
import symconv
from symconv.render import printing
from symconv.render.document import listings
from symconv.cli import main
from symconv.derivation import budget
from symconv.derivation.pipeline import proven_on
from symconv.derivation.gradients import local_gradients_reference
from symconv.derivation.symbols import B, F, G, X, element, product, total
from symconv.progress import StderrBar
from symconv.derivation.polynomials import identity_holds

SMALL = [
    ("3x3", "2x2", {}),
    ("7", "3", {"padding": 2, "stride": 2}),
    ("5x6", "3x2", {"padding": "same"}),
    ("4x5x6", "2x2x3", {}),
    ("7x7", "3x3", {"stride": 2, "padding": 1, "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True}),
    ("6", "2", {"batch": 2, "in_channels": 2, "out_channels": 3}),
    ("9", "2", {"stride": 3, "dilation": 2, "padding": 4}),
]


@pytest.mark.parametrize("inp, filt, kw", SMALL, ids=[f"{i}/{f}{kw}" for i, f, kw in SMALL])
def test_every_local_gradient_is_what_sympy_diff_gives(inp, filt, kw):
    d = symconv.derive(inp, filt, **kw)
    for window in d.model.windows:
        y = window.output
        reference = local_gradients_reference(window.expr)
        assert list(d.local_filter[y] + d.local_input[y] + d.local_bias.get(y, ())) == reference
        for w, dw in reference:
            assert sympy.diff(window.expr, w) == dw


@pytest.mark.parametrize("inp, filt, kw", SMALL, ids=[f"{i}/{f}{kw}" for i, f, kw in SMALL])
def test_fast_sums_and_products_equal_sympy_construction(inp, filt, kw):
    d = symconv.derive(inp, filt, **kw)
    for window in d.model.windows:
        naive = sympy.Add(*((B[window.bias],) if window.bias is not None else ()),
                          *(X[i] * F[k] for k, i in zip(window.taps, window.positions)))
        assert window.expr == naive and hash(window.expr) == hash(naive)
        assert window.expr.args == naive.args
    for expansions in (d.expansion_filter, d.expansion_input, d.expansion_bias):
        for e in expansions.values():
            naive = sympy.Add(*(G[t.output] * t.local for t in e.terms))
            assert e.expr == naive and e.expr.args == naive.args
    for closed in (d.closed_filter, d.closed_input):
        for value in closed.flat:
            rebuilt = sympy.Add(*(sympy.Mul(*t.args) if t.is_Mul else t for t in sympy.Add.make_args(value)))
            assert value == rebuilt and value.args == rebuilt.args


def test_fast_path_matches_sympy_diff_on_sampled_elements_of_a_large_layer():
    d = symconv.derive("32x32", "5x5")
    rng = random.Random(5)
    for window in rng.sample(d.model.windows, 20):
        o = window.expr
        pairs = d.local_filter[window.output] + d.local_input[window.output]
        for w, dw in rng.sample(pairs, 5):
            assert sympy.diff(o, w) == dw
    for i in rng.sample(list(d.expansion_input), 10):
        assert sympy.expand(d.expansion_input[i].expr - d.closed_input[i]) == 0
    assert sympy.expand(d.expansion_filter[(2, 3)].expr - d.closed_filter[2, 3]) == 0


def test_product_and_total_fall_back_to_sympy_for_anything_else():
    a = element(X, (0,))
    assert product(a, a) == a**2
    assert product(a, 2) == 2 * a
    assert total([product(a, F[0]), product(a, F[0])]) == 2 * a * F[0]
    assert total([a, product(a, F[1])]) == a + a * F[1]
    assert total([]) == 0


@pytest.mark.parametrize(
    "derived, closed, expected",
    [
        (X[0] * F[0] + X[0] * F[0], 2 * X[0] * F[0], True),
        (X[0] * X[0], X[0] ** 2, True),
        (G[0] * (X[0] + X[1]) - G[0] * X[1], X[0] * G[0], True),
        (X[0] * F[0] - X[0] * F[0], sympy.S.Zero, True),
        (X[0] * F[0], X[0] * F[1], False),
        (X[0] * X[1], X[0] ** 2, False),
    ],
)
def test_identity_agrees_with_expand(derived, closed, expected):
    assert identity_holds(derived, closed) is expected
    assert (sympy.expand(derived - closed) == 0) is expected


# -- the memory guard ---------------------------------------------------------------------
FLOOR_LAYERS = [
    ("224x224", "7x7", dict(stride=2, padding=3, in_channels=3, out_channels=64, bias=True)),  # ResNet-50 stem
    ("224x224", "3x3", dict(padding=1, in_channels=3, out_channels=64, bias=True)),  # VGG-16 conv1_1
    ("56x56", "3x3", dict(padding=1, in_channels=64, out_channels=64)),  # a ResNet 3x3 block
    ("16x56x56", "3x3x3", dict(padding=1, in_channels=3, out_channels=64)),  # C3D conv1
    ("128x128", "5x5", {}),
    ("256x256", "3x3", {}),
]


@pytest.mark.parametrize("inp, filt, kw", FLOOR_LAYERS, ids=[f"{i}/{f}" for i, f, _ in FLOOR_LAYERS])
def test_the_default_limit_admits_every_floor_layer(inp, filt, kw):
    layer = symconv.ConvSpec.parse(inp, filt, **kw)
    spec, scope = proven_on(layer, budget.parse_bytes(budget.DEFAULT_MAX_MEMORY))  # estimates only: nothing derived
    assert budget.estimate(spec).total <= budget.parse_bytes(budget.DEFAULT_MAX_MEMORY)
    if layer.channelled:  # 64 output channels are far above the limit: their representative is proven
        assert spec == layer.representative() != layer and scope.startswith("the full layer would need")
    else:
        assert spec == layer and scope == ""


# (arguments, option named, what the line says makes the layer large): refused before any work
REFUSED = [
    (["--input", "3x3", "--filter", "2x2", "--padding", "200000000"], "--padding",
     "200000000 makes the output 400000002x400000002"),
    (["--input", "100x100", "--filter", "50x50", "--padding", "49"], "--padding", "49 makes the output 149x149"),
    (["--input", "1024x1024", "--filter", "5x5"], "--input", "1024x1024 makes the output 1020x1020"),
    (["--input", "100000", "--filter", "60000"], "--filter", "60000 gives 2400060000 product terms (40001 outputs times 60000 taps)"),
    (["--input", "128x128x128", "--filter", "5x5x5", "--in-channels", "8", "--out-channels", "8"], "--input",
     "128x128x128 makes the output 124x124x124"),
    (["--input", "64x64", "--filter", "5x5", "--full", "--max-memory", "64M"], "--full", "would have the document print"),
]


@pytest.mark.parametrize("args, option, why", REFUSED, ids=[" ".join(a[:4]) + (" ..." if len(a) > 4 else "") for a, _, _ in REFUSED])
def test_a_layer_too_large_is_refused_in_one_line_naming_the_option(runner, tmp_path, args, option, why):
    start = time.perf_counter()
    result = runner.invoke(main, ["derive", *args, "--out", str(tmp_path / "o")])
    assert time.perf_counter() - start < 5  # before any work
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"Error: {option}: {why}")
    assert "needs an estimated" in result.output and "above the limit of" in result.output
    assert not (tmp_path / "o").exists()


# inputs that used to pass the term guard and then run for minutes or without end: now answered
ANSWERED = [
    ["--input", "1000000", "--filter", "1", "--stride", "1000000"],
    ["--input", "3000x3000", "--filter", "1x1", "--stride", "3000"],
    ["--input", "1x1000000", "--filter", "1x1"],
    ["--input", "300000", "--filter", "2", "--dilation", "299999"],
    ["--input", "2000", "--filter", "1000", "--padding", "999"],  # a thousand window shapes
]


@pytest.mark.parametrize("args", ANSWERED, ids=[" ".join(a) for a in ANSWERED])
def test_layers_that_used_to_run_away_are_answered_within_seconds(tmp_path, args):
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "symconv", "derive", *args, "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert time.perf_counter() - start < 20
    proven = run.stdout.splitlines()[2]
    parts = re.findall(r"dL/d[FX] (\d+) of (\d+)", proven)
    assert len(parts) == 2 and all(a == b for a, b in parts), proven
    assert len(list(tmp_path.glob("*/*"))) == 3


def test_the_limit_can_be_lowered_and_lifted(runner, tmp_path):
    result = runner.invoke(main, ["derive", "--input", "64x64", "--filter", "5x5", "--max-memory", "10M",
                                  "--out", str(tmp_path)])
    assert result.exit_code == 2 and "above the limit of 10.0 MiB; raise it with --max-memory" in result.output
    with pytest.raises(symconv.SpecError, match="max_memory="):
        symconv.derive("64x64", "5x5", max_memory=10 * 2**20)
    assert symconv.derive("8x8", "3x3", max_memory=None).proof.holds
    assert symconv.derive("8x8", "3x3", max_memory="1.5G").proof.holds


@pytest.mark.parametrize("value", ["12", "abc", "0G", "-1G", "1.5X", ""])
def test_a_bad_memory_size_is_refused_in_one_line(runner, tmp_path, value):
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2", "--max-memory", value,
                                  "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --max-memory: ") and result.output.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_the_estimate_is_above_the_memory_a_derivation_takes(tmp_path):
    """Peak memory of whole runs (ru_maxrss of the child) above a tiny layer's, against the estimate."""
    def peak(*args: str) -> int:
        child = subprocess.Popen([sys.executable, "-m", "symconv", "derive", *args, "--out", str(tmp_path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        assert status == 0
        return usage.ru_maxrss * 1024

    base = peak("--input", "3x3", "--filter", "2x2")
    for args, kw in ((("--input", "200000", "--filter", "9", "--stride", "4", "--padding", "4"),
                      dict(stride=4, padding=4)),
                     (("--input", "96x96", "--filter", "5x5", "--in-channels", "2", "--out-channels", "2", "--bias"),
                      dict(in_channels=2, out_channels=2, bias=True))):
        spec = symconv.ConvSpec.parse(args[1], args[3], **kw)
        assert peak(*args) - base <= budget.estimate(spec).total


def test_readme_size_guard_example_is_what_the_cli_prints(runner, tmp_path, monkeypatch):
    from test_readme import code_blocks

    monkeypatch.chdir(tmp_path)
    shown = [b for b in code_blocks("text") if b.startswith("$ symconv derive --input 1024x1024")][0]
    command, expected = shown.split("\n", 1)
    assert runner.invoke(main, command.split()[2:]).output == expected


# -- progress -----------------------------------------------------------------------------
def test_no_progress_on_stderr_by_default(tmp_path):
    from click.testing import CliRunner

    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    result = runner.invoke(main, ["derive", "--input", "8x8", "--filter", "3x3", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stderr == ""


def test_progress_bar_when_forced(tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setattr(symconv.progress, "DELAY", 0.0)
    monkeypatch.setattr(StderrBar.__init__, "__defaults__", (0.0, StderrBar.__init__.__defaults__[1]))
    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    args = ["derive", "--input", "8x8", "--filter", "3x3", "--out", str(tmp_path)]
    shown = runner.invoke(main, args + ["--progress"])
    assert shown.exit_code == 0
    assert "differentiate" in shown.stderr and "prove dL/dX" in shown.stderr and "36/36" in shown.stderr
    assert "layer:" in shown.stdout and "symconv  [" not in shown.stdout
    quiet = runner.invoke(main, args + ["--quiet"])
    assert quiet.stderr == ""


def test_progress_bar_is_silent_for_short_work_and_on_time_for_long():
    now = [0.0]
    stream = io.StringIO()
    bar = StderrBar(stream, delay=1.0, clock=lambda: now[0])
    bar.stage("differentiate", 100)
    bar.advance(50)
    assert stream.getvalue() == ""  # under a second: nothing
    now[0] = 1.5
    bar.advance(25)
    assert "75/100  differentiate" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r")


# -- long documents -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def large():
    return symconv.derive("24x24", "3x3")  # 484 outputs, 576 input elements: above the listing limit


def test_elided_document_shows_the_ends_and_says_everything_was_proven(large):
    tex = symconv.render_latex(large)
    assert "(576 elements, all proven)" in tex and "(484 outputs)" in tex
    assert r"\frac{\partial L}{\partial X_{24,24}}" in tex and r"\frac{\partial L}{\partial X_{11,1}}" not in tex
    assert "every element was proven" in tex and "576 of 576 identities proven exactly" in tex
    assert r"\underbrace{\cdots}_{476}" in tex  # dL/dF_11 has 484 terms: 6 + 2 shown
    assert r"\cdots" in tex and r"\ddots" in tex  # the 24x24 matrices
    assert max(_rows_per_block(tex)) <= listings.BLOCK_ROWS


def test_elided_chinese_document_says_so_too(large):
    tex = symconv.render_latex(large, "zh")
    assert "(576 个元素，全部已证明)" in tex and "每一个元素都同样证明过了" in tex


def test_full_document_lists_everything_in_blocks_of_at_most_50_rows(large):
    tex = symconv.render_latex(large, full=True)
    assert "all proven)" not in tex and r"\underbrace{\cdots}" not in tex
    assert r"\frac{\partial L}{\partial X_{11,1}}" in tex
    assert max(_rows_per_block(tex)) <= listings.BLOCK_ROWS
    assert tex.count(r"\begin{align*}") > 20


def test_cli_full_flag_writes_the_full_listing(runner, tmp_path):
    args = ["derive", "--input", "24x24", "--filter", "3x3", "--out", str(tmp_path)]
    assert runner.invoke(main, args).exit_code == 0
    short = (tmp_path / "conv2d_i24x24_f3x3" / "conv2d_i24x24_f3x3.tex").read_text(encoding="utf-8")
    assert runner.invoke(main, args + ["--full"]).exit_code == 0
    full = (tmp_path / "conv2d_i24x24_f3x3" / "conv2d_i24x24_f3x3.tex").read_text(encoding="utf-8")
    assert "all proven)" in short and "all proven)" not in full and len(full) > 5 * len(short)


def _rows_per_block(tex: str) -> list[int]:
    blocks = tex.split(r"\begin{align*}")[1:] + tex.split(r"\begin{gather*}")[1:]
    return [block.split(r"\end{")[0].count(r"\\") + 1 for block in blocks]


@pytest.mark.latex
@pytest.mark.parametrize("full", [False, True], ids=["elided", "full"])
def test_large_documents_compile(large, tmp_path, full):
    engine = require_tool("pdflatex")
    tex = symconv.render_latex(large, full=full)
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (tmp_path / "doc.log").read_text(errors="replace")[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


@pytest.mark.latex
def test_a_representative_channel_layers_elided_document_compiles(tmp_path):
    """A channel layer proven on its representative: rows with sample and channel superscripts,
    local-gradient tables of 18 taps, elided listings of 1800 elements."""
    engine = require_tool("pdflatex")
    d = symconv.derive("30x30", "3x3", in_channels=16, out_channels=32, bias=True, max_memory="64M")
    assert d.representative and d.proof.input.total == 1800
    tex = symconv.render_latex(d)
    assert "(1800 elements, all proven)" in tex and max(_rows_per_block(tex)) <= listings.BLOCK_ROWS
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, (tmp_path / "doc.log").read_text(errors="replace")[-3000:]


@pytest.mark.latex
def test_the_document_of_a_layer_a_million_wide_compiles(tmp_path):
    """Elided matrices show at most 16 columns, so amsmath is not asked for a million (TeX would
    build that preamble for minutes); --full asks for the true width."""
    engine = require_tool("pdflatex")
    d = symconv.derive("1000000", "1", stride=1000000)
    tex = symconv.render_latex(d)
    assert r"\setcounter{MaxMatrixCols}{64}" in tex
    assert r"\setcounter{MaxMatrixCols}{12}" in symconv.render_latex(symconv.derive("10", "3"), full=True)
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (tmp_path / "doc.log").read_text(errors="replace")[-3000:]


def test_element_latex_is_cached_and_matches_the_printer():
    assert printing.latex(X[9, 3]) == "X_{10,4}" == printing.latex(element(X, (9, 3)))
