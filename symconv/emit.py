"""The only file I/O: render everything first, then write each file atomically.

A file is written to a temporary name in its own folder and renamed over the target,
so a reader never sees half a file and a failure leaves the previous version intact.
Content is UTF-8 with ``\\n`` line endings.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .pipeline import Derivation
from .render import render_latex, render_numpy


@dataclass(frozen=True)
class Written:
    """The files of one spec's entry, as paths under the chosen output folder."""

    folder: Path
    latex: Path
    kernel: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.latex, self.kernel)


def entry_files(d: Derivation, out: Path) -> dict[Path, str]:
    """``{path: text}`` for one spec's entry: ``<out>/<name>/<name>.tex`` and ``.py``."""
    folder = Path(out) / d.spec.name
    return {
        folder / f"{d.spec.name}.tex": render_latex(d),
        folder / f"{d.spec.name}.py": render_numpy(d),
    }


def write_entry(d: Derivation, out: str | os.PathLike = "generated") -> Written:
    """Render ``d`` and write its entry under ``out``; nothing is written if rendering fails."""
    files = entry_files(d, Path(out))  # renders (and checks the proof) before any write
    folder = next(iter(files)).parent
    _make_folder(folder)
    for path, text in files.items():
        write_text_atomic(path, text)
    return Written(folder, *files)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out: cannot create folder {folder}: a file of that name is in the way") from None
    except OSError as e:
        raise OutputError(f"--out: cannot create folder {folder}: {e.strerror}") from None


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"--out: cannot write in {path.parent}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise OutputError(f"--out: cannot write {path}: {e.strerror}") from None
