"""``symconv chain``: safe parsing, exact forward values and gradients, the text table, the document."""

from __future__ import annotations

import subprocess

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import require_tool
from symconv.errors import ChainError
from symconv.chain import chain_table, evaluate, parse_assignments, parse_expression, to_text
from symconv.io import write_files
from symconv.chain import file_name
from symconv.chain import render_chain_latex
from symconv.cli import main
from symconv.errors import SymconvError

TUTORIAL = ["chain", "(x+y)*z", "--at", "x=-2,y=5,z=-4"]


def run(expression: str, at: str):
    return evaluate(parse_expression(expression), parse_assignments(at))


def gradients(result) -> dict[str, sympy.Expr]:
    return {n.name: n.gradient for n in result.nodes}


# -- the tutorial ------------------------------------------------------------------------------
def test_tutorial_values_and_gradients():
    r = run("(x+y)*z", "x=-2,y=5,z=-4")
    assert [(n.name, n.value, n.gradient) for n in r.nodes] == [
        ("x", -2, -4), ("y", 5, -4), ("z", -4, 3), ("q1", 3, -4), ("f", -12, 1),
    ]
    q1, f = r.node("q1"), r.node("f")
    assert to_text(q1.operation) == "x + y" and q1.children == ("x", "y")
    assert to_text(f.operation) == "q1 * z" and f.children == ("q1", "z")
    assert {g.child: (g.expression, g.value) for g in f.local} == {
        "q1": (sympy.Symbol("z"), -4), "z": (sympy.Symbol("q1"), 3),
    }
    assert [(g.child, g.value) for g in q1.local] == [("x", 1), ("y", 1)]


def test_tutorial_cli_prints_the_table(runner):
    result = runner.invoke(main, TUTORIAL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "f = (x + y) * z  at  x = -2, y = 5, z = -4"
    assert lines[2].split() == ["node", "operation", "value", "df/dnode"]
    assert lines[3].split() == ["x", "input", "-2", "-4"]
    assert lines[6].split() == ["q1", "x", "+", "y", "3", "-4"]
    assert lines[7].split() == ["f", "q1", "*", "z", "-12", "1"]
    assert "  df/dq1 = z = -4" in lines
    assert "  df/dz = q1 = 3" in lines
    assert "  df/dx = df/dq1 * dq1/dx = (-4) * 1 = -4" in lines
    assert "  df/dy = df/dq1 * dq1/dy = (-4) * 1 = -4" in lines
    assert "wrote" not in result.output


def test_table_lines_match_the_library(runner):
    result = runner.invoke(main, TUTORIAL)
    assert result.output.splitlines() == chain_table(run("(x+y)*z", "x=-2,y=5,z=-4"))


def test_variable_used_twice_gets_the_sum():
    assert gradients(run("x*x", "x=3"))["x"] == 6
    assert gradients(run("x*y + x", "x=3,y=2"))["x"] == 3


def test_non_integer_values_show_exact_and_float(runner):
    result = runner.invoke(main, ["chain", "x/y", "--at", "x=1,y=4"])
    assert result.exit_code == 0, result.output
    f_row = result.output.splitlines()[5]
    assert "1/4 ~ 0.25" in f_row


# -- functions against SymPy's derivative of the whole expression ------------------------------
@pytest.mark.parametrize(
    "expression, at",
    [
        ("exp(x) * y", "x=0.5,y=-3"),
        ("log(x*y)", "x=2,y=3.5"),
        ("sin(x) * cos(y) + x", "x=1.25,y=-0.5"),
        ("tanh(x - y) / y", "x=0.3,y=2"),
        ("sqrt(x**2 + y)", "x=-1.5,y=2"),
        ("max(x, y) * x", "x=2,y=-1"),
        ("max(x, y) * x", "x=-2,y=1"),
        ("max(x*y, 0) + exp(-x)", "x=1.5,y=2"),
        ("x ** y", "x=2.5,y=1.5"),
        ("-x**2 + 3*x*y - y/x", "x=-0.75,y=4"),
        ("exp(sin(x)) * log(sqrt(y)) - tanh(x*y*z)", "x=0.1,y=7,z=-2"),
    ],
)
def test_total_gradients_match_sympy_diff(expression, at):
    r = run(expression, at)
    point = {sympy.Symbol(k): v for k, v in r.point}
    whole = _sympy_reference(expression)
    assert sympy.N(r.output.value - whole.subs(point), 30) == pytest.approx(0, abs=1e-25)
    for name, value in r.point:
        reference = sympy.diff(whole, sympy.Symbol(name)).subs(point)
        reference = reference.rewrite(sympy.Piecewise) if reference.has(sympy.Heaviside) else reference
        assert abs(sympy.N(r.node(name).gradient - reference, 30)) < 1e-25, (name, r.node(name).gradient, reference)


def _sympy_reference(expression: str) -> sympy.Expr:
    """The reference, built by SymPy's own parser: test input only, never user text."""
    names = {n: sympy.Symbol(n) for n in "xyz"}
    names.update(max=sympy.Max, exp=sympy.exp, log=sympy.log, sqrt=sympy.sqrt)
    return sympy.sympify(expression, locals=names)


def test_max_tie_goes_to_the_first_argument():
    r = run("max(x, y)", "x=2,y=2")
    assert gradients(r)["x"] == 1 and gradients(r)["y"] == 0
    r = run("max(y, x)", "x=2,y=2")
    assert gradients(r)["y"] == 1 and gradients(r)["x"] == 0
    local = r.output.local[0].expression
    assert isinstance(local, sympy.Piecewise) and not local.has(sympy.Heaviside)


def test_values_are_exact():
    r = run("exp(x) + x/3", "x=0.1")
    assert r.output.value == sympy.exp(sympy.Rational(1, 10)) + sympy.Rational(1, 30)
    assert gradients(r)["x"] == sympy.exp(sympy.Rational(1, 10)) + sympy.Rational(1, 3)


# -- precedence -------------------------------------------------------------------------------
def test_precedence_and_associativity():
    assert to_text(parse_expression("2+3*4**2")) == "2 + 3 * 4 ** 2"
    tree = parse_expression("2+3*4**2")
    assert tree.kind == "+" and tree.args[1].kind == "*" and tree.args[1].args[1].kind == "**"
    assert run("x + 2+3*4**2", "x=0").output.value == 50
    assert run("x*(2+3)*4", "x=1").output.value == 20
    neg = parse_expression("-x**2")
    assert neg.kind == "neg" and neg.args[0].kind == "**"
    r = run("-x**2", "x=3")
    assert r.output.value == -9 and gradients(r)["x"] == -6
    power = parse_expression("x**3**2")
    assert power.kind == "**" and power.args[1].kind == "**"  # right-associative
    r = run("x**3**2", "x=2")
    assert r.output.value == 512 and gradients(r)["x"] == 9 * 2**8
    assert run("x - y - z", "x=10,y=3,z=2").output.value == 5  # left-associative
    assert run("x / y / z", "x=12,y=3,z=2").output.value == 2
    assert run("x ** -y", "x=2,y=1").output.value == sympy.Rational(1, 2)
    assert run("-x*y", "x=2,y=3").output.value == -6


@given(st.text(alphabet="xyz0123456789.+-*/() ", min_size=1, max_size=30))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_printed_text_parses_back_to_the_same_tree(text):
    try:
        tree = parse_expression(text)
    except ChainError:
        return
    assert parse_expression(to_text(tree)) == tree


# -- refusals -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "expression, message",
    [
        ("x.__class__", "unexpected character '.'"),
        ("lambda x: x", "unexpected character ':'"),
        ("x[0]", "unexpected character '['"),
        ("'x'", "unexpected character \"'\""),
        ('"x" + x', "unexpected character '\"'"),
        ("open(x)", "unknown function 'open'"),
        ("eval(x)", "unknown function 'eval'"),
        ("__import__(x)", "unknown function '__import__'"),
        ("", "empty"),
        ("   ", "empty"),
        ("(x + y", "expected ')'"),
        ("x + y)", "expected an operator or the end"),
        ("x +", "expected a number, a name"),
        ("2x", "expected an operator or the end"),
        ("+x", "expected a number, a name"),
        ("exp", "exp is a function"),
        ("exp(x, y)", "exp takes one argument"),
        ("max(x)", "max takes two or more arguments"),
        ("x ^ y", "unexpected character '^'"),
        ("q1 + x", "reserved"),
        ("x; y", "unexpected character ';'"),
        ("x" + "+x" * 200, "more than"),
        ("(" * 100 + "x" + ")" * 100, "nested more than"),
    ],
)
def test_bad_expressions_are_refused(expression, message):
    with pytest.raises(ChainError) as e:
        parse_expression(expression)
    assert e.value.exit_code == 2
    assert message in str(e.value)


def test_code_is_never_run(runner, tmp_path):
    marker = tmp_path / "MARKER"
    out = tmp_path / "out"
    for expression in (
        f"__import__('os').system('touch {marker}')",
        f"exec(\"open('{marker}', 'w')\")",
        "().__class__.__bases__[0].__subclasses__()",
    ):
        result = runner.invoke(main, ["chain", expression, "--at", "x=1", "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: expression: ")
        assert len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert not marker.exists()
    assert not out.exists()


@pytest.mark.parametrize(
    "expression, at, message",
    [
        ("x*y", "x=1", "--at: no value for y"),
        ("x", "x=1,y=2", "--at: y not in the expression"),
        ("x", "x=1,x=2", "--at: x is given twice"),
        ("x", "x=abc", "decimal number"),
        ("x", "x=1e3", "decimal number"),
        ("x", "x=", "decimal number"),
        ("x", "x", "not name=value"),
        ("x", "1x=2", "not name=value"),
        ("x", "x=1,,", "not name=value"),
        ("x", "", "--at: empty"),
        ("x / (y - 2)", "x=1,y=2", "division by zero in x / (y - 2): y - 2 = 0"),
        ("1/x", "x=0", "division by zero"),
        ("log(x)", "x=0", "has no finite real value"),
        ("log(x)", "x=-1", "has no finite real value"),
        ("sqrt(x)", "x=-4", "has no finite real value"),
        ("sqrt(x)", "x=0", "gradient of sqrt(x) is not defined"),
        ("x ** y", "x=-8,y=0.5", "has no finite real value"),
        ("x * 10**10**10", "x=1", "expression: 10 ** 10 ** 10 is too large"),
        ("x ** 1000000", "x=10", "--at: x ** 1000000 is too large"),
        ("x * (1/0)", "x=1", "expression: division by zero"),
        ("2 + 3", "x=1", "no variables"),
    ],
)
def test_bad_points_are_refused_by_the_cli(runner, tmp_path, expression, at, message):
    out = tmp_path / "out"
    result = runner.invoke(main, ["chain", expression, "--at", at, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and message in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_at_is_a_usage_error(runner):
    result = runner.invoke(main, ["chain", "x"])
    assert result.exit_code == 2
    assert "--at" in result.output


def test_errors_are_symconv_errors():
    assert issubclass(ChainError, SymconvError)
    with pytest.raises(ChainError):
        evaluate(parse_expression("x"), {"x": "nope"})


# -- fuzz: anything typed either parses or is refused with ChainError ------------------------
ALPHABET = "xyzepabs_0123456789.+-*/()[]'\",: "


@given(st.text(alphabet=ALPHABET, max_size=40))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_parse_or_chain_error(text):
    try:
        tree = parse_expression(text)
    except ChainError:
        return
    values = {name: sympy.Rational(i + 2, 3) * (-1) ** i for i, name in enumerate(tree.variables())}
    try:
        result = evaluate(tree, values)
    except ChainError:
        return
    assert chain_table(result)


@given(st.lists(st.sampled_from(["x", "y", "2", "0.5", "+", "-", "*", "/", "**", "(", ")", ",",
                                 "exp(", "log(", "sin(", "cos(", "tanh(", "sqrt(", "max("]), max_size=14))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzz_tokens_parse_evaluate_or_chain_error(tokens):
    try:
        result = run("".join(tokens), "x=0.5,y=-2") if {"x", "y"} <= set(tokens) else None
    except ChainError:
        return
    if result is not None:
        assert chain_table(result) and render_chain_latex(result)


# -- the LaTeX document -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdflatex() -> str:
    return require_tool("pdflatex")


def test_out_writes_one_document(runner, tmp_path):
    out = tmp_path / "deep" / "out"
    result = runner.invoke(main, [*TUTORIAL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["chain_x_plus_y_times_z.tex"]
    assert result.output.splitlines()[-1] == f"wrote: {out / 'chain_x_plus_y_times_z.tex'}"
    tex = (out / "chain_x_plus_y_times_z.tex").read_text(encoding="utf-8")
    assert r"f = \left(x + y\right) \cdot z" in tex
    assert r"\begin{tikzpicture}" in tex and r"\draw[chain edge] (n-q1) -- (n-f);" in tex
    assert r"\frac{\partial f}{\partial q_{1}} = z = -4" in tex
    # every use written as (gradient of the user) times (local gradient): no degenerate "(-4) = -4" step
    assert (r"\frac{\partial f}{\partial q_{1}} = \frac{\partial f}{\partial f}\frac{\partial f}{\partial q_{1}}"
            r" = 1 \cdot \left(-4\right) = -4$") in tex  # no degenerate step
    assert "\\resizebox" not in tex and "\\scalebox" not in tex


def test_document_is_deterministic():
    assert render_chain_latex(run("x*y + y", "x=1,y=2")) == render_chain_latex(run("x*y + y", "x=1,y=2"))


@pytest.mark.latex
@pytest.mark.parametrize(
    "expression, at",
    [
        ("(x+y)*z", "x=-2,y=5,z=-4"),
        ("max(x, 0)*exp(-x) + log(y)/sqrt(y*x**2) - tanh(sin(x)*cos(y)) + x*x", "x=1.5,y=2"),
        ("x_1 * a_b_c + _t ** 2 / alpha", "x_1=0.25,a_b_c=-3,_t=2,alpha=7"),
        ("exp(sin(cos(tanh(log(sqrt(x*x + 1) + 2) * y) + x) * y) - x) * exp(x*y) + y*y*y*x*x", "x=0.5,y=1.25"),
    ],
    ids=["tutorial", "functions", "names", "deep-and-wide"],
)
def test_document_compiles(pdflatex, tmp_path, expression, at):
    result = run(expression, at)
    path = tmp_path / file_name(result.expression)
    write_files({path: render_chain_latex(result)})
    run_ = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    log = path.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert run_.returncode == 0, log[-3000:]
    assert path.with_suffix(".pdf").stat().st_size > 1000
    assert "Overfull" not in log
