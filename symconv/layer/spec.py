"""ConvSpec: one convolution layer, as a small frozen value.

Its per-axis sizes (output length, remainder, the gradients' paddings) are the formulas of
``axis.py`` mapped over the axes; the element layout, the kernels' slices and the names are
functions of a spec in ``layout.py``, ``slices.py`` and ``names.py``. Index conventions:
0-based tuples, one entry per spatial axis; documents show them 1-based.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

from ..errors import SpecError
from . import axis, names
from .options import read_options
from .parse import MAX_RANK, Padding, Shape, _padding_tuple, _positive_tuple, short

Index = tuple[int, ...]


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
            raise SpecError("--input", f"{short(self.input)} has {rank} axes; symconv supports 1 to {MAX_RANK}")
        if len(self.filter) != rank:
            raise SpecError("--filter", f"{short(self.filter)} has {len(self.filter)} axes but --input {short(self.input)} has {rank}; they must match")
        object.__setattr__(self, "stride", self.stride or (1,) * rank)
        object.__setattr__(self, "dilation", self.dilation or (1,) * rank)
        object.__setattr__(self, "padding", self.padding or ((0, 0),) * rank)
        for option, value in (("--stride", self.stride), ("--dilation", self.dilation)):
            if len(_positive_tuple(value, option)) != rank:
                raise SpecError(option, f"{short(value)} has {len(value)} axes but the input has {rank}; they must match")
        _padding_tuple(self.padding, rank)
        self._check_nonempty()
        self._check_channels()

    @classmethod
    def parse(cls, input: object, filter: object, **options: object) -> "ConvSpec":
        """Validate user text (the CLI's option values, see ``options.OPTIONS``) into a spec."""
        return cls(**read_options({"input": input, "filter": filter, **options}))

    def _check_nonempty(self) -> None:
        for number, (i, (lo, hi), k, d) in enumerate(zip(self.input, self.padding, self.filter, self.dilation), 1):
            length, e = axis.padded_length(i, lo, hi), axis.extent(k, d)
            if length >= e:
                continue
            what = "padded input" if lo or hi else "input"
            # Blame the dilation when the filter itself would fit: that is what the user can change.
            option, cause = ("--dilation", f"{d} spreads the filter {short(self.filter)} to reach {e}") if k <= length \
                else ("--filter", f"{short(self.filter)} reaches {e}")
            raise SpecError(option, f"{cause} on axis {number} but the {what} has only {length}: the output would "
                                    "be empty (the filter's reach must fit in the padded input)")

    def _check_channels(self) -> None:
        for name in ("in_channels", "out_channels", "groups", "batch"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise SpecError("--" + name.replace("_", "-"), f"{value!r} is not allowed; give a positive integer")
        if not isinstance(self.bias, bool):
            raise SpecError("--bias", f"{self.bias!r} is not allowed; bias is on or off")
        for name, count, given in (("--in-channels", self.c_in, self.in_channels),
                                   ("--out-channels", self.c_out, self.out_channels)):
            if count % self.n_groups:
                default = "" if given is not None else " (not given: it defaults to 1)"
                raise SpecError(
                    "--groups",
                    f"{self.n_groups} groups do not divide {name} {count}{default}; groups must divide both channel counts",
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
        by element, carries over to the whole layer by renaming (see ``derivation.pipeline``).

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

    # -- shapes of the tensors: (sample?, channel?, *spatial), absent axes left out ----
    @property
    def x_shape(self) -> Shape:
        """Shape of the symbolic X: ``(N?, C_in?, *input)``."""
        return self._lead(self.n_batch, self.c_in) + self.input

    @property
    def g_shape(self) -> Shape:
        """Shape of the symbolic G = dL/dO: ``(N?, C_out?, *output)``."""
        return self._lead(self.n_batch, self.c_out) + self.output

    @property
    def f_shape(self) -> Shape:
        """Shape of F: ``(C_out?, C_in/groups?, *filter)``."""
        return ((self.c_out, self.cg_in) if self.channelled else ()) + self.filter

    @property
    def b_shape(self) -> Shape:
        """Shape of the bias: ``(C_out,)``, or ``()`` without a bias."""
        return (self.c_out,) if self.bias else ()

    def _lead(self, n: int, c: int) -> Index:
        return ((n,) if self.batched else ()) + ((c,) if self.channelled else ())

    # -- per-axis sizes: axis.py's formulas over the axes -------------------------
    @property
    def rank(self) -> int:
        """Number of spatial axes."""
        return len(self.input)

    def _per_axis(self, formula) -> tuple:
        return tuple(formula(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in zip(
            self.input, self.filter, self.stride, self.dilation, self.padding))

    @property
    def extent(self) -> Shape:
        """Dilated filter reach per axis, ``d(K-1)+1``."""
        return self._per_axis(lambda n, k, s, d, lo, hi: axis.extent(k, d))

    @property
    def output(self) -> Shape:
        """``O = floor((I + lo + hi - d(K-1) - 1) / s) + 1`` per axis."""
        return self._per_axis(axis.output_length)

    @property
    def remainder(self) -> Shape:
        """``r = (I + lo + hi - d(K-1) - 1) mod s``: trailing padded rows no window reads."""
        return self._per_axis(axis.remainder)

    @property
    def padded_input(self) -> Shape:
        """Length of X padded by ``(lo, hi)``: ``I + lo + hi``."""
        return self._per_axis(lambda n, k, s, d, lo, hi: axis.padded_length(n, lo, hi))

    @property
    def dilated_output(self) -> Shape:
        """Length of G with ``s-1`` zeros between elements: ``s(O-1)+1``."""
        return tuple(axis.dilated_length(o, s) for o, s in zip(self.output, self.stride))

    @property
    def padded_gradient(self) -> Shape:
        """Length of ``pad(dilate_s(G), lo', hi')``: always ``I + d(K-1)``."""
        return self._per_axis(lambda n, k, s, d, lo, hi: axis.padded_gradient_length(n, k, d))

    @property
    def grad_input_padding(self) -> Padding:
        """Padding of the dilated G for dL/dX: ``(d(K-1) - lo, d(K-1) - hi + r)``; negative crops."""
        return tuple(axis.grad_input_padding(k, d, lo, hi, r) for k, d, (lo, hi), r in zip(
            self.filter, self.dilation, self.padding, self.remainder))

    @property
    def grad_filter_padding(self) -> Padding:
        """Padding of X for dL/dF: ``(lo, hi - r)``; negative crops unread rows."""
        return tuple(axis.grad_filter_padding(lo, hi, r) for (lo, hi), r in zip(self.padding, self.remainder))

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
        work and memory of a derivation (the memory guard, ``derivation.budget``, counts it).

        Examples:
            >>> ConvSpec.parse("64x64", "5x5").product_terms
            90000
        """
        return self.n_batch * self.c_out * self.cg_in * math.prod(self.output) * math.prod(self.filter)

    # -- names ---------------------------------------------------------------
    @property
    def name(self) -> str:
        """A Python identifier naming this layer, e.g. ``conv2d_i3x3_f2x2_s2`` (``names.layer_name``)."""
        return names.layer_name(self)

    def describe(self) -> str:
        """One line for reports (``names.describe``)."""
        return names.describe(self)
