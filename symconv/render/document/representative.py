"""Why the representative's proof proves the layer, with a picture of the renaming.

Every identity of a channel layer is a sum over channel pairs (and samples) of per-pair
identities in variables no other pair has: pair ``(o, c')`` reads only ``F^{(o,c')}``, its
input channel and ``dL/dO^{(o)}``. Each per-pair identity is one of the representative's with
channels renamed; the picture shows the layer's filter slices and the representative's, with a
slice and the one it is renamed to marked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...derivation import Derivation
from ...layer import ConvSpec
from .pictures import Picture, layout, panel_of


@dataclass(frozen=True)
class RepresentativeSection:
    layer_channels: str
    layer_groups: int
    channels: str
    groups: int
    samples: int
    picture: Picture
    renamed_from: str
    renamed_to: str


def representative_section(d: Derivation) -> RepresentativeSection:
    layer, spec = d.layer, d.spec
    full, rep = slice_grid(layer), slice_grid(spec)
    last_full, last_rep = (layer.c_out - 1, layer.cg_in - 1), (spec.c_out - 1, spec.cg_in - 1)
    picture = layout([panel_of(full, {last_full}, r"F^{(o,c')},\ %s" % _channels(layer)),
                      panel_of(rep, {last_rep}, r"F^{(o,c')},\ %s" % _channels(spec))])
    return RepresentativeSection(
        _channels(layer), layer.n_groups, _channels(spec), spec.n_groups, spec.n_batch, picture,
        full[last_full], rep[last_rep],
    )


def _channels(spec: ConvSpec) -> str:
    return r"%d \to %d" % (spec.c_in, spec.c_out)


def slice_grid(spec: ConvSpec) -> np.ndarray:
    """The filter slices ``F^{(o,c')}`` of a layer as a grid of labels, output channels down."""
    grid = np.empty((spec.c_out, spec.cg_in), dtype=object)
    for o, c in np.ndindex(*grid.shape):
        grid[o, c] = "F^{(%d,%d)}" % (o + 1, c + 1)
    return grid
