"""Progress of a long derivation: stages and element counts, reported to whoever listens.

The library reports through a :class:`Progress` (the default, :data:`NULL`, ignores
everything); the CLI passes a :class:`StderrBar`, which draws one line on stderr once
the work has taken longer than :data:`DELAY` seconds, and nothing before.
"""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """A listener: ``stage(name, total)`` starts a stage, ``advance(n)`` counts its elements."""

    def stage(self, name: str, total: int) -> None:
        """A new stage of ``total`` elements (0: a stage without a count)."""

    def advance(self, n: int = 1) -> None:
        """``n`` more elements of the current stage are done."""

    def close(self) -> None:
        """The work is over."""


NULL = Progress()

DELAY = 1.0  # seconds before a bar appears: short work stays silent
INTERVAL = 0.1  # seconds between redraws
WIDTH = 30


class StderrBar(Progress):
    """One redrawn line, ``derive  [######        ]  1200/3600  differentiate``, on ``stream``."""

    def __init__(self, stream: TextIO, delay: float = DELAY, clock=time.monotonic) -> None:
        self.stream, self.delay, self.clock = stream, delay, clock
        self.start = clock()
        self.name, self.total, self.done = "", 0, 0
        self.drawn_at: float | None = None
        self.width = 0

    def stage(self, name: str, total: int) -> None:
        self.name, self.total, self.done = name, total, 0
        self._draw(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw(force=self.done >= self.total)

    def close(self) -> None:
        if self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()

    def line(self) -> str:
        """The text of the bar now."""
        if not self.total:
            return f"symconv  {self.name} ..."
        filled = WIDTH * min(self.done, self.total) // self.total
        return f"symconv  [{'#' * filled}{' ' * (WIDTH - filled)}] {self.done:>{len(str(self.total))}}/{self.total}  {self.name}"

    def _draw(self, force: bool) -> None:
        now = self.clock()
        if now - self.start < self.delay:
            return
        if not force and self.drawn_at is not None and now - self.drawn_at < INTERVAL:
            return
        text = self.line()
        self.stream.write("\r" + text + " " * max(0, self.width - len(text)))
        self.stream.flush()
        self.width, self.drawn_at = max(self.width, len(text)), now
