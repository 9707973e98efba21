"""The document's LaTeX as MathML and markdown: the printer of the web page and the notebook.

The document context holds its mathematics as LaTeX (``printing`` made it); the web page shows
it as MathML, which current browsers typeset natively, offline. ``latex2mathml`` converts one
formula; this module feeds it the document's notation (``\\dLd``), and marks any command it does
not know as ``<merror>``, so a formula the page cannot show is an error the browser test sees,
never silent garbage. :func:`prose_html` and :func:`prose_markdown` turn the prose blocks of the
document templates (TeX text with ``$...$`` mathematics) into HTML and into Jupyter markdown.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

_MACROS = ((re.compile(r"\\dLd\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}"), r"\\frac{\\partial L}{\\partial \1}"),
           (re.compile(r"\\allowbreak\s*"), ""))
_UNKNOWN = re.compile(r"<mi>(\\[A-Za-z]+)</mi>")
_WRAPPER = re.compile(r"^<math[^>]*>(.*)</math>$", re.S)


def expand_macros(tex: str) -> str:
    r"""The document's own macros written out.

    Examples:
        >>> expand_macros(r"\dLd{O_{11}}")
        '\\frac{\\partial L}{\\partial O_{11}}'
    """
    for pattern, replacement in _MACROS:
        tex = pattern.sub(replacement, tex)
    return tex


@lru_cache(maxsize=1 << 14)
def mathml(tex: str, display: bool = False) -> str:
    """One formula as a ``<math>`` element; an unknown command becomes an ``<merror>``.

    Examples:
        >>> mathml("X_{12}")
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msub><mi>X</mi><mrow><mn>12</mn></mrow></msub></mrow></math>'
        >>> "<merror>" in mathml(r"\\nosuchcommand")
        True
    """
    # Imported here: latex2mathml and what it imports cost some 50 ms, and only the web page and
    # the notebook need them, not every `symconv derive`.
    from latex2mathml.converter import convert

    out = convert(expand_macros(tex), display="block" if display else "inline")
    return _UNKNOWN.sub(r"<merror><mtext>\1</mtext></merror>", out)


def inner(tex: str) -> str:
    """The MathML of ``tex`` without its ``<math>`` element, to place in a table cell of a larger formula."""
    match = _WRAPPER.match(mathml(tex))
    return match.group(1) if match else mathml(tex)


_MATH = re.compile(r"\$([^$]+)\$")
_TEXT_COMMANDS = {"emph": "em", "textbf": "strong", "texttt": "code"}
_COMMAND_ARG = re.compile(r"\\(emph|textbf|texttt)\{((?:[^{}$]|\$[^$]*\$|\{[^{}$]*\})*)\}")


def _marked(tex: str, opening: dict, closing: dict) -> str:
    """``\\emph{...}`` and friends replaced by their markup, whose text may hold ``$...$`` mathematics."""
    return _COMMAND_ARG.sub(lambda m: opening[m[1]] + _marked(m[2], opening, closing) + closing[m[1]], tex)


def _text_html(text: str) -> str:
    text = re.sub(r"\\(large|small|normalsize|bigskip|noindent)\b\s*", "", text)
    text = html.escape(text.replace("-{}-", "--").replace("~", "\u00a0"), quote=False)
    text = re.sub("\x01(/?)([a-z]+)\x02", r"<\1\2>", text)
    return re.sub(r"\\\\(\[[^\]]*\])?\s*", "<br>", text)


def prose_html(tex: str) -> str:
    r"""A prose block of the document templates as HTML: ``$...$`` as MathML, ``\emph``, ``\textbf``,
    ``\texttt`` as their HTML elements, text escaped.

    Examples:
        >>> prose_html(r"\emph{valid} $x$ & more")
        '<em>valid</em> <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mi>x</mi></mrow></math> &amp; more'
    """
    tags = {k: "\x01%s\x02" % v for k, v in _TEXT_COMMANDS.items()}
    parts = _MATH.split(_marked(tex, tags, {k: "\x01/%s\x02" % v for k, v in _TEXT_COMMANDS.items()}))
    return "".join(mathml(p) if i % 2 else _text_html(p) for i, p in enumerate(parts)).strip()


def prose_markdown(tex: str) -> str:
    r"""A prose block as Jupyter markdown: mathematics stays LaTeX between ``$`` (MathJax typesets
    it), ``\emph`` and friends become ``*``, ``**`` and backticks, lines are joined.

    Examples:
        >>> prose_markdown(r"\textbf{Summary.} see \texttt{symconv -{}-full}~now")
        '**Summary.** see `symconv --full` now'
    """
    marks = {"emph": "*", "textbf": "**", "texttt": "`"}
    parts = _MATH.split(_marked(tex, marks, marks))
    out = []
    for i, p in enumerate(parts):
        if i % 2:
            out.append("$%s$" % expand_macros(p).strip())
            continue
        p = p.replace("-{}-", "--").replace("~", " ")
        out.append(re.sub(r"\\\\(\[[^\]]*\])?\s*", "\0", p))
    return re.sub(r"\s*\n\s*", " ", "".join(out)).replace("\0", "  \n").strip()
