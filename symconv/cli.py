"""The ``symconv`` command: a thin click layer over the library API.

Each command validates its options, calls one library function and prints a short
report. A :class:`SymconvError` becomes a one-line message and its exit code (2 for
bad input, 1 otherwise); nothing is written when one is raised.
"""

from __future__ import annotations

import gc
import sys

import click

from pathlib import Path

from .api import Written, write_entry
from .check import check, verdict_lines
from .chain import (
    chain_table, evaluate, file_name, parse_assignments, parse_expression, render_chain_html, render_chain_latex,
)
from .derivation import Derivation, derive
from .derivation.budget import DEFAULT_MAX_MEMORY
from .derivation.general import proof_lines, prove_general
from .errors import CheckError, SpecError, SymconvError
from .io import TemplateCache, build_pdf, write_files
from .layer import OPTIONS, show
from .progress import NULL, Progress, StderrBar
from .render import STRATEGIES
from .render.templates import use_compiled_cache
from .version import __version__


class OneLineErrors(click.Group):
    """A click group whose own usage errors are one line, like symconv's (exit 2)."""

    def main(self, args=None, prog_name=None, **extra):  # noqa: D102 (click's signature)
        try:
            rv = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.ClickException as e:
            where = f" (see '{e.ctx.command_path} --help')" if getattr(e, "ctx", None) else ""
            click.echo(f"Error: {e.format_message()}{where}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:  # click turns Ctrl-C into Abort; launch.py says so for every moment alike
            raise KeyboardInterrupt from None
        finally:
            if args is None:  # the process's own command line: it exits next
                gc.freeze()  # the exit then skips a last collection of SymPy's objects (~0.1 s)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="symconv")
def main() -> None:
    """Derive, prove and generate backpropagation through convolution layers.

    \b
    Shell completion (bash; zsh and fish alike with zsh_source/fish_source):
    eval "$(_SYMCONV_COMPLETE=bash_source symconv)"
    """


def layer_options(command):
    """The layer options of ``layer.OPTIONS`` as click options (the table's order, flags and help)."""
    for option in reversed(OPTIONS):
        if option.switch:  # two flags, so that giving both is seen and refused (see _given)
            command = click.option(f"--no-{option.flag[2:]}", f"no_{option.name}", is_flag=True,
                                   help=f"Leave {option.flag} out (the default).")(command)
            decorator = click.option(option.flag, option.name, is_flag=True, help=option.help)
        else:
            default = {} if option.default is None else dict(default=str(option.default), show_default=True)
            decorator = click.option(option.flag, option.name, required=option.required, metavar=option.metavar,
                                     help=option.help, **default)
        command = decorator(command)
    return command


@main.command("derive")
@layer_options
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the document: en (pdflatex) or zh (Chinese: xelatex + ctex).")
@click.option("--pdf", is_flag=True, help="Also build the PDF with latexmk (needs TeX Live).")
@click.option("--html", is_flag=True,
              help="Also write the derivation as a self-contained web page, <name>.html (MathML, inline SVG, works offline).")
@click.option("--notebook", is_flag=True,
              help="Also write it as a Jupyter notebook, <name>.ipynb, whose code cells check the kernel beside it.")
@click.option(
    "--out", default="generated", show_default=True, metavar="DIR",
    help="Output folder; the layer's files go to a subfolder named after it.",
)
@click.option(
    "--max-memory", default=DEFAULT_MAX_MEMORY, show_default=True, metavar="SIZE",
    help="Refuse layers whose derivation is estimated to need more memory than SIZE (512M, 2G); a channel layer "
         "above it is proven on its representative.",
)
@click.option("--full", is_flag=True, help="List every element in the document (default: long listings show their ends).")
@click.option("--general", is_flag=True, help="Add the proof for all sizes (symconv prove --general) to the document.")
@click.option(
    "--strategy", type=click.Choice(("auto",) + STRATEGIES), default="auto", show_default=True,
    help="How the kernel lays out its work: auto chooses per layer (the kernel's docstring says which and why); "
         "matrix, rowgemm (2-D), batchlast and taps apply without channels, gemm and taps with channels, "
         "winograd (grad_input by Winograd F(4x4, 3x3) tiles, forward and grad_filter by gemm) with channels for "
         "2-D 3x3 layers of stride 1 and dilation 1. Whichever it is, its code is run "
         "on SymPy symbols and must equal the closed forms exactly, or nothing is written.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--progress/--no-progress", "progress_flag", default=None,
    help="Force the progress bar on stderr on or off (default: on when stderr is a terminal, for work over a second).",
)
def derive_command(
    lang: str, pdf: bool, html: bool, notebook: bool, out: str, max_memory: str, full: bool, general: bool,
    strategy: str, quiet: bool,
    progress_flag: bool | None, **layer: object,
) -> None:
    """Derive the gradients of one layer, prove them, and write its LaTeX document and NumPy kernel.

    \b
    Example: symconv derive --input 3x3 --filter 2x2
    writes generated/conv2d_i3x3_f2x2/conv2d_i3x3_f2x2.tex (the derivation) and
    generated/conv2d_i3x3_f2x2/conv2d_i3x3_f2x2.py (forward, grad_filter, grad_input).

    \b
    A general layer:
    symconv derive --input 7x7 --filter 3x3 --stride 2 --padding 1 \\
        --in-channels 4 --out-channels 6 --groups 2 --bias
    """
    if quiet and progress_flag:
        _fail(SpecError("--quiet", "--quiet and --progress contradict each other; give one"))
    bar = _progress(quiet, progress_flag)
    use_compiled_cache(TemplateCache())  # a short run spends a tenth of its time compiling templates
    chosen = None if strategy == "auto" else strategy
    try:
        d = derive(**_given(layer), max_memory=max_memory, full=full, progress=bar)
        bar.stage("write the document and kernel", 0)
        written = write_entry(d, out, lang, full, general, chosen, html=html, notebook=notebook)
    except SymconvError as e:
        bar.close()
        _fail(e)
    bar.close()
    for line in report(d, written, chosen is not None):
        click.echo(line)
    if pdf:
        try:
            click.echo(f"        {build_pdf(written.latex, lang)}")
        except SymconvError as e:
            _fail(e)



def _progress(quiet: bool, forced: bool | None) -> Progress:
    """The stderr bar when asked for (--progress), or by default when stderr is a terminal."""
    stream = sys.stderr
    show = forced if forced is not None else (not quiet and stream.isatty())
    return StderrBar(stream) if show and not quiet else NULL


def _given(layer: dict) -> dict:
    """The layer options the user gave (click passes None for the others: they keep the table's
    defaults); a switch given both ways (``--bias --no-bias``) is refused."""
    for option in OPTIONS:
        if option.switch and layer.get(option.name) and layer.get(f"no_{option.name}"):
            raise SpecError(option.flag, f"{option.flag} and --no-{option.flag[2:]} contradict each other; give one")
    return {name: value for name, value in layer.items() if value is not None and not name.startswith("no_")}


def report(d: Derivation, written: Written | None = None, forced: bool = False) -> list[str]:
    """The lines ``symconv derive`` prints: the layer, the proof and, when files were written,
    the kernel's strategy (as the entry records it; ``forced``: given by --strategy) and the files."""
    proven = ", ".join(_proven(p) for p in d.proof.parts)
    lines = [
        f"layer:  {d.layer.describe()}",
        f"output: {show(d.layer.output)}",
        f"proven: {proven} identities; exact (every integer coefficient of expansion - closed form is 0)",
        f"        for {_scope(d)}",
    ]
    if written is None:
        return lines
    how = "given by --strategy" if forced else "chosen for this layer; the kernel's docstring says why"
    tile = f" {written.kernel_proof.tile.name}" if written.kernel_proof and written.kernel_proof.tile else ""
    lines.append(f"kernel: {written.strategy} strategy{tile} ({how});")
    lines.append(f"        {_kernel_proof(written.kernel_proof)}")
    return lines + [("wrote:  " if i == 0 else "        ") + str(path) for i, path in enumerate(written.paths)]


def _kernel_proof(proof) -> str:
    if proof.skipped:
        return f"its code was not run on symbols: {proof.skipped}"
    where = f" on the smaller layer {proof.layer}" if proof.smaller else ""
    tile = "its tile identity is proven exactly and " if proof.tile else ""
    return (f"{tile}its code, run on SymPy symbols{where}, equals the closed forms exactly "
            f"({proof.elements} elements of {len(proof.paths)} code paths)")


def _proven(part) -> str:
    empty = f" ({part.empty} with no term, = 0)" if part.empty else ""
    return f"{part.gradient} {part.proven} of {part.total}{empty}"


def _scope(d: Derivation) -> str:
    spec = d.spec
    samples = f"all {spec.n_batch} samples" if spec.batched else "one sample (samples are independent)"
    channels = "every channel pair, " if spec.channelled else ""
    if d.representative:
        return (f"every element of the representative {spec.name} ({spec.c_in} -> {spec.c_out} channels, "
                f"{spec.n_groups} groups; {d.scope}): the layer's identities are its per-pair identities renamed")
    return f"every element, {channels}{samples}"


def _fail(error: SymconvError) -> None:
    click.echo(f"Error: {error}", err=True)
    sys.exit(error.exit_code)




@main.command("chain")
@click.argument("expression")
@click.option(
    "--at", "at", required=True, metavar="ASSIGNMENTS",
    help="A value for every variable: name=decimal joined by commas (x=-2,y=5,z=-4).",
)
@click.option("--out", metavar="DIR", help="Also write the LaTeX document (TikZ graph) to DIR/chain_<name>.tex.")
@click.option("--html", is_flag=True, help="With --out, also write the web page DIR/chain_<name>.html (MathML, SVG graph).")
def chain_command(expression: str, at: str, out: str | None, html: bool) -> None:
    """Forward values, local and total gradients on the computation graph of EXPRESSION.

    \b
    EXPRESSION: names, decimal numbers, + - * / ** (and unary -), parentheses,
    exp log sin cos tanh sqrt max. It is parsed, never run as code.

    \b
    Example: symconv chain "(x+y)*z" --at x=-2,y=5,z=-4
    An expression that starts with '-' goes after '--':
    symconv chain --at x=3 -- "-x**2"
    """
    try:
        if html and out is None:
            raise SpecError("--html", "needs --out DIR: the page is written there, beside the LaTeX document")
        result = evaluate(parse_expression(expression), parse_assignments(at))
        path = None if out is None else Path(out) / file_name(result.expression)
        files = {} if path is None else {path: render_chain_latex(result)}
        if html:
            files[path.with_suffix(".html")] = render_chain_html(result)
        write_files(files)
    except SymconvError as e:
        _fail(e)
    for line in chain_table(result):
        click.echo(line)
    for i, written in enumerate(files):
        click.echo(("wrote: " if i == 0 else "       ") + str(written))


@main.command("prove")
@click.option("--general", is_flag=True,
              help="Prove the closed forms for symbolic sizes (n, K, s, d, lo, hi, r; channels, groups, batch, bias).")
@click.option("--rank", type=click.IntRange(1, 3), default=1, show_default=True, help="Spatial axes of the general proof.")
@click.option("--input", "input_", metavar="SIZE", help="Without --general: prove one concrete layer (no files written).")
@click.option("--filter", "filter_", metavar="SIZE", help="Without --general: the filter size.")
def prove_command(general: bool, rank: int, input_: str | None, filter_: str | None) -> None:
    """Prove the closed forms: for all sizes (--general), or for one layer, element by element.

    \b
    Examples:
    symconv prove --general --rank 2
    symconv prove --input 7x7 --filter 3x3
    """
    if general:
        proofs = prove_general(rank)
        for line in proof_lines(proofs):
            click.echo(line)
        sys.exit(0 if all(p.holds for p in proofs) else 1)
    if input_ is None or filter_ is None:
        missing = "--filter" if input_ is not None else "--input"
        _fail(SpecError(missing, "give --input and --filter to prove one concrete layer, or --general for all sizes"))
    try:
        d = derive(input_, filter_)
    except SymconvError as e:
        _fail(e)
    for line in report(d):
        click.echo(line)
    sys.exit(0 if d.proof.holds else 1)


@main.command("check")
@click.option("--grad-input", "grad_input", metavar="FORM", help="A closed form for dL/dX to prove or refute.")
@click.option("--grad-filter", "grad_filter", metavar="FORM", help="A closed form for dL/dF to prove or refute.")
@click.option("--rank", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Spatial axes; every parameter is then per axis.")
def check_command(grad_input: str | None, grad_filter: str | None, rank: int) -> None:
    """Prove a closed form for all sizes, or refute it with a counterexample.

    \b
    FORM (one channel pair, one sample; parsed, never run as code):
      tensors   X (input), F (filter), G (= dL/dO)
      pad(A, lo, hi)                 zeros before and after; a negative width crops
      dilate(A, s)                   s-1 zeros between neighbours
      rot180(A)                      every axis reversed
      corr(A, B, stride=.., dilation=..)
                                     valid cross-correlation,
                                     out[z] = sum_m A[stride*z + dilation*m] * B[m]
      parameters s d lo hi r K n O   (stride, dilation, padding, remainder, filter,
                                     input and output sizes), integers, + - * ( )

    \b
    Answers: proven for all sizes (exit 0); refuted, with a counterexample layer
    that symconv derive accepts (exit 1); undecided (exit 3). Bad syntax: exit 2.

    \b
    Examples:
    symconv check --grad-input "corr(pad(dilate(G, s), d*(K-1)-lo, d*(K-1)-hi+r), rot180(F), stride=1, dilation=d)"
    symconv check --grad-filter "corr(pad(X, lo, hi-r), G, stride=d, dilation=s)"
    """
    if (grad_input is None) == (grad_filter is None):
        _fail(CheckError("--grad-input", "give exactly one of --grad-input FORM and --grad-filter FORM"))
    gradient, text = ("dL/dX", grad_input) if grad_input is not None else ("dL/dF", grad_filter)
    try:
        verdict = check(gradient, text, rank)
    except SymconvError as e:
        _fail(e)
    for line in verdict_lines(verdict):
        click.echo(line)
    sys.exit(verdict.exit_code)
