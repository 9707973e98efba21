"""The only exceptions the CLI turns into messages.

Every error a user can cause derives from :class:`SymconvError`; the CLI prints its
message on one line and exits with its ``exit_code``. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

QUOTED = 40  # characters of a value quoted in a message


def quote(value: object) -> str:
    """``repr(value)``, cut to its first characters when long (a message stays one short line).

    Examples:
        >>> quote("3x3"), quote("9" * 100)
        ("'3x3'", "'99999999999999999999999999999999999... (102 characters)")
    """
    text = repr(value)
    return text if len(text) <= QUOTED else f"{text[:QUOTED - 4]}... ({len(text)} characters)"


class SymconvError(Exception):
    """Base class: a problem the user can fix, described in one line."""

    exit_code = 1


class SpecError(SymconvError, ValueError):
    """A layer description that is malformed or describes no convolution.

    Args:
        option: the CLI option (``--input``) or API parameter the problem is about.
        message: what is wrong and what is allowed.
    """

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


class ChainError(SymconvError, ValueError):
    """An expression or a point ``symconv chain`` cannot use (exit code 2).

    Args:
        option: ``expression`` or ``--at``.
        message: what is wrong and what is allowed.
    """

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


class ProofError(SymconvError):
    """An identity between an expansion and its closed form did not hold."""


class OutputError(SymconvError):
    """The output folder cannot be written."""


class KernelError(SymconvError, ImportError):
    """A generated kernel module could not be imported (the message names its file)."""


class CheckError(SymconvError, ValueError):
    """A closed form ``symconv check`` cannot read (exit code 2).

    Args:
        option: ``--grad-input`` or ``--grad-filter``.
        message: what is wrong and what is allowed.
    """

    exit_code = 2

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option
