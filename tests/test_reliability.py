"""What a trusted tool must do: clear answers to bad input, atomic output, determinism,
nothing typed becoming code, kernels that defend themselves, a safe cache, and packaging."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
import symconv.io.emit
import symconv.api
from conftest import ROOT
from symconv.cli import main
from symconv.layer import ConvSpec
from symconv.layer.parse import parse_padding, parse_per_axis, parse_size

D = ["derive", "--input", "3x3", "--filter", "2x2"]
C = ["chain"]

# (arguments, exit code, start of the message after "Error: ")
BAD_CLI = [
    (["derive", "--input", "3x", "--filter", "2x2"], 2, "--input: "),
    (["derive", "--input", "x3", "--filter", "2x2"], 2, "--input: "),
    (["derive", "--input", "", "--filter", "2x2"], 2, "--input: "),
    (["derive", "--input", "0", "--filter", "1"], 2, "--input: "),
    (["derive", "--input", "-3", "--filter", "1"], 2, "--input: "),
    (["derive", "--input", "3.5", "--filter", "1"], 2, "--input: "),
    (["derive", "--input", "abc", "--filter", "1"], 2, "--input: "),
    (["derive", "--input", "3x3x3x3", "--filter", "1x1x1x1"], 2, "--input: "),
    (["derive", "--input", "3x3", "--filter", "2"], 2, "--filter: "),
    (["derive", "--input", "3x3", "--filter", "4x4"], 2, "--filter: "),
    (["derive", "--input", "3", "--filter", "0"], 2, "--filter: "),
    (["derive", "--input", "3x3", "--filter", "2x2x2"], 2, "--filter: "),
    (D + ["--stride", "0"], 2, "--stride: "),
    (D + ["--stride", "-1"], 2, "--stride: "),
    (D + ["--stride", "2x2x2"], 2, "--stride: "),
    (D + ["--stride", "a"], 2, "--stride: "),
    (D + ["--dilation", "0"], 2, "--dilation: "),
    (D + ["--dilation", "1.5"], 2, "--dilation: "),
    (D + ["--dilation", "3"], 2, "--dilation: 3 spreads the filter"),
    (D + ["--padding", "-1"], 2, "--padding: "),
    (D + ["--padding", "1:2:3"], 2, "--padding: "),
    (D + ["--padding", "1x2x3"], 2, "--padding: "),
    (D + ["--padding", "samee"], 2, "--padding: "),
    (D + ["--padding", "same", "--stride", "2"], 2, "--padding: "),
    (D + ["--padding", "1:"], 2, "--padding: "),
    (D + ["--in-channels", "0"], 2, "--in-channels: "),
    (D + ["--in-channels", "-2"], 2, "--in-channels: "),
    (D + ["--in-channels", "two"], 2, "--in-channels: "),
    (D + ["--out-channels", "0"], 2, "--out-channels: "),
    (D + ["--in-channels", "4", "--out-channels", "6", "--groups", "3"], 2, "--groups: "),
    (D + ["--in-channels", "4", "--out-channels", "3", "--groups", "2"], 2, "--groups: "),
    (D + ["--groups", "0"], 2, "--groups: "),
    (D + ["--batch", "0"], 2, "--batch: "),
    (D + ["--batch", "x"], 2, "--batch: "),
    (D + ["--lang", "fr"], 2, "Invalid value for '--lang'"),
    (D + ["--strategy", "gemm"], 2, "--strategy: 'gemm' does not apply"),
    (["derive", "--input", "5x5", "--filter", "2x2", "--in-channels", "2", "--out-channels", "2",
      "--strategy", "matrix"], 2, "--strategy: 'matrix' does not apply"),
    (D + ["--strategy", "fastest"], 2, "Invalid value for '--strategy'"),
    (["derive", "--input", "3x3"], 2, "Missing option '--filter'"),
    (D + ["--foo"], 2, "No such option '--foo'"),
    (["conv"], 2, "No such command 'conv'"),
    (C + ["__import__('os').system('touch MARKER')", "--at", "x=1"], 2, "expression: "),
    (C + ["x.__class__", "--at", "x=1"], 2, "expression: "),
    (C + ["lambda: 1", "--at", "x=1"], 2, "expression: "),
    (C + ["x[0]", "--at", "x=1"], 2, "expression: "),
    (C + ["'abc'", "--at", "x=1"], 2, "expression: "),
    (C + ["open(x)", "--at", "x=1"], 2, "expression: "),
    (C + ["eval(x)", "--at", "x=1"], 2, "expression: "),
    (C + ["", "--at", "x=1"], 2, "expression: "),
    (C + ["(x+y", "--at", "x=1,y=2"], 2, "expression: "),
    (C + ["x +* y", "--at", "x=1,y=2"], 2, "expression: "),
    (C + ["x*y", "--at", "x=1"], 2, "--at: "),
    (C + ["x", "--at", "x=1,y=2"], 2, "--at: "),
    (C + ["x", "--at", "x=1,x=2"], 2, "--at: "),
    (C + ["x", "--at", "x=abc"], 2, "--at: "),
    (C + ["x", "--at", "1x=2"], 2, "--at: "),
    (C + ["x/y", "--at", "x=1,y=0"], 2, "--at: division by zero"),
    (C + ["x"], 2, "Missing option '--at'"),
]


def one_line_error(result, code: int, start: str) -> None:
    assert result.exit_code == code, result.output
    assert result.output.startswith("Error: " + start), result.output
    assert result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, code, start", BAD_CLI, ids=[" ".join(a)[:60] for a, _, _ in BAD_CLI])
def test_bad_cli_input_gets_one_line_and_writes_nothing(runner, tmp_path, monkeypatch, args, code, start):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, args + ["--out", str(tmp_path / "out")] if args[0] != "conv" else args)
    one_line_error(result, code, start)
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "MARKER").exists()
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize("command", [D, C + ["x*y", "--at", "x=1,y=2"]], ids=["derive", "chain"])
def test_output_path_occupied_by_a_file_is_refused(runner, tmp_path, command):
    occupied = tmp_path / "occupied"
    occupied.write_text("mine")
    one_line_error(runner.invoke(main, command + ["--out", str(occupied)]), 1, "--out: ")
    assert occupied.read_text() == "mine"


def test_unwritable_output_path_is_refused(runner):
    one_line_error(runner.invoke(main, D + ["--out", "/proc/symconv-cannot-write-here"]), 1, "--out: ")


BAD_API = [
    (lambda: symconv.derive("3x3", "2x2", stride=True), "--stride: "),
    (lambda: symconv.derive((3, 3), (2, 2), padding=((1, 1),)), "--padding: "),
    (lambda: symconv.derive("3x3", "2x2", in_channels=1.5), "--in-channels: "),
    (lambda: symconv.derive("3x3", "2x2", groups="2x"), "--groups: "),
    (lambda: ConvSpec(input=(3, 3), filter=(2, 2), groups=2), "--groups: "),
    (lambda: ConvSpec(input=(3, 3), filter=(2, 2), bias="yes"), "--bias: "),
    (lambda: symconv.render_latex(symconv.derive("3", "2"), "fr"), "--lang: "),
]


@pytest.mark.parametrize("call, start", BAD_API, ids=[s + str(i) for i, (_, s) in enumerate(BAD_API)])
def test_bad_api_input_raises_the_projects_error(call, start):
    with pytest.raises(symconv.SymconvError) as info:
        call()
    assert str(info.value).startswith(start) and "\n" not in str(info.value)


def test_the_catalogue_has_at_least_fifty_bad_inputs():
    assert len(BAD_CLI) + len(BAD_API) >= 50


TEXT = st.text(alphabet="0123456789x:-+. ,samefulvidXy_()", max_size=12)


@settings(max_examples=300, deadline=None)
@given(size=TEXT, padding=TEXT, rank=st.integers(1, 3))
def test_spec_parsers_parse_or_raise_spec_error(size, padding, rank):
    for call in (
        lambda: parse_size(size, "--input"),
        lambda: parse_per_axis(size, rank, "--stride"),
        lambda: parse_padding(padding, rank, (3,) * rank, (1,) * rank),
    ):
        try:
            call()
        except symconv.SpecError:
            pass


# -- atomic output --------------------------------------------------------------------
def entry_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failure_while_rendering_writes_nothing(tmp_path, monkeypatch):
    def broken(d, strategy=None):
        raise RuntimeError("injected")

    monkeypatch.setattr(symconv.api, "render_kernel_tests", broken)
    with pytest.raises(RuntimeError, match="injected"):
        symconv.write_entry(symconv.derive("3x3", "2x2"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_the_previous_entry_intact(tmp_path, monkeypatch):
    symconv.write_entry(symconv.derive("3x3", "2x2"), tmp_path)
    folder = tmp_path / "conv2d_i3x3_f2x2"
    before = entry_bytes(folder)
    real_stage, calls = symconv.io.emit._stage, []

    def stage_then_fail(path, text, option):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_stage(path, "changed " + text, option)

    monkeypatch.setattr(symconv.io.emit, "_stage", stage_then_fail)
    with pytest.raises(symconv.OutputError, match="--out: cannot write .*No space left on device"):
        symconv.write_entry(symconv.derive("3x3", "2x2"), tmp_path)
    assert entry_bytes(folder) == before  # no file replaced, no temporary left behind


# -- determinism -----------------------------------------------------------------------
def run_symconv(args: list[str], cwd: Path, hashseed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    subprocess.run([sys.executable, "-m", "symconv", *args], cwd=cwd, env=env, check=True, capture_output=True)


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_is_byte_identical_across_runs_and_hash_seeds(tmp_path):
    outputs = []
    for seed in ("0", "1", "2"):
        folder = tmp_path / seed
        folder.mkdir()
        run_symconv(["derive", "--input", "5x4", "--filter", "2x3", "--stride", "2", "--padding", "1:0x0:2",
                     "--in-channels", "2", "--out-channels", "4", "--groups", "2", "--bias", "--out", "."],
                    folder, seed)
        run_symconv(["derive", "--input", "3x3", "--filter", "2x2", "--lang", "zh", "--out", "."], folder, seed)
        run_symconv(["chain", "exp(x)*y + max(x, y)/z", "--at", "x=0.5,y=-2,z=3", "--out", "."], folder, seed)
        outputs.append(all_bytes(folder))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(outputs[0]) == 7
    for name, data in outputs[0].items():
        text = data.decode("utf-8")
        assert str(tmp_path) not in text and "/tmp/" not in text, name
        assert "2026" not in text and "\r" not in text, name


# -- generated kernels defend themselves ---------------------------------------------------
def test_inf_and_nan_propagate_through_every_op():
    k = symconv.load_kernel(symconv.derive("4x4", "2x2"))
    X, F, G = np.ones((4, 4)), np.ones((2, 2)), np.ones((3, 3))
    X[0, 0], G[2, 2] = np.inf, np.nan
    assert np.isinf(k.forward(X, F)[0, 0]) and np.isfinite(k.forward(X, F)[2, 2])
    assert np.isinf(k.grad_filter(X, np.ones((3, 3)))[0, 0])
    assert np.isnan(k.grad_input(F, G)[3, 3]) and np.isfinite(k.grad_input(F, G)[0, 0])


def test_integer_input_is_converted_to_float64():
    k = symconv.load_kernel(symconv.derive("3x3", "2x2"))
    out = k.forward(np.arange(9).reshape(3, 3), np.array([[1, 0], [0, -1]]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[-4.0, -4.0], [-4.0, -4.0]])


# -- the kernel cache ------------------------------------------------------------------------
LOAD = """
import sys, symconv
k = symconv.load_kernel(symconv.derive("6x6", "3x3", stride=2))
print(k.__file__)
"""


def test_two_processes_loading_the_same_kernel_leave_one_intact_file(tmp_path):
    env = {**os.environ, "SYMCONV_CACHE": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", LOAD], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    paths = {r.communicate(timeout=120)[0].strip() for r in runs}
    assert all(r.returncode == 0 for r in runs)
    files = sorted(tmp_path.iterdir())
    assert len(paths) == 1 and [str(f) for f in files] == list(paths)
    compile(files[0].read_text(encoding="utf-8"), str(files[0]), "exec")


def test_cache_name_depends_on_the_content(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMCONV_CACHE", str(tmp_path))
    a = symconv.load_kernel(symconv.derive("6x6", "3x3"))
    b = symconv.load_kernel(symconv.derive("6x6", "3x3", stride=2))
    assert Path(a.__file__).parent == Path(b.__file__).parent == tmp_path
    assert a.__file__ != b.__file__ and "conv2d_i6x6_f3x3" in Path(a.__file__).name


BROKEN = """
import numpy as np


def _helper():
    return 1


def forward(X, F):
    return _helper()


raise RuntimeError("half-way")
"""


def test_compiled_templates_are_kept_between_runs_and_change_no_text(tmp_path, monkeypatch):
    from symconv.io import TemplateCache
    from symconv.render.templates import use_compiled_cache

    d = symconv.derive("5x4", "2x2", stride=2, padding=1)
    plain = (symconv.render_latex(d), symconv.render_numpy(d))
    try:
        use_compiled_cache(TemplateCache(tmp_path / "templates"))
        first = (symconv.render_latex(d), symconv.render_numpy(d))
        kept = sorted((tmp_path / "templates").iterdir())
        assert len(kept) >= 4 and not [p for p in kept if p.name.endswith(".tmp")]
        for path in kept:  # a damaged cache is compiled again, not trusted
            path.write_bytes(path.read_bytes()[:20])
        use_compiled_cache(TemplateCache(tmp_path / "templates"))
        assert (symconv.render_latex(d), symconv.render_numpy(d)) == first == plain
        (tmp_path / "blocked").write_text("a file where the cache folder should be")
        use_compiled_cache(TemplateCache(tmp_path / "blocked" / "templates"))
        assert (symconv.render_latex(d), symconv.render_numpy(d)) == plain  # an unwritable cache costs nothing else
    finally:
        use_compiled_cache(None)


def test_a_kernel_that_fails_to_load_leaves_nothing_behind(tmp_path):
    path = tmp_path / "conv_broken.py"
    path.write_text(BROKEN, encoding="utf-8")
    before = set(sys.modules)
    for _ in range(2):  # the second load fails the same way, not with a half-loaded module
        with pytest.raises(symconv.KernelError, match=r"cannot load the kernel .*conv_broken\.py: RuntimeError: half-way"):
            symconv.load_kernel(path)
        assert set(sys.modules) == before
    path.write_text(BROKEN.replace('raise RuntimeError("half-way")', ""), encoding="utf-8")
    assert symconv.load_kernel(path).forward(None, None) == 1


# -- packaging --------------------------------------------------------------------------------
def test_python_dash_m_and_version():
    run = subprocess.run([sys.executable, "-m", "symconv", "--version"], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == f"symconv, version {symconv.__version__}"


@pytest.mark.slow
def test_wheel_holds_the_templates_and_works_from_any_directory(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("symconv-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.j2"))
    assert len(templates) >= 6
    for template in templates:
        assert f"symconv/{template}" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([str(venv / "bin" / "symconv"), "derive", "--input", "3x3", "--filter", "2x2"],
                         cwd=work, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (work / "generated" / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.tex").is_file()
    where = subprocess.run([str(python), "-c", "import symconv; print(symconv.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True, check=True).stdout
    assert str(venv) in where  # the installed wheel, not the source tree
