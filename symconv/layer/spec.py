"""ConvSpec: the layer being derived, and all of its index arithmetic.

Every index range in symconv comes from a method here: output size, the input
position a tap reads, the remainder of a stride, the paddings of the gradient
convolutions. Other modules ask; they never compute an index themselves.

Index conventions: 0-based tuples, one entry per spatial axis. Documents show them
1-based, as the tutorial does.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from typing import Iterator, Optional, Union

from .errors import SpecError

Shape = tuple[int, ...]
Index = tuple[int, ...]
Padding = tuple[tuple[int, int], ...]

MAX_RANK = 3
_SIZE = re.compile(r"[0-9]+(x[0-9]+)*")
_SIDES = re.compile(r"[0-9]+(:[0-9]+)?(x[0-9]+(:[0-9]+)?)*")
PADDING_WORDS = ("valid", "same", "full")

SizeLike = Union[str, int, Shape]
CountLike = Union[str, int, None]


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
            raise SpecError(option, f"{value!r} has a negative entry; every entry must be a positive integer, e.g. 3x3")
        if not _SIZE.fullmatch(text):
            raise SpecError(option, f"{value!r} is not a size; write positive integers joined by 'x', e.g. 3x3")
        value = tuple(int(part) for part in text.split("x"))
    elif isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    return _positive_tuple(value, option)


def _positive_tuple(value: object, option: str) -> Shape:
    if not isinstance(value, tuple) or not value:
        raise SpecError(option, f"{value!r} is not a size; write positive integers joined by 'x', e.g. 3x3")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise SpecError(option, f"{value!r} must hold integers only, e.g. 3x3")
    if any(v < 1 for v in value):
        raise SpecError(option, f"{show(value)} has a size below 1; every entry must be a positive integer")
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
            raise SpecError(option, f"{value!r} is not a count; give a positive integer, e.g. 4")
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SpecError(option, f"{value!r} is not a count; give a positive integer, e.g. 4")
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
        raise SpecError(option, f"{show(values)} has {len(values)} axes but the input has {rank}; give one value or {rank}")
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
        raise SpecError(option, f"{value!r} is not a padding; write 1, 1x2, 1:0x2:1 (lo:hi per axis) or one of {', '.join(PADDING_WORDS)}")
    axes = [_sides(part) for part in value.strip().split("x")]
    if len(axes) == 1:
        axes = axes * rank
    if len(axes) != rank:
        raise SpecError(option, f"{value!r} has {len(axes)} axes but the input has {rank}; give one value or {rank}")
    return tuple(axes)


def _sides(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition(":")
    return (int(lo), int(hi or lo))


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
        raise SpecError("--padding", f"{value!r} must be {rank} (lo, hi) pairs of integers")
    if any(v < 0 for p in value for v in p):
        raise SpecError("--padding", f"{value!r} has a negative entry; padding counts zeros and must be >= 0")
    return value


@dataclass(frozen=True)
class ConvSpec:
    """One convolution layer (deep-learning convolution = cross-correlation).

    Build it with :meth:`parse` from user text, or directly from tuples; both validate.

    Examples:
        >>> spec = ConvSpec.parse("3x3", "2x2")
        >>> spec.output
        (2, 2)
        >>> spec.name
        'conv2d_i3x3_f2x2'
    """

    input: Shape
    filter: Shape
    stride: Shape = ()
    dilation: Shape = ()
    padding: Padding = ()
    in_channels: Optional[int] = None
    out_channels: Optional[int] = None
    groups: Optional[int] = None
    batch: Optional[int] = None
    bias: bool = False

    def __post_init__(self) -> None:
        rank = len(_positive_tuple(self.input, "--input"))
        _positive_tuple(self.filter, "--filter")
        if not 1 <= rank <= MAX_RANK:
            raise SpecError("--input", f"{show(self.input)} has {rank} axes; symconv supports 1 to {MAX_RANK}")
        if len(self.filter) != rank:
            raise SpecError("--filter", f"{show(self.filter)} has {len(self.filter)} axes but --input {show(self.input)} has {rank}; they must match")
        object.__setattr__(self, "stride", self.stride or (1,) * rank)
        object.__setattr__(self, "dilation", self.dilation or (1,) * rank)
        object.__setattr__(self, "padding", self.padding or ((0, 0),) * rank)
        for option, value in (("--stride", self.stride), ("--dilation", self.dilation)):
            if len(_positive_tuple(value, option)) != rank:
                raise SpecError(option, f"{show(value)} has {len(value)} axes but the input has {rank}; they must match")
        _padding_tuple(self.padding, rank)
        self._check_nonempty()
        self._check_channels()

    @classmethod
    def parse(
        cls,
        input: SizeLike,
        filter: SizeLike,
        *,
        stride: SizeLike = 1,
        dilation: SizeLike = 1,
        padding: Union[str, int, Padding] = 0,
        in_channels: CountLike = None,
        out_channels: CountLike = None,
        groups: CountLike = None,
        batch: CountLike = None,
        bias: bool = False,
    ) -> "ConvSpec":
        """Validate user text (the CLI's option values) into a spec."""
        inp = parse_size(input, "--input")
        filt = parse_size(filter, "--filter")
        if len(filt) != len(inp):
            raise SpecError("--filter", f"{show(filt)} has {len(filt)} axes but --input {show(inp)} has {len(inp)}; they must match")
        strides = parse_per_axis(stride, len(inp), "--stride")
        dilations = parse_per_axis(dilation, len(inp), "--dilation")
        extent = tuple(d * (k - 1) + 1 for d, k in zip(dilations, filt))
        pads = parse_padding(padding, len(inp), extent, strides)
        counts = {
            name: parse_count(value, "--" + name.replace("_", "-"))
            for name, value in (
                ("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups), ("batch", batch)
            )
        }
        return cls(inp, filt, strides, dilations, pads, bias=bool(bias), **counts)

    def _check_nonempty(self) -> None:
        for axis, (i, (lo, hi), e) in enumerate(zip(self.input, self.padding, self.extent)):
            if i + lo + hi < e:
                what = "padded input" if lo or hi else "input"
                raise SpecError(
                    "--filter",
                    f"{show(self.filter)} reaches {e} on axis {axis + 1} but the {what} has only {i + lo + hi}: "
                    "the output would be empty (the filter's reach must fit in the padded input)",
                )

    def _check_channels(self) -> None:
        for name in ("in_channels", "out_channels", "groups", "batch"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise SpecError("--" + name.replace("_", "-"), f"{value!r} is not allowed; give a positive integer")
        if not isinstance(self.bias, bool):
            raise SpecError("--bias", f"{self.bias!r} is not allowed; bias is on or off")
        for name, count in (("--in-channels", self.c_in), ("--out-channels", self.c_out)):
            if count % self.n_groups:
                raise SpecError(
                    "--groups",
                    f"{self.n_groups} groups do not divide {name} {count}; groups must divide both channel counts",
                )

    # -- channels and batch --------------------------------------------------
    @property
    def channelled(self) -> bool:
        """Whether tensors carry channel axes (PyTorch layout): any channel option, or a bias."""
        return self.bias or any(v is not None for v in (self.in_channels, self.out_channels, self.groups))

    @property
    def batched(self) -> bool:
        """Whether the symbolic tensors carry a sample axis (``batch`` was given)."""
        return self.batch is not None

    @property
    def c_in(self) -> int:
        return self.in_channels or 1

    @property
    def c_out(self) -> int:
        return self.out_channels or 1

    @property
    def n_groups(self) -> int:
        return self.groups or 1

    @property
    def n_batch(self) -> int:
        return self.batch or 1

    @property
    def cg_in(self) -> int:
        """Input channels per group (the filter's second axis)."""
        return self.c_in // self.n_groups

    @property
    def cg_out(self) -> int:
        """Output channels per group."""
        return self.c_out // self.n_groups

    def representative(self) -> "ConvSpec":
        """The same layer with at most 2 groups, 2 channels of each kind per group and 2 samples.

        Every relation between channels and samples of the layer occurs in it (a group with two
        input and two output channels exercises the per-group transpose), so its proof, element
        by element, carries over to the whole layer by renaming (see ``pipeline.derive``).

        Examples:
            >>> ConvSpec.parse("32x32", "3x3", in_channels=16, out_channels=32).representative().name
            'conv2d_i32x32_f3x3_c2to2'
        """
        groups = min(self.n_groups, 2)
        return replace(
            self,
            in_channels=groups * min(self.cg_in, 2) if self.in_channels is not None else None,
            out_channels=groups * min(self.cg_out, 2) if self.out_channels is not None else None,
            groups=groups if self.groups is not None else None,
            batch=min(self.n_batch, 2) if self.batched else None,
        )

    def group_of(self, o: int) -> int:
        """Group of output channel ``o``."""
        return o // self.cg_out

    def group_of_input(self, c: int) -> int:
        """Group of input channel ``c``."""
        return c // self.cg_in

    def channel_read(self, o: int, slot: int) -> int:
        """Input channel that filter slot ``slot`` of output channel ``o`` reads."""
        return self.group_of(o) * self.cg_in + slot

    # -- element layout: (sample?, channel?, *spatial), absent axes left out ----
    def _sample(self, n: int) -> Index:
        return (n,) if self.batched else ()

    def _channel(self, *c: int) -> Index:
        return c if self.channelled else ()

    def x_element(self, n: int, c: int, i: Index) -> Index:
        return self._sample(n) + self._channel(c) + i

    def g_element(self, n: int, o: int, y: Index) -> Index:
        return self._sample(n) + self._channel(o) + y

    def f_element(self, o: int, slot: int, k: Index) -> Index:
        return self._channel(o, slot) + k

    @property
    def x_shape(self) -> Shape:
        """Shape of the symbolic X: ``(N?, C_in?, *input)``."""
        return self.x_element(self.n_batch, self.c_in, self.input)

    @property
    def g_shape(self) -> Shape:
        """Shape of the symbolic G = dL/dO: ``(N?, C_out?, *output)``."""
        return self.g_element(self.n_batch, self.c_out, self.output)

    @property
    def f_shape(self) -> Shape:
        """Shape of F: ``(C_out?, C_in/groups?, *filter)``."""
        return self.f_element(self.c_out, self.cg_in, self.filter)

    @property
    def b_shape(self) -> Shape:
        """Shape of the bias: ``(C_out,)``, or ``()`` without a bias."""
        return (self.c_out,) if self.bias else ()

    def x_elements(self) -> Iterator[Index]:
        """Every element index of X, row-major."""
        return itertools.product(*map(range, self.x_shape))

    def f_elements(self) -> Iterator[Index]:
        """Every element index of F, row-major."""
        return itertools.product(*map(range, self.f_shape))

    def b_elements(self) -> Iterator[Index]:
        """Every element index of the bias (none without a bias)."""
        return ((o,) for o in range(self.c_out)) if self.bias else iter(())

    def output_elements(self) -> Iterator[tuple[int, int, Index]]:
        """Every ``(n, o, y)`` of the output, row-major."""
        for n, o in itertools.product(range(self.n_batch), range(self.c_out)):
            for y in self.output_positions():
                yield n, o, y

    # -- sizes -------------------------------------------------------------
    @property
    def rank(self) -> int:
        """Number of spatial axes."""
        return len(self.input)

    @property
    def extent(self) -> Shape:
        """Dilated filter reach per axis, ``d(K-1)+1``."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.filter))

    @property
    def output(self) -> Shape:
        """``O = floor((I + lo + hi - d(K-1) - 1) / s) + 1`` per axis."""
        return tuple((i + lo + hi - e) // s + 1 for i, (lo, hi), e, s in self._axes())

    @property
    def remainder(self) -> Shape:
        """``r = (I + lo + hi - d(K-1) - 1) mod s``: trailing padded rows no window reads."""
        return tuple((i + lo + hi - e) % s for i, (lo, hi), e, s in self._axes())

    def _axes(self):
        return zip(self.input, self.padding, self.extent, self.stride)

    @property
    def is_plain(self) -> bool:
        """Stride 1, dilation 1, no padding: the tutorial's case."""
        return set(self.stride) == {1} and set(self.dilation) == {1} and not self.padded

    @property
    def padded(self) -> bool:
        """Whether any axis has zero padding on either side."""
        return any(lo or hi for lo, hi in self.padding)

    @property
    def product_terms(self) -> int:
        """Upper bound on all forward product terms, ``N * C_out * N_out * C_in/g * K``.

        Every term is one chain-rule term of dL/dF and one of dL/dX, so this measures the
        work and memory of a derivation (the size guard compares it with ``--max-terms``).

        Examples:
            >>> ConvSpec.parse("64x64", "5x5").product_terms
            90000
        """
        return self.n_batch * self.c_out * self.cg_in * _prod(self.output) * _prod(self.filter)

    # -- positions ---------------------------------------------------------
    def output_positions(self) -> Iterator[Index]:
        """Every output index, row-major."""
        return itertools.product(*map(range, self.output))

    def taps(self) -> Iterator[Index]:
        """Every filter index, row-major."""
        return itertools.product(*map(range, self.filter))

    def input_positions(self) -> Iterator[Index]:
        """Every input index, row-major."""
        return itertools.product(*map(range, self.input))

    def reads(self, y: Index, k: Index) -> Index:
        """Input position read by output ``y`` through tap ``k``: ``s*y + d*k - lo`` (may be padding)."""
        return tuple(s * yy + d * kk - lo for s, yy, d, kk, (lo, _) in zip(self.stride, y, self.dilation, k, self.padding))

    def in_input(self, i: Index) -> bool:
        """Whether ``i`` is a real input position (not padding)."""
        return all(0 <= ii < n for ii, n in zip(i, self.input))

    # -- the gradient convolutions (conv-gradients.md, section 4) ------------
    @property
    def dilated_output(self) -> Shape:
        """Length of G with ``s-1`` zeros between elements: ``s(O-1)+1``."""
        return tuple(s * (o - 1) + 1 for s, o in zip(self.stride, self.output))

    @property
    def grad_input_padding(self) -> Padding:
        """Padding of the dilated G for dL/dX: ``(d(K-1) - lo, d(K-1) - hi + r)``; negative crops."""
        return tuple(
            (e - 1 - lo, e - 1 - hi + r) for e, (lo, hi), r in zip(self.extent, self.padding, self.remainder)
        )

    @property
    def grad_filter_padding(self) -> Padding:
        """Padding of X for dL/dF: ``(lo, hi - r)``; negative crops unread rows."""
        return tuple((lo, hi - r) for (lo, hi), r in zip(self.padding, self.remainder))

    # -- slices for vectorized kernels --------------------------------------
    @property
    def padded_input(self) -> Shape:
        """Length of X padded by ``(lo, hi)``: ``I + lo + hi``."""
        return tuple(i + lo + hi for i, (lo, hi) in zip(self.input, self.padding))

    @property
    def input_window(self) -> tuple[slice, ...]:
        """Where X itself sits in the padded X: ``lo : lo + I`` per axis."""
        return tuple(slice(lo, lo + i) for i, (lo, _) in zip(self.input, self.padding))

    def tap_window(self, k: Index) -> tuple[slice, ...]:
        """The outputs' reads through tap ``k`` in the padded X: ``d*k :: s``, ``O`` of them."""
        return tuple(
            slice(d * kk, d * kk + s * (o - 1) + 1, s)
            for d, kk, s, o in zip(self.dilation, k, self.stride, self.output)
        )

    @property
    def padded_gradient(self) -> Shape:
        """Length of ``pad(dilate_s(G), lo', hi')``: always ``I + d(K-1)``."""
        return tuple(i + e - 1 for i, e in zip(self.input, self.extent))

    def gradient_placement(self) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
        """Where G lands in ``pad(dilate_s(G), lo', hi')``: (slices of G kept, target slices).

        Output ``y`` goes to ``lo' + s*y``; outputs that a negative ``lo'``/``hi'`` crops
        away read only padding, so dropping them is exact.
        """
        axes = [
            _placement(lo_, s, o, n)
            for (lo_, _), s, o, n in zip(self.grad_input_padding, self.stride, self.output, self.padded_gradient)
        ]
        return tuple(a for a, _ in axes), tuple(b for _, b in axes)

    def gradient_window(self, k: Index) -> tuple[slice, ...]:
        """The reads of rotated tap ``k`` in the padded, dilated G: ``d*k``, ``I`` of them."""
        return tuple(slice(d * kk, d * kk + i) for d, kk, i in zip(self.dilation, k, self.input))

    # -- names -------------------------------------------------------------
    @property
    def name(self) -> str:
        """A Python identifier naming this spec, e.g. ``conv2d_i3x3_f2x2_s2``."""
        parts = [f"conv{self.rank}d", "i" + show(self.input), "f" + show(self.filter)]
        if set(self.stride) != {1}:
            parts.append("s" + compact(self.stride))
        if set(self.dilation) != {1}:
            parts.append("d" + compact(self.dilation))
        if self.padded:
            sides = [str(lo) if lo == hi else f"{lo}_{hi}" for lo, hi in self.padding]
            parts.append("p" + (sides[0] if len(set(sides)) == 1 else "x".join(sides)))
        if self.channelled:
            parts.append(f"c{self.c_in}to{self.c_out}")
        if self.n_groups != 1:
            parts.append(f"g{self.n_groups}")
        if self.batched:
            parts.append(f"n{self.n_batch}")
        if self.bias:
            parts.append("bias")
        return "_".join(parts)

    def describe(self) -> str:
        """One line for reports: ``input 3x3, filter 2x2 (stride 1, dilation 1, padding 0)``."""
        sides = [f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in self.padding]
        pads = sides[0] if len(set(sides)) == 1 else "x".join(sides)
        extras = [f"stride {compact(self.stride)}", f"dilation {compact(self.dilation)}", f"padding {pads}"]
        if self.channelled:
            extras.append(f"channels {self.c_in} -> {self.c_out}")
            extras.append(f"groups {self.n_groups}")
        if self.batched:
            extras.append(f"batch {self.n_batch}")
        if self.bias:
            extras.append("bias")
        return f"conv{self.rank}d input {show(self.input)}, filter {show(self.filter)} ({', '.join(extras)})"


def _prod(shape: Shape) -> int:
    return math.prod(shape)


def show(shape: Shape) -> str:
    """``(3, 3)`` -> ``"3x3"``."""
    return "x".join(str(v) for v in shape)


def compact(shape: Shape) -> str:
    """Like :func:`show`, but one value when every axis agrees: ``(2, 2)`` -> ``"2"``."""
    return str(shape[0]) if len(set(shape)) == 1 else show(shape)


def _placement(lo: int, stride: int, count: int, length: int) -> tuple[slice, slice]:
    first = -(-max(0, -lo) // stride)  # first y with lo + s*y >= 0
    last = min(count, -(-(length - lo) // stride))  # one past the last y with lo + s*y < length
    if last <= first:
        return slice(0, 0), slice(0, 0)
    start = lo + stride * first
    return slice(first, last), slice(start, start + stride * (last - first - 1) + 1, stride)
