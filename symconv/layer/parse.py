"""Reading the layer options a user types (``"3x3"``, ``"2x1"``, ``"1:0x2:1"``, ``"same"``).

Each parser takes the option's value and the option's name, and raises :class:`SpecError`
naming that option. The table of options that calls them is ``options.py``.
"""

from __future__ import annotations

import re
from typing import Optional, Union

from ..errors import QUOTED, SpecError, quote

Shape = tuple[int, ...]
Padding = tuple[tuple[int, int], ...]

MAX_RANK = 3
_SIZE = re.compile(r"[0-9]+(x[0-9]+)*")
_SIDES = re.compile(r"[0-9]+(:[0-9]+)?(x[0-9]+(:[0-9]+)?)*")
PADDING_WORDS = ("valid", "same", "full")

SizeLike = Union[str, int, Shape]
CountLike = Union[str, int, None]

# The largest number an option may hold: a kernel indexes with 64-bit integers (a size, stride
# or padding near 2**63 makes its index arithmetic overflow). The memory guard refuses far
# smaller layers long before this; the limit is for strides and dilations on small inputs.
MAX_VALUE = 2**62


def _integer(text: str, option: str, value: object) -> int:
    """The int ``text`` spells, refused beyond MAX_VALUE (checked on the digits: Python will not
    convert more than 4300 of them)."""
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_VALUE)) or int(digits) > MAX_VALUE:
        raise SpecError(option, f"{quote(value)} holds a number above {MAX_VALUE}, more than a kernel can index")
    return int(digits)


def parse_size(value: SizeLike, option: str) -> Shape:
    """Read a size such as ``"3x3"``, ``5`` or ``(7, 5)`` as a tuple of positive ints.

    Examples:
        >>> parse_size("7x5", "--input")
        (7, 5)
        >>> parse_size(4, "--filter")
        (4,)
    """
    if isinstance(value, str):
        text = value.strip().lower()
        if re.fullmatch(r"[-+0-9x.]+", text) and re.search(r"-[0-9]", text):
            raise SpecError(option, f"{quote(value)} has a negative entry; every entry must be a positive integer, e.g. 3x3")
        if not _SIZE.fullmatch(text):
            raise SpecError(option, f"{quote(value)} is not a size; write positive integers joined by 'x', e.g. 3x3")
        value = tuple(_integer(part, option, value) for part in text.split("x"))
    elif isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    return _positive_tuple(value, option)


def _positive_tuple(value: object, option: str) -> Shape:
    if not isinstance(value, tuple) or not value:
        raise SpecError(option, f"{quote(value)} is not a size; write positive integers joined by 'x', e.g. 3x3")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise SpecError(option, f"{quote(value)} must hold integers only, e.g. 3x3")
    if any(v < 1 for v in value):
        raise SpecError(option, f"{short(value)} has a size below 1; every entry must be a positive integer")
    if any(v > MAX_VALUE for v in value):
        raise SpecError(option, f"{short(value)} holds a number above {MAX_VALUE}, more than a kernel can index")
    return value


def parse_count(value: CountLike, option: str) -> Optional[int]:
    """Read a channel, group or batch count: a positive integer, or ``None`` (not given).

    Examples:
        >>> parse_count("4", "--in-channels")
        4
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]+", value.strip()):
            raise SpecError(option, f"{quote(value)} is not a count; give a positive integer, e.g. 4")
        value = _integer(value.strip(), option, value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SpecError(option, f"{quote(value)} is not a count; give a positive integer, e.g. 4")
    if value > MAX_VALUE:
        raise SpecError(option, f"{quote(value)} is above {MAX_VALUE}, more than a kernel can index")
    return value


def parse_per_axis(value: SizeLike, rank: int, option: str) -> Shape:
    """Read a stride or dilation: one number for every axis, or one per axis (``2x1``).

    Examples:
        >>> parse_per_axis(2, 2, "--stride")
        (2, 2)
        >>> parse_per_axis("2x1", 2, "--stride")
        (2, 1)
    """
    values = parse_size(value, option)
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise SpecError(option, f"{short(values)} has {len(values)} axes but the input has {rank}; give one value or {rank}")
    return values


def parse_padding(value: Union[str, int, Padding], rank: int, filter_extent: Shape, stride: Shape) -> Padding:
    """Read a padding: ``1``, per axis ``1x2``, per side ``1:0x2:1`` (lo:hi), or a word.

    ``same`` keeps the input size (stride 1 only) and puts an odd extra zero on the
    high side, as PyTorch does; ``full`` pads ``d(K-1)`` on both sides.

    Examples:
        >>> parse_padding("1:0x2:1", 2, (3, 3), (1, 1))
        ((1, 0), (2, 1))
        >>> parse_padding("same", 1, (4,), (1,))
        ((1, 2),)
    """
    option = "--padding"
    if isinstance(value, str) and value.strip().lower() in PADDING_WORDS:
        return _padding_word(value.strip().lower(), filter_extent, stride)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, tuple):
        return _padding_tuple(value, rank)
    if not isinstance(value, str) or not _SIDES.fullmatch(value.strip()):
        raise SpecError(option, f"{quote(value)} is not a padding; write 1, 1x2, 1:0x2:1 (lo:hi per axis) or one of {', '.join(PADDING_WORDS)}")
    axes = [_sides(part, value) for part in value.strip().split("x")]
    if len(axes) == 1:
        axes = axes * rank
    if len(axes) != rank:
        raise SpecError(option, f"{quote(value)} has {len(axes)} axes but the input has {rank}; give one value or {rank}")
    return tuple(axes)


def _sides(text: str, value: object) -> tuple[int, int]:
    lo, _, hi = text.partition(":")
    return (_integer(lo, "--padding", value), _integer(hi or lo, "--padding", value))


def _padding_word(word: str, filter_extent: Shape, stride: Shape) -> Padding:
    if word == "valid":
        return tuple((0, 0) for _ in filter_extent)
    if word == "full":
        return tuple((e - 1, e - 1) for e in filter_extent)
    if any(s != 1 for s in stride):
        raise SpecError("--padding", "'same' needs stride 1 on every axis (the output size would depend on the input size)")
    return tuple(((e - 1) // 2, (e - 1) - (e - 1) // 2) for e in filter_extent)


def _padding_tuple(value: tuple, rank: int) -> Padding:
    ok = len(value) == rank and all(
        isinstance(p, tuple) and len(p) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in p)
        for p in value
    )
    if not ok:
        raise SpecError("--padding", f"{quote(value)} must be {rank} (lo, hi) pairs of integers")
    if any(v < 0 for p in value for v in p):
        raise SpecError("--padding", f"{quote(value)} has a negative entry; padding counts zeros and must be >= 0")
    if any(v > MAX_VALUE for p in value for v in p):
        raise SpecError("--padding", f"{quote(value)} holds a number above {MAX_VALUE}, more than a kernel can index")
    return value


def show(shape: Shape) -> str:
    """``(3, 3)`` -> ``"3x3"``."""
    return "x".join(str(v) for v in shape)


def short(shape: Shape) -> str:
    """Like :func:`show`, cut to its first characters when long (for messages).

    Examples:
        >>> short((3,) * 5001)
        '3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x3x... (5001 axes)'
    """
    text = show(shape)
    return text if len(text) <= QUOTED else f"{text[:QUOTED - 4]}... ({len(shape)} axes)"


def compact(shape: Shape) -> str:
    """Like :func:`show`, but one value when every axis agrees: ``(2, 2)`` -> ``"2"``."""
    return str(shape[0]) if len(set(shape)) == 1 else show(shape)
