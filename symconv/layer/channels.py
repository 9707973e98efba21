"""The channel maps of a grouped layer, each written once (conv-gradients.md section 1).

Output channel ``o`` belongs to group ``o // Cg_out`` and its filter slot ``c'`` reads input
channel ``group * Cg_in + c'``; input channel ``c`` belongs to group ``c // Cg_in`` at slot
``c - group * Cg_in``. Like ``axis.py`` they work on ints and on SymPy symbols alike.

Examples:
    >>> channel_read(5, 1, cg_in=2, cg_out=3), input_slot(5, cg_in=2)
    (3, 1)
    >>> list(group_outputs(1, cg_out=3))
    [3, 4, 5]
"""

from __future__ import annotations


def output_group(o, cg_out):
    """The group of output channel ``o``: ``floor(o / Cg_out)``."""
    return o // cg_out


def input_group(c, cg_in):
    """The group of input channel ``c``: ``floor(c / Cg_in)``."""
    return c // cg_in


def channel_read(o, slot, cg_in, cg_out):
    """The input channel that filter slot ``slot`` of output channel ``o`` reads."""
    return output_group(o, cg_out) * cg_in + slot


def input_slot(c, cg_in):
    """The filter slot through which input channel ``c`` is read (the inverse of :func:`channel_read`)."""
    return c - input_group(c, cg_in) * cg_in


def group_bounds(group, cg_out):
    """The output channels of ``group`` as ``(first, stop)``: ``group*Cg_out`` up to ``(group+1)*Cg_out``."""
    return group * cg_out, (group + 1) * cg_out


def group_outputs(group: int, cg_out: int) -> range:
    """The output channels of ``group`` (ints only)."""
    return range(*group_bounds(group, cg_out))
