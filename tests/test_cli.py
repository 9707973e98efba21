"""The ``symconv`` command through click's CliRunner: report, files, errors."""

from __future__ import annotations

import pytest

import symconv.derivation.index_forms
from symconv.cli import main


def derive_args(tmp_path, *args):
    return ["derive", *args, "--out", str(tmp_path / "out")]


def test_main_job_prints_report_and_writes_both_files(runner, tmp_path):
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "layer:  conv2d input 3x3, filter 2x2 (stride 1, dilation 1, padding 0)"
    assert lines[1] == "output: 2x2"
    assert lines[2] == ("proven: dL/dF 4 of 4, dL/dX 9 of 9 identities; exact (every integer coefficient of "
                        "expansion - closed form is 0)")
    assert lines[3] == "        for every element, one sample (samples are independent)"
    assert lines[4] == "kernel: matrix strategy (chosen for this layer; the kernel's docstring says why);"
    assert lines[5] == ("        its code, run on SymPy symbols, equals the closed forms exactly "
                        "(30 elements of 5 code paths)")
    folder = tmp_path / "out" / "conv2d_i3x3_f2x2"
    assert sorted(p.name for p in folder.iterdir()) == [
        "conv2d_i3x3_f2x2.py", "conv2d_i3x3_f2x2.tex", "test_conv2d_i3x3_f2x2.py",
    ]
    for name in ("conv2d_i3x3_f2x2.tex", "conv2d_i3x3_f2x2.py", "test_conv2d_i3x3_f2x2.py"):
        assert str(folder / name) in result.output


def test_default_output_folder_is_generated_under_cwd(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["derive", "--input", "5", "--filter", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "generated" / "conv1d_i5_f2" / "conv1d_i5_f2.py").is_file()
    assert "generated/conv1d_i5_f2/conv1d_i5_f2.tex" in result.output


@pytest.mark.parametrize(
    "input_, filter_, output, proven",
    [
        ("5", "2", "4", "dL/dF 2 of 2, dL/dX 5 of 5 identities"),
        ("7x5", "3x2", "5x4", "dL/dF 6 of 6, dL/dX 35 of 35 identities"),
        ("4x5x6", "2x2x3", "3x4x4", "dL/dF 12 of 12, dL/dX 120 of 120 identities"),
    ],
)
def test_sizes_in_every_rank(runner, tmp_path, input_, filter_, output, proven):
    result = runner.invoke(main, derive_args(tmp_path, "--input", input_, "--filter", filter_))
    assert result.exit_code == 0, result.output
    assert f"output: {output}" in result.output
    assert proven in result.output


def test_generated_kernel_imports_from_the_entry_folder(runner, tmp_path):
    import symconv

    runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2"))
    kernel = symconv.load_kernel(tmp_path / "out" / "conv2d_i3x3_f2x2")
    assert kernel.OUTPUT_SHAPE == (2, 2)


@pytest.mark.parametrize(
    "args, option",
    [
        (["--input", "3x3", "--filter", "2"], "--filter"),  # rank mismatch
        (["--input", "0x3", "--filter", "1x1"], "--input"),
        (["--input", "-3", "--filter", "1"], "--input"),
        (["--input", "3.5", "--filter", "1"], "--input"),
        (["--input", "3x", "--filter", "2x2"], "--input"),
        (["--input", "3x3", "--filter", "4x4"], "--filter"),  # empty output
        (["--input", "3x3", "--filter", "2x2", "--stride", "0"], "--stride"),
        (["--input", "3x3", "--filter", "2x2", "--dilation", "-1"], "--dilation"),
        (["--input", "3x3", "--filter", "2x2", "--padding", "-1"], "--padding"),
        (["--input", "5x5", "--filter", "3x3", "--padding", "same", "--stride", "2"], "--padding"),
        (["--input", "1x2x3x4", "--filter", "1x1x1x1"], "--input"),
    ],
    ids=["rank", "zero", "negative", "non-integer", "trailing-x", "filter-too-big", "stride-0",
         "dilation-negative", "padding-negative", "same-strided", "rank-4"],
)
def test_bad_values_get_one_line_exit_2_and_nothing_written(runner, tmp_path, args, option):
    result = runner.invoke(main, derive_args(tmp_path, *args))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {option}: ")
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_option_is_a_one_line_usage_error(runner, tmp_path):
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3"))
    assert result.exit_code == 2
    assert result.output == "Error: Missing option '--filter'. (see 'main derive --help')\n"


def test_failed_proof_names_the_element_and_writes_nothing(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(symconv.derivation.index_forms, "rot180", lambda a, rank: a)  # a closed form without the flip
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: dL/dX: ")
    assert "X_{11}" in result.output
    assert not (tmp_path / "out").exists()


def test_output_path_occupied_by_a_file(runner, tmp_path):
    (tmp_path / "out").write_text("not a folder")
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2"))
    assert result.exit_code != 0
    assert result.output.startswith("Error: ")
    assert "Traceback" not in result.output
    assert (tmp_path / "out").read_text() == "not a folder"


@pytest.mark.parametrize("strategy", ["taps", "batchlast", "rowgemm", "matrix"])
def test_strategy_option_writes_that_kernel(runner, tmp_path, strategy):
    import numpy as np

    import symconv

    result = runner.invoke(main, derive_args(tmp_path, "--input", "6x5", "--filter", "3x2", "--strategy", strategy))
    assert result.exit_code == 0, result.output
    assert f"kernel: {strategy} strategy (given by --strategy)" in result.output
    kernel = symconv.load_kernel(tmp_path / "out" / "conv2d_i6x5_f3x2")
    assert f"Strategy: {strategy} (chosen by the caller)." in kernel.__doc__
    auto = symconv.load_kernel(symconv.derive("6x5", "3x2"))
    X, F = np.random.default_rng(3).standard_normal((2, 6, 5)), np.random.default_rng(4).standard_normal((3, 2))
    np.testing.assert_allclose(kernel.forward(X, F), auto.forward(X, F), rtol=1e-12, atol=1e-12)


def test_help_describes_every_option(runner):
    result = runner.invoke(main, ["derive", "--help"])
    assert result.exit_code == 0
    for option in ("--input", "--filter", "--stride", "--dilation", "--padding", "--out", "--strategy"):
        assert option in result.output


def test_version(runner):
    import symconv

    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert symconv.__version__ in result.output


def test_chinese_document_is_written_beside_the_kernel(runner, tmp_path):
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2", "--lang", "zh"))
    assert result.exit_code == 0, result.output
    tex = tmp_path / "out" / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2_zh.tex"
    assert "ctexart" in tex.read_text(encoding="utf-8")
    assert str(tex) in result.output


def test_unknown_language_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2", "--lang", "fr"))
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_pdf_without_tex_names_the_debian_packages_and_keeps_the_tex(runner, tmp_path, monkeypatch):
    import symconv.io.pdf

    monkeypatch.setattr(symconv.io.pdf.shutil, "which", lambda name: None)
    result = runner.invoke(main, derive_args(tmp_path, "--input", "3x3", "--filter", "2x2", "--pdf"))
    assert result.exit_code == 1
    assert "Error: --pdf: latexmk and pdflatex not found; on Debian: apt-get install texlive-latex-base" in result.output
    assert (tmp_path / "out" / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.tex").is_file()
    assert "Traceback" not in result.output


@pytest.mark.latex
def test_pdf_is_built_with_latexmk(runner, tmp_path):
    import shutil as sh

    if not (sh.which("latexmk") and sh.which("pdflatex")):
        if __import__("os").environ.get("CI"):
            pytest.fail("latexmk/pdflatex missing in CI")
        pytest.skip("latexmk/pdflatex not installed")
    result = runner.invoke(main, derive_args(tmp_path, "--input", "5", "--filter", "2", "--pdf"))
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "out" / "conv1d_i5_f2" / "conv1d_i5_f2.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in result.output


def test_derivation_shows_itself_in_a_notebook():
    import symconv

    text = symconv.derive("3x3", "2x2")._repr_latex_()
    assert text.startswith("$") and text.endswith("$")
    assert "rot}_{180}" in text and "4/4" in text and "9/9" in text


def test_derive_leaves_the_web_page_printer_unimported(tmp_path):
    """latex2mathml costs some 50 ms of start-up, and only --html and the notebook need it."""
    import subprocess
    import sys

    script = ("import sys; from symconv.launch import main\n"
              "sys.argv = ['symconv', 'derive', '--input', '3x3', '--filter', '2x2', '--out', sys.argv[1]]\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print('latex2mathml' in sys.modules)")
    derive = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    assert derive.stdout.strip().splitlines()[-1] == "False"
    html = subprocess.run([sys.executable, "-c", script.replace("'--out'", "'--html', '--out'"), str(tmp_path / "h")],
                          capture_output=True, text=True, check=True)
    assert html.stdout.strip().splitlines()[-1] == "True"  # the test can see the import when it happens
