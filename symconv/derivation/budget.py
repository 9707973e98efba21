"""The memory guard: what a derivation will hold, estimated from the layer's sizes before any work.

A derivation's arrays grow with four things, each counted here: the product terms (every term
is a row of the chain rule's and of the closed form's bilinear forms, and of the correlation that
builds it), the elements of X, dL/dO and F (their numbers, and the count of terms per element),
the closed forms' operands (the padded input, the padded dilated dL/dO, for every channel pair),
and the document (a few rows of each listing; every row with ``--full``). The bytes per item are
measured peaks with a margin (``bench/derive.py`` prints estimate and peak side by side). A layer
above the limit is refused with one line that names the option making it large; a channel layer
whose full proof is above the limit is proven on its representative instead.

Examples:
    >>> from symconv.layer import ConvSpec
    >>> show_bytes(estimate(ConvSpec.parse("64x64", "5x5")).total)
    '15.6 MiB'
    >>> parse_bytes("1.5G") == 3 * 2**29, parse_bytes(2048)
    (True, 2048)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional, Union

from ..errors import SpecError
from ..layer import ConvSpec, show
from ..layer import axis

DEFAULT_MAX_MEMORY = "1G"  # the CLI's and the API's default limit (parse_bytes reads it)
BYTES_PER_TERM = 160  # the chain rule's rows (kept), a closed form's rows, their sorts, the correlation
BYTES_PER_ELEMENT = 64  # per element of X, F, dL/dO and window: their numbers, reads, counts of terms
BYTES_PER_OPERAND = 24  # an entry of a padded, dilated operand (stacked over pairs) and its mask
BYTES_PER_SHOWN_TERM = 600  # a term a document prints: its SymPy objects and LaTeX while the page is made
SHOWN_ROWS = 2 * 10 + 1  # rows of an elided listing: its first and last 10, and the gap row
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50, "E": 2**60}


@dataclass(frozen=True)
class Part:
    """One thing a derivation holds: ``count`` items, ``bytes`` in all; the option of ``cause``
    (option, its value) is what makes it large, as ``why`` says."""

    count: int
    bytes: int
    cause: tuple[str, str]
    why: str


@dataclass(frozen=True)
class Estimate:
    """The parts of a derivation's peak memory; the largest says what to make smaller."""

    parts: tuple[Part, ...]

    @property
    def total(self) -> int:
        return sum(p.bytes for p in self.parts)

    @property
    def largest(self) -> Part:
        return max(self.parts, key=lambda p: p.bytes)


def estimate(spec: ConvSpec, full: bool = False) -> Estimate:
    """The bytes a derivation of ``spec`` holds at its peak (``full``: with a document listing every row)."""
    x, g, f = (math.prod(s) for s in (spec.x_shape, spec.g_shape, spec.f_shape))
    shown = _shown_terms(spec, full)
    return Estimate((
        _terms(spec),
        _output_part(g, g * BYTES_PER_ELEMENT, spec, f"so dL/dO would have {g} elements"),
        Part(x, x * BYTES_PER_ELEMENT, ("--input", show(spec.input)), f"gives X {x} elements{_lead(spec)}"),
        Part(f, f * BYTES_PER_ELEMENT, ("--filter", show(spec.filter)), f"gives F {f} elements{_lead(spec)}"),
        _operands(spec),
        Part(shown, shown * BYTES_PER_SHOWN_TERM, ("--full", "") if full else ("--input", show(spec.input)),
             f"would have the document print {shown} terms"),
    ))


def _terms(spec: ConvSpec) -> Part:
    terms, outputs, taps = spec.product_terms, math.prod(spec.output), math.prod(spec.filter)
    pairs = spec.n_batch * spec.c_out * spec.cg_in
    why = f"{terms} product terms ({outputs} outputs times {taps} taps" + (f" times {pairs} channel pairs)" if pairs > 1 else ")")
    if taps > outputs:
        return Part(terms, terms * BYTES_PER_TERM, ("--filter", show(spec.filter)), f"gives {why}")
    return _output_part(terms, terms * BYTES_PER_TERM, spec, f"so there are {why}")


def _lead(spec: ConvSpec) -> str:
    return " (with the channels and samples)" if spec.channelled or spec.batched else ""


def _output_cause(spec: ConvSpec) -> tuple[str, str]:
    """What makes the output large: the padding where it adds more rows than the unpadded input
    gives on some axis, else the input."""
    if any(lo + hi > n - axis.reach(k, d) for n, k, d, (lo, hi) in zip(spec.input, spec.filter, spec.dilation, spec.padding)):
        sides = [f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in spec.padding]
        return "--padding", sides[0] if len(set(sides)) == 1 else "x".join(sides)
    return "--input", show(spec.input)


def _output_part(count: int, size: int, spec: ConvSpec, so: str) -> Part:
    """A part that grows with the output, blamed on what makes the output large."""
    return Part(count, size, _output_cause(spec), f"makes the output {show(spec.output)}, {so}")


def _operands(spec: ConvSpec) -> Part:
    """The closed forms' operands over all pairs: pad(X) for dL/dF, the (padded) dilated dL/dO for dL/dX."""
    pairs_f, pairs_x = spec.n_batch * spec.c_out * spec.cg_in, spec.n_batch * spec.c_in * spec.cg_out
    x_padded = tuple(max(axis.padded_length(n, lo, hi - r), 0) for n, (lo, hi), r in zip(spec.input, spec.padding, spec.remainder))
    g_padded = spec.padded_gradient
    count_f, count_x = pairs_f * math.prod(x_padded), pairs_x * (math.prod(g_padded) + math.prod(spec.dilated_output))
    if count_f >= count_x:
        return Part(count_f, count_f * BYTES_PER_OPERAND, _output_cause(spec),
                    f"makes pad(X) {show(x_padded)} for each of {pairs_f} pairs")
    reach = any(axis.reach(k, d) > n for n, k, d in zip(spec.input, spec.filter, spec.dilation))
    option = ("--dilation", show(spec.dilation)) if reach and set(spec.dilation) != {1} else ("--input", show(spec.input))
    return Part(count_x, count_x * BYTES_PER_OPERAND, option,
                f"makes the padded, dilated dL/dO {show(g_padded)} for each of {pairs_x} pairs")


def _shown_terms(spec: ConvSpec, full: bool) -> int:
    """Terms the document prints: forward rows and local gradients (every tap of a window, three
    times) and expansions (at most 12 terms each when elided), for the shown rows of each listing."""
    taps = spec.cg_in * math.prod(spec.filter)
    windows, elements = math.prod(spec.g_shape), math.prod(spec.x_shape) + math.prod(spec.f_shape)
    if full:
        return 3 * windows * taps + 2 * spec.product_terms + 3 * (math.prod(spec.padded_gradient) + math.prod(spec.padded_input))
    return 3 * min(windows, SHOWN_ROWS) * taps + 12 * min(elements, 2 * SHOWN_ROWS)


def check(spec: ConvSpec, limit: Optional[int], full: bool = False, representative: str = "") -> None:
    """Refuse ``spec`` (before any work) if its estimate is above ``limit`` bytes (``None``: no limit).

    Examples:
        >>> check(ConvSpec.parse("3x3", "2x2", padding=200000000), 2**30)
        Traceback (most recent call last):
        ...
        symconv.errors.SpecError: --padding: 200000000 makes the output 400000002x400000002, so there are 640000006400000016 product terms (160000001600000004 outputs times 4 taps); deriving and proving this layer needs an estimated 101.0 EiB, above the limit of 1.0 GiB; no machine holds that: make the option smaller
    """
    found = estimate(spec, full)
    if limit is None or found.total <= limit:
        return
    part = found.largest
    option, value = part.cause
    advice = (f"raise it with --max-memory {-(-found.total // UNITS['M'])}M (max_memory= in Python)"
              if found.total < UNITS["T"] else "no machine holds that: make the option smaller")
    raise SpecError(
        option,
        f"{value + ' ' if value else ''}{part.why}; deriving and proving this layer{representative} needs "
        f"an estimated {show_bytes(found.total)}, above the limit of {show_bytes(limit)}; {advice}",
    )


def parse_bytes(value: Union[int, str, None]) -> Optional[int]:
    """A memory size: bytes as an int, or text such as ``512M``, ``2G``, ``1.5G`` (binary units); ``None``: no limit."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGTPE])(?:i?B)?\s*", str(value), flags=re.I)
    if isinstance(value, bool) or not match or float(match.group(1)) <= 0:
        raise SpecError("--max-memory", f"{value!r} is not a memory size; give a number with a unit, such as 512M or 2G")
    return math.ceil(float(match.group(1)) * UNITS[match.group(2).upper()])


def show_bytes(n: int) -> str:
    """``1536`` -> ``'1.5 KiB'``: one decimal, the largest binary unit that leaves at least 1."""
    unit = max((u for u in UNITS if UNITS[u] <= max(n, 1)), key=UNITS.get)
    return f"{n} bytes" if unit == "" else f"{n / UNITS[unit]:.1f} {unit}iB"
