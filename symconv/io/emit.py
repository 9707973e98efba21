"""The only file writes: all of an entry's files, or none of them.

Every target is checked before anything is written (a folder or another non-file in the
way is refused); each file is then staged under a temporary name in its own folder and the
staged files are renamed over their targets. A file being replaced is first kept under a
backup name (a hard link), so a failure at any moment, a signal included, puts every
previous file back and leaves no temporary file behind. Content is UTF-8 with ``\\n``
line endings (bytes are written as they are). Nothing here renders: callers hand over finished
text (or, for the template cache, compiled code).

``option`` names where a path came from (``--out``, or the cache's ``SYMCONV_CACHE``), so a
message says what the user can change.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import OutputError


def write_files(files: dict[Path, str], option: str = "--out") -> None:
    """Create the files' folders, then write every file atomically (:func:`write_files_atomic`)."""
    for path in files:
        check_target(path, option)
    for folder in dict.fromkeys(path.parent for path in files):
        make_folder(folder, option)
    write_files_atomic(files, option)


def check_target(path: Path, option: str = "--out") -> None:
    """Refuse a target that is not a regular file when it exists (a folder, say), and a folder
    on its way that is a file, before anything is written."""
    if path.exists() and not path.is_file():
        raise OutputError(f"{option}: cannot write {path}: a folder or other non-file of that name is in the way")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{option}: cannot create folder {parent}: a file of that name is in the way")
            break


def make_folder(folder: Path, option: str = "--out") -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{option}: cannot create folder {folder}: a file of that name is in the way") from None
    except OSError as e:
        raise OutputError(f"{option}: cannot create folder {folder}: {e.strerror}") from None


def write_files_atomic(files: dict[Path, str | bytes], option: str = "--out") -> None:
    """Stage every file under a temporary name in its own folder, then rename them all.

    Any failure (an exception or a signal turned into one) removes what this call staged and
    puts back every file it had replaced: the folder is as it was before the call.
    """
    staged: list[tuple[str, Path]] = []
    backups: list[tuple[str, Path]] = []
    renamed: list[Path] = []
    try:
        for path, content in files.items():
            staged.append((_stage(path, content, option), path))
        for tmp, path in staged:
            if path.exists():
                backups.append((_backup(path), path))
            os.replace(tmp, path)
            renamed.append(path)
    except BaseException as e:
        _undo(staged, backups, renamed)
        if isinstance(e, OSError):
            raise OutputError(f"{option}: cannot write {e.filename or 'a file'}: {e.strerror}") from None
        raise
    for backup, _ in backups:
        os.unlink(backup)


def write_text_atomic(path: Path, text: str, option: str = "--out") -> None:
    """Write one file through a temporary name and a rename."""
    write_files_atomic({path: text}, option)


def _stage(path: Path, content: str | bytes, option: str) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"{option}: cannot write in {path.parent}: {e.strerror}") from None
    try:
        binary = isinstance(content, bytes)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, OSError):
            raise OutputError(f"{option}: cannot write {path}: {e.strerror}") from None
        raise
    return tmp


def _backup(path: Path) -> str:
    """A hard link to the file being replaced, in its folder, to restore it should a later step fail."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".bak", dir=path.parent)
    os.close(fd)
    os.unlink(name)
    try:
        os.link(path, name)
    except OSError:  # a file system without hard links: a copy does the same
        shutil.copy2(path, name)
    return name


def _undo(staged: list[tuple[str, Path]], backups: list[tuple[str, Path]], renamed: list[Path]) -> None:
    """Put the folder back: staged files that were not renamed go, replaced files come back,
    new files this call renamed into place go."""
    restored = {path for _, path in backups}
    for tmp, _ in staged:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    for backup, path in backups:
        if os.path.exists(path) and os.path.samefile(backup, path):
            os.unlink(backup)  # never replaced (rename(2) does nothing between two links of one file)
        else:
            os.replace(backup, path)
    for path in renamed:
        if path not in restored and os.path.lexists(path):
            os.unlink(path)
