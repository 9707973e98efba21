"""The taps strategy: a loop over the filter taps, each a whole-array operation on strided
views. Single-channel layers and channel layers lay it out differently, so each has its own
strategy object and template; both are called ``taps``."""

from __future__ import annotations

import math

from ...layer import ConvSpec
from .base import ChannelStrategy, SingleChannelStrategy


class Taps(SingleChannelStrategy):
    """Taps on a single-channel layer, batch first: every such layer can take it, and the automatic
    choice takes it when nothing faster suits the layer.

    Examples:
        >>> from symconv.layer import ConvSpec
        >>> Taps().reason(ConvSpec.parse("2000", "3"))
        '1998 outputs per sample are long enough for batch-first whole-array tap operations'
    """

    name = "taps"
    template = "kernel/taps.py.j2"

    def reason(self, spec: ConvSpec) -> str:
        reason = _long_enough(spec)
        if spec.rank == 2:  # where rowgemm applies: say why it did not suit
            reason += f"; rows of {spec.padded_input[1]} are too wide for rowgemm's banded matrix"
        return reason


class ChannelTaps(ChannelStrategy):
    """Taps on a channel layer: a grouped channel contraction (``np.einsum``) per tap. The
    automatic choice never reaches it (gemm suits every channel layer)."""

    name = "taps"
    template = "kernel/channel_taps.py.j2"

    def reason(self, spec: ConvSpec) -> str:
        return _long_enough(spec)


def _long_enough(spec: ConvSpec) -> str:
    return f"{math.prod(spec.output)} outputs per sample are long enough for batch-first whole-array tap operations"
