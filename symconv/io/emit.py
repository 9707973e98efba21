"""The only file writes: each file staged under a temporary name in its own folder, then renamed.

A reader never sees half a file and a failure leaves the previous version intact. Text is
UTF-8 with ``\\n`` line endings; bytes are written as they are. Nothing here renders: callers
hand over finished text (or, for the template cache, compiled code).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import OutputError


def write_files(files: dict[Path, str]) -> None:
    """Create the files' folders, then write every file atomically (:func:`write_files_atomic`)."""
    for folder in dict.fromkeys(path.parent for path in files):
        make_folder(folder)
    write_files_atomic(files)


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out: cannot create folder {folder}: a file of that name is in the way") from None
    except OSError as e:
        raise OutputError(f"--out: cannot create folder {folder}: {e.strerror}") from None


def write_files_atomic(files: dict[Path, str | bytes]) -> None:
    """Write each file to a temporary name in its own folder, then rename them all.

    A failure while writing leaves every previous file as it was and no temporary file behind;
    only the renames, which do not fail on a working disk, remain after the last write.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, content in files.items():
            staged.append((_stage(path, content), path))
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def write_text_atomic(path: Path, text: str) -> None:
    """Write one file through a temporary name and a rename."""
    write_files_atomic({path: text})


def _stage(path: Path, content: str | bytes) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"--out: cannot write in {path.parent}: {e.strerror}") from None
    try:
        binary = isinstance(content, bytes)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"--out: cannot write {path}: {e.strerror}") from None
        raise
    return tmp
