"""The README shows what symconv really prints and writes."""

from __future__ import annotations

import re

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_has_the_two_setup_commands():
    commands = code_blocks("sh")
    assert commands[0].strip() == "python -m pip install . && symconv derive --input 3x3 --filter 2x2"
    assert commands[1].strip() == "python -m pip install -e '.[test]' && python -m pytest"


def test_readme_report_is_what_the_cli_prints(runner, tmp_path, monkeypatch):
    from symconv.cli import main

    monkeypatch.chdir(tmp_path)
    shown = [b for b in code_blocks("text") if b.startswith("$ symconv derive --input 3x3 --filter 2x2\n")][0]
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "2x2"])
    assert result.output == shown.split("\n", 1)[1]


def test_readme_error_example_is_what_the_cli_prints(runner, tmp_path, monkeypatch):
    from symconv.cli import main

    monkeypatch.chdir(tmp_path)
    shown = [b for b in code_blocks("text") if "--filter 4x4" in b][0]
    result = runner.invoke(main, ["derive", "--input", "3x3", "--filter", "4x4"])
    assert result.output == shown.split("\n", 1)[1]


def test_readme_kernel_excerpt_is_in_the_generated_kernel():
    kernel = (ROOT / "generated" / "conv2d_i3x3_f2x2" / "conv2d_i3x3_f2x2.py").read_text(encoding="utf-8")
    excerpt = code_blocks("python")[0]
    for line in excerpt.splitlines():
        if line.strip() and line.strip() != "...":
            assert line in kernel, line


def test_readme_general_layer_report_is_what_the_cli_prints(runner, tmp_path, monkeypatch):
    from symconv.cli import main

    monkeypatch.chdir(tmp_path)
    shown = [b for b in code_blocks("text") if "--groups 2" in b][0]
    command, expected = shown.split("\n", 1)
    result = runner.invoke(main, command.split()[2:])
    assert result.output == expected


def test_readme_chain_example_is_what_the_cli_prints(runner):
    from symconv.cli import main

    shown = [b for b in code_blocks("text") if b.startswith("$ symconv chain")][0]
    result = runner.invoke(main, ["chain", "(x+y)*z", "--at", "x=-2,y=5,z=-4"])
    assert result.output == shown.split("\n", 1)[1]


def test_readme_picture_exists():
    picture = re.search(r"!\[[^\]]*\]\(([^)]+)\)", README).group(1)
    assert (ROOT / picture).read_bytes().startswith(b"\x89PNG")


def test_readme_representative_example_is_what_the_cli_prints(runner, tmp_path, monkeypatch):
    from symconv.cli import main

    monkeypatch.chdir(tmp_path)
    shown = [b for b in code_blocks("text") if "--in-channels 64 --out-channels 64" in b][0]
    command, expected = shown.split("\n", 1)
    result = runner.invoke(main, command.split()[2:])
    assert result.output == expected


def _tail_block(command: str) -> tuple[list[str], list[str]]:
    """A README block that shows ``command`` and, after a '...' line, the last lines it prints."""
    shown = [b for b in code_blocks("text") if b.startswith(f"$ {command}\n")][0].splitlines()
    assert shown[1] == "..."
    return shown[0].split()[2:], shown[2:]


def test_readme_general_proof_ends_as_the_cli_prints(runner):
    from symconv.cli import main

    args, tail = _tail_block("symconv prove --general --rank 3")
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and result.output.splitlines()[-len(tail):] == tail


def test_readme_check_example_ends_as_the_cli_prints(runner):
    import shlex

    from symconv.cli import main

    block = [b for b in code_blocks("text") if b.startswith("$ symconv check ")][0].splitlines()
    assert block[1] == "..."
    result = runner.invoke(main, shlex.split(block[0])[2:])
    assert result.exit_code == 1 and result.output.splitlines()[-len(block[2:]):] == block[2:]
