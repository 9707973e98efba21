"""Import generated kernel modules as real files, and cache them by content.

Modules are loaded with ``importlib`` from their file, so tracebacks and ``inspect`` show
the generated source. Kernel text is cached under a name made from a hash of the text, so
different kernels never collide and the same kernel is written once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from ..errors import KernelError
from .emit import check_target, make_folder, write_text_atomic

CACHE_ENV = "SYMCONV_CACHE"


def cache_dir() -> Path:
    """``$SYMCONV_CACHE``, else ``$XDG_CACHE_HOME/symconv``, else ``~/.cache/symconv``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "symconv"


def cached(text: str, name: str) -> Path:
    """The cache file holding the kernel ``text``: ``<name>_<hash>.py``, written atomically when it
    is missing or does not hold exactly ``text`` (a truncated or replaced file is rewritten, never run)."""
    digest = _digest(text.encode("utf-8"))
    path = cache_dir() / f"{name}_{digest}.py"
    if not (path.is_file() and _digest(path.read_bytes()) == digest):
        check_target(path, CACHE_ENV)
        make_folder(path.parent, CACHE_ENV)
        write_text_atomic(path, text, CACHE_ENV)
    return path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def kernel_file(source: str | os.PathLike) -> Path:
    """The ``.py`` file of ``source``: a generated file, or an entry folder written by ``symconv derive``."""
    path = Path(source)
    if path.is_dir():
        path = path / f"{path.name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no generated kernel at {path}")
    return path


def import_kernel(path: Path) -> ModuleType:
    """Import the module at ``path`` (once per content), all or nothing."""
    digest = _digest(path.read_bytes())
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
