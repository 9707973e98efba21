"""The derivation document as LaTeX text: pure, from a proven Derivation (and, when asked, the
proof for all sizes made beforehand) to a string."""

from __future__ import annotations

from typing import Optional, Sequence

from ..derivation import Derivation
from ..derivation.general import GeneralProof
from ..errors import SpecError
from .document import document_context
from .proven import require_proof
from .templates import render

LANGUAGES = ("en", "zh")


def render_document(d: Derivation, lang: str = "en", full: bool = False,
                    general: Optional[Sequence[GeneralProof]] = None) -> str:
    """The standalone LaTeX derivation document for ``d``'s layer.

    Args:
        d: a proven derivation.
        lang: ``"en"`` (compiles with pdflatex) or ``"zh"`` (Chinese, xelatex + ctex).
        full: list every element even of a large layer (else long listings show their ends).
        general: the proof for all sizes (``derivation.general.prove_general``), shown as a
            section when given.
    """
    check_language(lang)
    require_proof(d)
    return render(f"document/prose_{lang}.j2", document_context(d, full, general), layout="document/derivation.tex.j2")


def check_language(lang: str) -> None:
    """Refuse a language symconv does not write (``--lang``)."""
    if lang not in LANGUAGES:
        raise SpecError("--lang", f"{lang!r} is not a language symconv writes; choose one of {', '.join(LANGUAGES)}")


def summary_latex(d: Derivation) -> str:
    """A few lines for notebooks: the closed forms and what was proven."""
    p = d.proof
    return (
        rf"$\text{{{d.spec.describe()}}}:\ \frac{{\partial L}}{{\partial F}} = X \star \frac{{\partial L}}{{\partial O}},"
        rf"\ \frac{{\partial L}}{{\partial X}} = \mathrm{{pad}}(\frac{{\partial L}}{{\partial O}}) \star \mathrm{{rot}}_{{180}}(F)"
        rf"\quad ({p.filter.proven}/{p.filter.total} + {p.input.proven}/{p.input.total}\ \text{{identities proven}})$"
    )


Derivation.notebook_summary = summary_latex  # a Derivation shows this in a notebook (_repr_latex_)
