"""The per-axis index formulas of a convolution layer, each written once.

Every function takes the sizes of one spatial axis and works on ints and on SymPy symbols
alike (``//`` and ``%`` are SymPy's ``floor`` and ``Mod`` on symbols), so the concrete
layer (``ConvSpec``), the closed forms, the kernels, the documents and the proof for all
sizes evaluate the very same code. Names follow ``conv-gradients.md``: input length ``n``,
filter length ``k``, stride ``s``, dilation ``d``, padding ``lo``/``hi``, output length
``o`` and remainder ``r``, all 0-based.

Examples:
    >>> output_length(8, 3, 2, 1, 1, 1), remainder(8, 3, 2, 1, 1, 1)
    (4, 1)
    >>> import sympy
    >>> n, k, s, d, lo, hi, r = sympy.symbols("n k s d lo hi r", integer=True)
    >>> grad_input_padding(k, d, lo, hi, r)
    (d*(k - 1) - lo, d*(k - 1) - hi + r)
"""

from __future__ import annotations


def reach(k, d):
    """How far past its first tap a dilated filter reads: ``d(k-1)``."""
    return d * (k - 1)


def extent(k, d):
    """The dilated filter's length: ``d(k-1) + 1``."""
    return reach(k, d) + 1


def padded_length(n, lo, hi):
    """The input padded by ``lo`` zeros before and ``hi`` after: ``n + lo + hi``."""
    return n + lo + hi


def correlation_length(n, k, stride, dilation):
    """Outputs of a valid correlation of a length-``n`` array with a length-``k`` kernel:
    ``floor((n - dilation(k-1) - 1) / stride) + 1`` (0 or less: no output).

    Examples:
        >>> correlation_length(5, 2, 1, 1), correlation_length(9, 3, 2, 2)
        (4, 3)
    """
    return (n - extent(k, dilation)) // stride + 1


def output_length(n, k, s, d, lo, hi):
    """``O = floor((n + lo + hi - d(k-1) - 1) / s) + 1``: the layer's output length."""
    return correlation_length(padded_length(n, lo, hi), k, s, d)


def remainder(n, k, s, d, lo, hi):
    """``r = (n + lo + hi - d(k-1) - 1) mod s``: trailing padded positions no window reads.

    With it, ``s(O-1) = n + lo + hi - d(k-1) - 1 - r`` exactly (:func:`output_identity`).
    """
    return (padded_length(n, lo, hi) - extent(k, d)) % s


def output_identity(n, k, s, d, lo, hi, o, r):
    """``s(O-1) - (n + lo + hi - d(k-1) - 1 - r)``: zero exactly when ``o`` and ``r`` are the
    output length and remainder (given ``0 <= r < s``); the proof for all sizes uses it as the
    definition of ``O`` and ``r``."""
    return s * (o - 1) - (padded_length(n, lo, hi) - extent(k, d) - r)


def input_length(o, k, s, d, lo, hi, r):
    """The input length that gives ``o`` outputs with remainder ``r``: ``n = s(o-1) + d(k-1) + 1
    + r - lo - hi``, :func:`output_identity` solved for ``n`` (less than 1: no such input).

    Examples:
        >>> input_length(4, 2, 1, 1, 0, 0, 0), input_length(3, 3, 2, 2, 0, 0, 0)
        (5, 9)
        >>> n = input_length(6, 3, 2, 1, 1, 0, 1)
        >>> output_length(n, 3, 2, 1, 1, 0), remainder(n, 3, 2, 1, 1, 0)
        (6, 1)
    """
    return s * (o - 1) + extent(k, d) + r - padded_length(0, lo, hi)


def read(y, k, s, d, lo):
    """The input position output ``y`` reads through tap ``k``: ``s*y + d*k - lo`` (may be padding)."""
    return s * y + d * k - lo


def dilated_length(o, s):
    """Length of ``dilate_s`` of a length-``o`` array (``s-1`` zeros between neighbours): ``s(o-1) + 1``."""
    return s * (o - 1) + 1


def grad_input_padding(k, d, lo, hi, r):
    """Padding of the dilated dL/dO for dL/dX: ``(d(k-1) - lo, d(k-1) - hi + r)``; negative crops."""
    return (reach(k, d) - lo, reach(k, d) - hi + r)


def grad_filter_padding(lo, hi, r):
    """Padding of X for dL/dF: ``(lo, hi - r)``; negative crops input no window reads."""
    return (lo, hi - r)


def padded_gradient_length(n, k, d):
    """Length of ``pad(dilate_s(G), d(k-1) - lo, d(k-1) - hi + r)``: always ``n + d(k-1)``."""
    return n + reach(k, d)


def rotated(m, k):
    """The tap that ``rot180`` puts at position ``m`` of a length-``k`` filter: ``k - 1 - m``."""
    return k - 1 - m


# -- slices of concrete arrays (ints only) ----------------------------------------------------
def tap_window(k, s, d, o) -> slice:
    """The reads of tap ``k`` by all ``o`` outputs in the padded input: ``d*k :: s``, ``o`` of them."""
    return slice(d * k, d * k + dilated_length(o, s), s)


def gradient_window(k, d, n) -> slice:
    """The reads of rotated tap ``k`` in the padded, dilated G for all ``n`` inputs: ``d*k``, ``n`` of them."""
    return slice(d * k, d * k + n)


def input_window(n, lo) -> slice:
    """Where the input itself sits in the padded input: ``lo : lo + n``."""
    return slice(lo, lo + n)


def placement(lo, s, o, length) -> tuple[slice, slice]:
    """Where the ``o`` outputs of G land in ``pad(dilate_s(G), lo, .)`` of length ``length``:
    (slice of G kept, target slice). Output ``y`` goes to ``lo + s*y``; outputs that a negative
    ``lo`` or a short ``length`` crop away read only padding, so dropping them is exact.

    Examples:
        >>> placement(-1, 2, 4, 6)
        (slice(1, 4, None), slice(1, 6, 2))
    """
    first = -(-max(0, -lo) // s)  # first y with lo + s*y >= 0
    last = min(o, -(-(length - lo) // s))  # one past the last y with lo + s*y < length
    if last <= first:
        return slice(0, 0), slice(0, 0)
    start = lo + s * first
    return slice(first, last), slice(start, start + dilated_length(last - first, s), s)
