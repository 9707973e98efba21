"""The layer: ConvSpec, the table of its options, and every index formula, each written once.

    parse.py     what a user types -> tuples (sizes, strides, paddings, counts)
    options.py   the one table of layer options (CLI flags, API keywords, ConvSpec fields)
    axis.py      per-axis formulas on ints and SymPy symbols alike (output length, remainder,
                 reads, the gradients' paddings, slices)
    channels.py  the channel maps of a grouped layer
    spec.py      ConvSpec, the frozen value
    layout.py    element indices and positions; slices.py the kernels' slices; names.py names
"""

from .options import OPTIONS, LayerOption
from .parse import CountLike, Padding, Shape, SizeLike, compact, show
from .spec import ConvSpec, Index

__all__ = ["OPTIONS", "ConvSpec", "CountLike", "Index", "LayerOption", "Padding", "Shape", "SizeLike", "compact", "show"]
