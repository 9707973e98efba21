"""The ``symconv`` command's entry point, light enough to import before anything else.

It sets up how the command ends before the heavy imports (SymPy, NumPy, Jinja) begin, so that
every moment of a run, from the first line of symconv's code on (the Python interpreter's own
start-up, a few tens of milliseconds, comes before it), behaves alike: Ctrl-C (SIGINT) prints ``Aborted.`` and exits with 130,
SIGTERM prints ``Terminated.`` and exits with 143, both without a traceback, and both unwind
through the same clean-up as an error (an entry being written is put back as it was).
"""

from __future__ import annotations

import gc
import os
import signal
import sys

INTERRUPTED, TERMINATED = 130, 143


class Terminated(BaseException):
    """SIGTERM, raised where the program is so that clean-up runs on the way out."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(args: list[str] | None = None, prog_name: str | None = None) -> None:
    """Run the ``symconv`` command (click's group in ``cli``), ending in one line whatever stops it."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        command = _import_command()  # the heavy imports, now interruptible

        command(args, prog_name=prog_name)
        code = 0
    except SystemExit as e:  # click ends every command this way
        code = e.code
    except KeyboardInterrupt:
        code = _say("Aborted.", INTERRUPTED)
    except Terminated:
        code = _say("Terminated.", TERMINATED)
    _ignore_signals()  # the work is over: a late signal must not turn a finished run into a crash
    if code == INTERRUPTED:
        _leave(code)
    sys.exit(code)


def _leave(code: int) -> None:
    """Exit with ``code`` at once, the clean-up having run on the way here. CPython 3.11 marks a
    KeyboardInterrupt that escaped code run by exec() of a string (dataclasses make their methods
    so while symconv's modules import) as unhandled, though it was caught, and at exit would end
    the process by SIGINT (status -2) instead of with 130."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _import_command():
    """The click command, imported with the cycle collector paused: SymPy's import makes some 10^5
    objects, none in a cycle, which the collector would walk again and again (about 15% of a short
    run's start-up)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from .cli import main as command

        return command
    finally:
        if collecting:
            gc.enable()


def _say(message: str, code: int) -> int:
    _ignore_signals()  # a second Ctrl-C must not interrupt the goodbye
    print(message, file=sys.stderr)
    return code


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
