"""The Jinja environments: where templates are found and how they are filled.

Templates live in the top-level ``templates/`` folder (shipped inside the wheel as
``symconv/templates``): ``kernel/`` holds the kernel module templates, ``document/`` the
LaTeX documents. :func:`template_dirs` is the one place that finds them. Templates receive
strings only (every expression is printed by ``printing``) and load strictly.
"""

from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from pathlib import Path
from typing import Optional

import jinja2

from . import mathml

TEMPLATE_ENV = "SYMCONV_TEMPLATES"
_MARKER = Path("kernel", "kernel.py.j2")  # a file every templates folder has
_COMPILED: list[Optional[jinja2.BytecodeCache]] = [None]  # where compiled templates are kept, if anywhere


def use_compiled_cache(cache: Optional[jinja2.BytecodeCache]) -> None:
    """Keep compiled templates in ``cache`` between processes (``io.TemplateCache``, which does
    the writing: rendering itself writes nothing); ``None``: compile them in every process."""
    _COMPILED[0] = cache
    _environment.cache_clear()


def template_dirs() -> list[Path]:
    """Where templates are looked up, in order: ``$SYMCONV_TEMPLATES``, the packaged copy, the source tree."""
    package = Path(__file__).resolve().parent.parent
    candidates = [os.environ.get(TEMPLATE_ENV), package / "templates", package.parent / "templates"]
    return [Path(c) for c in candidates if c and (Path(c) / _MARKER).is_file()]


@lru_cache(maxsize=None)
def _environment(latex: bool, dirs: tuple[Path, ...]) -> jinja2.Environment:
    if not dirs:
        raise FileNotFoundError("symconv cannot find its templates/ folder; reinstall symconv")
    delimiters = dict(
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
    ) if latex else {}
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        bytecode_cache=_COMPILED[0],
        **delimiters,
    )
    environment.filters.update(FILTERS)
    return environment


# The web page's and the notebook's printers (render.mathml), for their layouts: mathematics
# arrives as LaTeX in the context and each form prints it in its own markup.
FILTERS = {"math": mathml.mathml, "display": lambda tex: mathml.mathml(tex, display=True), "mi": mathml.inner,
           "prose": mathml.prose_html, "markdown": mathml.prose_markdown}


def render(template: str, context: object, layout: Optional[str] = None) -> str:
    """Fill ``template`` (a path under ``templates/``; the document's, under ``document/``, take
    LaTeX delimiters) with the fields of the frozen dataclass ``context``, each a template
    variable; ``layout`` names the template the document's prose extends (its form)."""
    latex = template.startswith("document/")
    fields = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    if layout is not None:
        fields["layout"] = layout
    return _environment(latex, tuple(template_dirs())).get_template(template).render(fields)
