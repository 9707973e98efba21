"""The web page and the notebook: the document's other two forms, from the same context and prose.

``render_html`` fills ``templates/document/html/derivation.html.j2`` (MathML and inline SVG, one
self-contained file). ``render_notebook`` fills ``templates/document/notebook/derivation.ipynb.j2``,
whose text is a sequence of cells, each opened by a marker line, and builds the nbformat 4 JSON
from it here: cell ids are their positions, so the file is the same on every run.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

from ..derivation import Derivation
from ..derivation.general import GeneralProof
from .document import document_context
from .latex import check_language
from .proven import require_proof
from .templates import render

CELL_MARK = "#%% "  # a line opening a cell: "#%% markdown", "#%% code", or "#%% attachment NAME" (an SVG)


def render_html(d: Derivation, lang: str = "en", full: bool = False,
                general: Optional[Sequence[GeneralProof]] = None) -> str:
    """The derivation as one self-contained HTML page (MathML, inline SVG, no script, nothing fetched)."""
    check_language(lang)
    require_proof(d)
    return render(f"document/prose_{lang}.j2", document_context(d, full, general), layout="document/html/derivation.html.j2")


def render_notebook(d: Derivation, lang: str = "en", full: bool = False,
                    general: Optional[Sequence[GeneralProof]] = None) -> str:
    """The derivation as a Jupyter notebook (nbformat 4.5 JSON): the story in markdown cells, then code
    cells that import the generated kernel from the notebook's folder and check it numerically."""
    check_language(lang)
    require_proof(d)
    text = render(f"document/prose_{lang}.j2", document_context(d, full, general),
                  layout="document/notebook/derivation.ipynb.j2")
    return notebook_json(text, lang)


def notebook_json(text: str, lang: str = "en") -> str:
    """nbformat 4.5 JSON of cells written as marked text (see CELL_MARK).

    Examples:
        >>> nb = json.loads(notebook_json("#%% markdown\\n# Title\\n#%% code\\nprint(1)\\n"))
        >>> [(c["cell_type"], c["id"], c["source"]) for c in nb["cells"]]
        [('markdown', 'cell-1', ['# Title']), ('code', 'cell-2', ['print(1)'])]
    """
    cells: list[dict] = []
    for chunk in ("\n" + text).split("\n" + CELL_MARK)[1:]:
        head, _, body = chunk.partition("\n")
        kind, _, name = head.partition(" ")
        if kind == "attachment":
            cells[-1].setdefault("attachments", {})[name] = {"image/svg+xml": body.strip("\n")}
            continue
        cells.append(_cell(kind, body.strip("\n"), len(cells) + 1))
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"}, "symconv": {"lang": lang}}
    notebook = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _cell(kind: str, source: str, number: int) -> dict:
    lines = source.split("\n")
    cell = {"cell_type": kind, "id": f"cell-{number}", "metadata": {},
            "source": [line + "\n" for line in lines[:-1]] + lines[-1:]}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
