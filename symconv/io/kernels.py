"""Import generated kernel modules as real files.

Modules are loaded with ``importlib`` from their file, so tracebacks and ``inspect``
show the generated source. A Derivation is rendered into a cache folder under a name
made from a hash of the module's text, so different kernels never collide and the same
kernel is written once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional, Union

from .emit import write_text_atomic
from .errors import KernelError
from .pipeline import Derivation
from .render import render_numpy

CACHE_ENV = "SYMCONV_CACHE"


def cache_dir() -> Path:
    """``$SYMCONV_CACHE``, else ``$XDG_CACHE_HOME/symconv``, else ``~/.cache/symconv``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "symconv"


def load_kernel(source: Union[Derivation, str, os.PathLike], strategy: Optional[str] = None) -> ModuleType:
    """Import a generated kernel module.

    Args:
        source: a :class:`Derivation` (rendered into the cache and imported), the path of a
            generated ``.py`` file, or an entry folder written by ``symconv derive``.
        strategy: for a Derivation, ``None`` (automatic) or a strategy name (see
            ``render_numpy``); a file is imported as written.

    Returns:
        The module, with ``forward``, ``grad_filter`` and ``grad_input``.
    """
    if isinstance(source, Derivation):
        return _import(_cached(render_numpy(source, strategy), source.layer.name))
    path = Path(source)
    if path.is_dir():
        path = path / f"{path.name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no generated kernel at {path}")
    return _import(path)


def _cached(text: str, name: str) -> Path:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    path = cache_dir() / f"{name}_{digest}.py"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
    return path


def _import(path: Path) -> ModuleType:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    module_name = f"symconv_kernel_{path.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as e:
        # All or nothing: a module that failed half-way must not be found by the next load.
        sys.modules.pop(module_name, None)
        if isinstance(e, Exception):
            raise KernelError(f"cannot load the kernel {path}: {type(e).__name__}: {e}") from e
        raise
    return module
