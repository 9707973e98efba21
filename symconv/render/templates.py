"""Jinja environments and the renderers; pure functions from a Derivation to text.

Templates live in the top-level ``templates/`` folder (shipped inside the wheel as
``symconv/templates``). :func:`template_dirs` is the one place that finds them.
Templates receive strings only: ``document`` and ``kernelgen`` build their contexts, and
every expression is printed by ``printing``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2

from . import printing as pr
from .document import general_context, latex_context
from .kernelgen import kernel_context
from .errors import ProofError, SpecError
from .general import prove_general
from .pipeline import Derivation
from .version import __version__

TEMPLATE_ENV = "SYMCONV_TEMPLATES"


def template_dirs() -> list[Path]:
    """Where templates are looked up, in order: ``$SYMCONV_TEMPLATES``, the packaged copy, the source tree."""
    here = Path(__file__).resolve().parent
    candidates = [os.environ.get(TEMPLATE_ENV), here / "templates", here.parent / "templates"]
    return [Path(c) for c in candidates if c and Path(c, "kernel.py.j2").is_file()]


@lru_cache(maxsize=None)
def _environment(latex: bool, dirs: tuple[Path, ...]) -> jinja2.Environment:
    if not dirs:
        raise FileNotFoundError("symconv cannot find its templates/ folder; reinstall symconv")
    delimiters = dict(
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
    ) if latex else {}
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        **delimiters,
    )


def _render(template: str, latex: bool, context: dict) -> str:
    return _environment(latex, tuple(template_dirs())).get_template(template).render(context)


def _require_proof(d: Derivation) -> None:
    for part in (d.proof.filter, d.proof.input):
        if part.failures:
            name = part.gradient.split("/d")[-1]
            first = pr.index_label(part.failures[0])
            raise ProofError(
                f"{part.gradient}: {len(part.failures)} of {part.total} identities failed, "
                f"first at {name}_{{{first}}} (1-based); nothing was written"
            )


# -- NumPy kernel -------------------------------------------------------------
def render_numpy(d: Derivation, strategy: str | None = None) -> str:
    """The standalone NumPy module (forward, grad_filter, grad_input) for ``d``'s layer.

    Args:
        d: a proven derivation.
        strategy: ``None`` (chosen per layer; the module docstring says which and why) or one
            of ``kernelgen.STRATEGIES`` that applies to the layer.
    """
    _require_proof(d)
    return _render("kernel.py.j2", False, kernel_context(d, strategy))


# -- LaTeX document ------------------------------------------------------------
LANGUAGES = ("en", "zh")
LATEX_ENGINES = {"en": "pdflatex", "zh": "xelatex"}


def render_latex(d: Derivation, lang: str = "en", full: bool = False, general: bool = False) -> str:
    """The standalone LaTeX derivation document for ``d``'s layer.

    Args:
        d: a proven derivation.
        lang: ``"en"`` (compiles with pdflatex) or ``"zh"`` (Chinese, xelatex + ctex).
        full: list every element even of a large layer (else long listings show their ends).
        general: add the proof for all sizes (``symconv prove --general``) as a section.
    """
    if lang not in LANGUAGES:
        raise SpecError("--lang", f"{lang!r} is not a language symconv writes; choose one of {', '.join(LANGUAGES)}")
    _require_proof(d)
    context = latex_context(d, full)
    context["general"] = general_context(prove_general(d.spec.rank)) if general else None
    return _render(f"derivation_{lang}.tex.j2", True, context)


def summary_latex(d: Derivation) -> str:
    """A few lines for notebooks: the closed forms and what was proven."""
    p = d.proof
    return (
        rf"$\text{{{d.spec.describe()}}}:\ \frac{{\partial L}}{{\partial F}} = X \star \frac{{\partial L}}{{\partial O}},"
        rf"\ \frac{{\partial L}}{{\partial X}} = \mathrm{{pad}}(\frac{{\partial L}}{{\partial O}}) \star \mathrm{{rot}}_{{180}}(F)"
        rf"\quad ({p.filter.proven}/{p.filter.total} + {p.input.proven}/{p.input.total}\ \text{{identities proven}})$"
    )


# -- symconv chain -------------------------------------------------------------------
def render_chain_latex(result) -> str:
    """The ``symconv chain`` document: expression, TikZ graph, local gradients, chain rule."""
    from .chain import chain_context

    return _render("chain.tex.j2", True, chain_context(result))


# -- the tests shipped beside each kernel ---------------------------------------------
def render_kernel_tests(d: Derivation) -> str:
    """A pytest module (numpy only) that checks ``d``'s kernel against plain loops, finite
    differences and the dot-product test; it is written beside the kernel."""
    spec = d.layer
    return _render("kernel_test.py.j2", False, dict(
        name=spec.name, version=__version__, channelled=spec.channelled, bias=spec.bias,
        input_shape=spec.input, kernel_shape=spec.filter, output_shape=spec.output, stride=spec.stride,
        dilation=spec.dilation, padding=spec.padding, c_in=spec.c_in, c_out=spec.c_out, groups=spec.n_groups,
    ))
