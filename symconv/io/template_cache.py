"""Compiled templates kept between runs: Jinja's bytecode, in the symconv cache folder.

Compiling the kernel and document templates is about a tenth of a short ``symconv derive``.
Jinja keys the compiled code by the template's name and a checksum of its source, so an edited
template is compiled again; the rendered text is the same either way. Files are written
atomically (``emit``), and a cache that cannot be read or written only costs the compile.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Optional

import jinja2

from ..errors import OutputError
from .emit import make_folder, write_files_atomic
from .kernels import cache_dir


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file bytecode cache under ``cache_dir()/templates``, written atomically, read leniently."""

    def __init__(self, folder: Optional[Path] = None) -> None:
        super().__init__(str(folder or cache_dir() / "templates"))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (EOFError, ValueError, TypeError, OSError, pickle.UnpicklingError):  # a damaged file: compile again
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = io.BytesIO()
        bucket.write_bytecode(code)
        path = Path(self._get_cache_filename(bucket))
        try:
            make_folder(path.parent)
            write_files_atomic({path: code.getvalue()})
        except (OutputError, OSError):  # an unwritable cache: compile next time too
            pass
