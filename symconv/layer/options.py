"""The one table of layer options: it feeds the CLI's flags, the API's keywords and ConvSpec.

Each option has its name (``in_channels``: the API keyword, the ConvSpec field and, as
``--in-channels``, the CLI flag), its help text and default, and the reader that turns what a
user typed into the field's value. Readers run in table order, so a later one may use an
earlier one's result (the stride needs the input's rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ..errors import SpecError
from . import axis
from .parse import MAX_RANK, parse_count, parse_padding, parse_per_axis, parse_size, short

Reader = Callable[[object, dict], object]


@dataclass(frozen=True)
class LayerOption:
    """One layer option: ``name`` (API keyword and field), CLI ``metavar`` and ``help``, the
    ``default`` (``None``: not given), and ``read(value, earlier options) -> field value``."""

    name: str
    metavar: str
    help: str
    default: object
    read: Reader
    required: bool = False
    switch: bool = False  # an on/off flag (--bias/--no-bias)

    @property
    def flag(self) -> str:
        """The CLI flag: ``--in-channels`` for ``in_channels``."""
        return "--" + self.name.replace("_", "-")


def _input(value: object, got: dict) -> tuple[int, ...]:
    inp = parse_size(value, "--input")
    if len(inp) > MAX_RANK:
        raise SpecError("--input", f"{short(inp)} has {len(inp)} axes; symconv supports 1 to {MAX_RANK}")
    return inp


def _filter(value: object, got: dict) -> tuple[int, ...]:
    filt, inp = parse_size(value, "--filter"), got["input"]
    if len(filt) != len(inp):
        raise SpecError("--filter", f"{short(filt)} has {len(filt)} axes but --input {short(inp)} has {len(inp)}; they must match")
    return filt


def _padding(value: object, got: dict):
    extents = tuple(axis.extent(k, d) for k, d in zip(got["filter"], got["dilation"]))
    return parse_padding(value, len(got["input"]), extents, got["stride"])


def _bias(value: object, got: dict) -> bool:
    if not isinstance(value, bool):
        raise SpecError("--bias", f"{value!r} is not allowed; bias is on (True) or off (False)")
    return value


def _count(flag: str) -> Reader:
    return lambda value, got: parse_count(value, flag)


def _per_axis(flag: str) -> Reader:
    return lambda value, got: parse_per_axis(value, len(got["input"]), flag)


SIZE_HELP = "positive integers joined by 'x' (5, 3x3, 4x5x6)"

OPTIONS: tuple[LayerOption, ...] = (
    LayerOption("input", "SIZE", f"Input size: {SIZE_HELP}.", None, _input, required=True),
    LayerOption("filter", "SIZE", "Filter size, same number of axes as --input.", None, _filter, required=True),
    LayerOption("stride", "S", "Stride: one value (2) or one per axis (2x1).", 1, _per_axis("--stride")),
    LayerOption("dilation", "D", "Dilation: one value (2) or one per axis (2x1).", 1, _per_axis("--dilation")),
    LayerOption("padding", "P", "Zero padding: 1, per axis 1x2, per side and axis 1:0x2:1 (lo:hi), or valid, "
                "same (stride 1), full.", 0, _padding),
    LayerOption("in_channels", "C", "Input channels (gives tensors PyTorch's (N, C, ...) layout).", None,
                _count("--in-channels")),
    LayerOption("out_channels", "C", "Output channels.", None, _count("--out-channels")),
    LayerOption("groups", "G", "Channel groups; must divide both channel counts (depthwise: groups = in-channels).",
                None, _count("--groups")),
    LayerOption("batch", "N", "Samples in the symbolic derivation (default 1; kernels take any batch).", None,
                _count("--batch")),
    LayerOption("bias", "", "Add a bias per output channel, and dL/db.", False, _bias, switch=True),
)
NAMES = tuple(option.name for option in OPTIONS)


def read_options(values: Mapping[str, object]) -> dict[str, object]:
    """Every layer option's field value from ``values`` (missing ones take their default).

    Examples:
        >>> read_options({"input": "7x5", "filter": "3x3", "stride": "2x1"})["stride"]
        (2, 1)
        >>> read_options({"input": "3", "filter": "2", "colour": 1})
        Traceback (most recent call last):
        ...
        symconv.errors.SpecError: colour: not a layer option; the options are input, filter, stride, dilation, padding, in_channels, out_channels, groups, batch, bias
    """
    unknown = [name for name in values if name not in NAMES]
    if unknown:
        raise SpecError(unknown[0], f"not a layer option; the options are {', '.join(NAMES)}")
    got: dict[str, object] = {}
    for option in OPTIONS:
        got[option.name] = option.read(values.get(option.name, option.default), got)
    return got
