"""The layout shows the flow: a module's folder says what it may import, and imports run one way.

    layer <- derivation <- {render, check} <- verify <- {chain, api} <- cli        io uses only errors
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "symconv"
# What each stage may import from symconv (besides itself); errors, progress and version are the base.
BASE = {"errors", "progress", "version"}
ALLOWED = {
    "layer": BASE,
    "derivation": BASE | {"layer"},
    "render": BASE | {"layer", "derivation"},
    "io": BASE,
    "chain": BASE | {"render"},
    "check": BASE | {"layer", "derivation"},
    "verify": BASE | {"layer", "derivation", "render"},
    "api": BASE | {"layer", "derivation", "render", "io", "check", "verify"},
    "golden": BASE | {"api", "derivation", "io"},
    "cli": BASE | {"api", "layer", "derivation", "render", "io", "chain", "check"},
    "launch": {"cli"},  # the entry point: it imports the command only after its signal set-up
}


def _stage(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """The symconv stages a module imports, at module or function level."""
    here = path.relative_to(PACKAGE).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            parts = list(here[: len(here) - (node.level - 1)]) + (node.module.split(".") if node.module else [])
            names = [parts] if parts else [[alias.name] for alias in node.names]
            found |= {p[0] for p in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("symconv."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("symconv.")}
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _stage(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_earlier_stages(path):
    stage = _stage(path)
    assert _imports(path) - {stage} <= ALLOWED[stage], f"{path.relative_to(ROOT)} imports against the flow"


def test_every_module_belongs_to_a_stage():
    stray = [p for p in PACKAGE.rglob("*.py") if _stage(p) not in set(ALLOWED) | {"__init__", "__main__"} | BASE]
    assert not stray
