"""The golden record: the canonical examples committed under ``generated/``.

Regenerate after an intended change to the output, then review the diff:

    python -m symconv.golden            # rewrites generated/
    python -m symconv.golden DIR        # writes elsewhere (the drift test uses this)
    python -m symconv.golden --picture  # also the README's picture (needs TeX Live and poppler-utils)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .api import write_entry
from .derivation import derive
from .io import build_pdf, render_page, screenshot

# (input, filter, options, strategy): the tutorial's case, a 1-D and a 3-D one, a strided layer
# with asymmetric padding, a grouped layer with bias, and a dilated depthwise one, each with the
# strategy chosen for it (None); then one layer per strategy the automatic choice would not pick
# for these sizes, forced, each with stride != dilation, dilation > 1, a remainder r >= d (so a
# missing crop shows), asymmetric padding, and with channels two channels of each kind per group
# (so a naive channel transpose shows): the golden record holds every strategy's code.
GOLDEN_SPECS: tuple[tuple[str, str, dict, str | None], ...] = (
    ("3x3", "2x2", {}, None),
    ("5", "2", {}, None),
    ("4x5x6", "2x2x3", {}, None),
    ("7x7", "3x3", {"stride": "2", "padding": "1:0x2:1"}, None),
    ("7x7", "3x3", {"stride": "2", "padding": "1", "in_channels": 4, "out_channels": 6, "groups": 2, "bias": True},
     None),
    ("10", "3", {"stride": "2", "dilation": "2", "in_channels": 3, "out_channels": 3, "groups": 3}, None),
    ("10x7", "2x3", {"stride": "3x2", "dilation": "2x1", "padding": "0:1x1:0"}, None),
    ("13", "3", {"stride": "3", "dilation": "2", "padding": "2:1"}, "taps"),
    ("9x10", "3x2", {"stride": "3", "dilation": "2", "padding": "1:0x0:2"}, "batchlast"),
    ("11x10", "3x2", {"stride": "3x2", "dilation": "2x1", "padding": "2:0x0:1"}, "rowgemm"),
    ("7x6", "2x3", {"stride": "3x1", "dilation": "2x1", "padding": "1:0x0:1", "in_channels": 4, "out_channels": 4,
                    "groups": 2, "bias": True}, "taps"),
    # winograd applies to 3x3 stride-1 layers only: partial edge tiles, asymmetric padding, groups, bias
    ("11x9", "3x3", {"padding": "3:0x1:2", "in_channels": 4, "out_channels": 4, "groups": 2, "bias": True},
     "winograd"),
)


# The tutorial's example is also kept in Chinese, and as a web page and a notebook in both languages.
GOLDEN_CHINESE = ("conv2d_i3x3_f2x2",)
GOLDEN_WEB = ("conv2d_i3x3_f2x2",)


def regenerate(out: str | Path = "generated") -> list[Path]:
    """Write every golden entry under ``out``; return the paths written."""
    paths: list[Path] = []
    for input_, filter_, options, strategy in GOLDEN_SPECS:
        d = derive(input_, filter_, **options)
        web = d.spec.name in GOLDEN_WEB
        for lang in ("en", "zh") if d.spec.name in GOLDEN_CHINESE else ("en",):
            written = write_entry(d, out, lang, strategy=strategy, html=web, notebook=web)
            paths.extend(p for p in written.paths if p not in paths)
    return paths


# The README shows this page of the tutorial's document: the closed forms, drawn.
PICTURE = (("3x3", "2x2"), 4)


def picture(out: str | Path = "generated") -> tuple[Path, Path]:
    """Build the tutorial's PDF in a temporary folder and render page ``PICTURE[1]`` to PNG, and
    take a screenshot of its web page (needs chromium)."""
    sizes, page = PICTURE
    d = derive(*sizes)
    folder = Path(out) / d.layer.name
    with tempfile.TemporaryDirectory() as tmp:
        written = write_entry(d, tmp, html=True)
        pdf = build_pdf(written.latex)
        return (render_page(pdf, page, folder / f"{d.layer.name}_page{page}.png"),
                screenshot(written.html, folder / f"{d.layer.name}_web.png"))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--picture"]
    folder = args[0] if args else "generated"
    for path in regenerate(folder):
        print(path)
    if "--picture" in sys.argv:
        for path in picture(folder):
            print(path)
