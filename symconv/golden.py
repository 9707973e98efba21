"""The golden record: the canonical examples committed under ``generated/``.

Regenerate after an intended change to the output, then review the diff:

    python -m symconv.golden            # rewrites generated/
    python -m symconv.golden DIR        # writes elsewhere (the drift test uses this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from .emit import write_entry
from .pipeline import derive

# (input, filter, options): the tutorial's case, a 1-D and a 3-D one, a strided layer with
# asymmetric padding, a grouped layer with bias, and a dilated depthwise one.
GOLDEN_SPECS: tuple[tuple[str, str, dict], ...] = (
    ("3x3", "2x2", {}),
    ("5", "2", {}),
    ("4x5x6", "2x2x3", {}),
    ("7x7", "3x3", {"stride": "2", "padding": "1:0x2:1"}),
    ("7x7", "3x3", {"stride": "2", "padding": "1", "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True}),
    ("10", "3", {"stride": "2", "dilation": "2", "in_channels": 3, "out_channels": 3, "groups": 3}),
)


def regenerate(out: str | Path = "generated") -> list[Path]:
    """Write every golden entry under ``out``; return the paths written."""
    paths: list[Path] = []
    for input_, filter_, options in GOLDEN_SPECS:
        paths.extend(write_entry(derive(input_, filter_, **options), out).paths)
    return paths


if __name__ == "__main__":
    for path in regenerate(sys.argv[1] if len(sys.argv) > 1 else "generated"):
        print(path)
