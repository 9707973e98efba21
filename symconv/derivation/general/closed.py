"""The closed-form side: a tree of ``recipes`` read on symbolic sizes (``interpret``) inside the
channel contraction of ``forms.py``, written with the same ``layer.channels`` maps:

    dL/dF[o, c', t] = sum_{n} tree(X[n, channel_read(o, c')], G[n, o])[t]
    dL/dX[n, c, i]  = sum_{o in group_bounds(input_group(c))} tree(G[n, o], F[o, input_slot(c)])[i]
    dL/db[o]        = sum_{n} sum_{y} G[n, o, y]

Without channels the tree alone is the closed form.

Examples:
    >>> side = closed_side(Layer(1), "dL/dF", code_tree(Layer(1), "dL/dF"))
    >>> side.lengths
    (floor((hi + lo + n - r - s*(O - 1) - 1)/d) + 1,)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ...layer import channels
from .. import recipes
from ..recipes import Form
from ..symbols import F, G, X
from .atoms import Bound, GuardedSum
from .interpret import Reading, Tensor
from .sizes import CHANNELS, integer
from .tensors import Layer


@dataclass(frozen=True)
class ClosedSide:
    """The closed form at the theorem's element, its per-axis lengths, and the sizes that must be >= 1."""

    tree: Form | None
    sum: GuardedSum
    lengths: tuple
    obligations: tuple


def sizes(layer: Layer) -> recipes.Sizes:
    """``recipes.Sizes`` of symbols: the trees of the code, built on symbolic sizes."""
    z = layer.axes
    return recipes.Sizes(*(tuple(getattr(a, f) for a in z) for f in ("n", "k", "s", "d", "lo", "hi", "r")))


def code_tree(layer: Layer, gradient: str) -> Form:
    """The closed form the code uses (``recipes``), on symbolic sizes."""
    build = {"dL/dF": recipes.grad_filter_form, "dL/dX": recipes.grad_input_form}[gradient]
    return build(sizes(layer))


def closed_side(layer: Layer, gradient: str, tree: Form | None) -> ClosedSide:
    """The closed form's value at ``layer.element(gradient)``."""
    if gradient == "dL/db":
        return _bias(layer)
    element = layer.element(gradient)
    spatial, lead = element[len(element) - layer.rank:], element[: len(element) - layer.rank]
    reading = Reading(_operands(layer, gradient, lead))
    value = reading.element(tree, spatial)
    if layer.channelled:
        value = value.summed(_contraction(layer, gradient, lead))
    return ClosedSide(tree, value, reading.lengths(tree), tuple(reading.obligations))


def _operands(layer: Layer, gradient: str, lead: tuple) -> dict:
    """One channel pair's X, F, G: lead indices by the channel maps, as ``forms.grad_*`` choose them."""
    shapes = {name: layer.lengths(base) for name, base in (("X", X), ("F", F), ("G", G))}
    if not layer.channelled:
        return {name: Tensor(base, (), shapes[name]) for name, base in (("X", X), ("F", F), ("G", G))}
    c = CHANNELS
    if gradient == "dL/dF":
        o, slot = lead
        nb = integer("n''")
        return {"X": Tensor(X, (nb, channels.channel_read(o, slot, c.cg_in, c.cg_out)), shapes["X"]),
                "G": Tensor(G, (nb, o), shapes["G"])}
    nb, ch = lead
    o = integer("o''")
    return {"G": Tensor(G, (nb, o), shapes["G"]), "F": Tensor(F, (o, channels.input_slot(ch, c.cg_in)), shapes["F"])}


def _contraction(layer: Layer, gradient: str, lead: tuple) -> Bound:
    """The channel sum: over the batch for dL/dF, over the output channels of c's group for dL/dX."""
    c = CHANNELS
    if gradient == "dL/dF":
        return Bound(integer("n''"), sympy.S.Zero, c.batch - 1)
    first, stop = channels.group_bounds(channels.input_group(lead[1], c.cg_in), c.cg_out)
    return Bound(integer("o''"), first, stop - 1)


def _bias(layer: Layer) -> ClosedSide:
    """``dL/db[o]``: the sum of G over the batch and every position (its definition, ``forms.grad_bias``)."""
    (o,) = layer.element("dL/db")
    nb, y = integer("n''"), layer.spatial("y''")
    bounds = (Bound(nb, sympy.S.Zero, CHANNELS.batch - 1),) + tuple(
        Bound(v, sympy.S.Zero, z.O - 1) for v, z in zip(y, layer.axes))
    return ClosedSide(None, GuardedSum(bounds, (G[(nb, o) + y],), ()), (), ())
