"""The channel block diagram: input channels to output channels, group by group, forward and
backward side by side, laid out in centimetres once for TikZ and SVG alike.

Forward, output channel ``o`` reads the input channels of its group; backward, dL/dX^(c) gathers
the output channels of c's group: the same edges, reversed (the per-group transpose). A group
with more than SHOWN channels of a kind shows its first ones and its last, with a gap between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ...layer import ConvSpec
from ...layer import channels as ch

SHOWN = 3  # channels of a kind drawn per group (the last one included)
GROUPS_SHOWN = 2  # the first group and the last
ROW, COLUMN, HALF = 0.9, 3.6, 8.4  # cm between channels, between the columns, to the backward half


@dataclass(frozen=True)
class Node:
    x: float
    y: float
    label: str  # LaTeX math; "" for a gap (drawn as \vdots)


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Frame:
    """A group's box; ``label`` is the group's number."""

    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Diagram:
    """The diagram, placed (cm, y downwards); ``captions`` label the halves ``forward`` and ``backward``
    (words the templates translate)."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    frames: tuple[Frame, ...]
    captions: tuple[Node, ...]
    width: float
    height: float


def shown_channels(channels: range) -> list[Optional[int]]:
    """The channels of a group drawn: all, or the first SHOWN - 1, a gap (None) and the last.

    Examples:
        >>> shown_channels(range(4, 12))
        [4, 5, None, 11]
    """
    if len(channels) <= SHOWN:
        return list(channels)
    return list(channels[: SHOWN - 1]) + [None, channels[-1]]


def channel_diagram(spec: ConvSpec) -> Optional[Diagram]:
    """The block diagram of a layer with channels (``None`` without)."""
    if not spec.channelled:
        return None
    groups = list(range(spec.n_groups))
    groups = groups if len(groups) <= GROUPS_SHOWN else [groups[0], groups[-1]]
    nodes, edges, frames, top = [], [], [], 0.9
    for g in groups:
        inputs = shown_channels(range(g * spec.cg_in, (g + 1) * spec.cg_in))
        outputs = shown_channels(ch.group_outputs(g, spec.cg_out))
        height = max(len(inputs), len(outputs)) * ROW
        for half, (left, right) in enumerate(((_x_label, _o_label), (_dx_label, _delta_label))):
            x0 = half * HALF
            frames.append(Frame(x0 + 0.2, top, COLUMN + 2.0, height, str(g + 1)))
            a = [Node(x0 + 1.2, top + (i + 0.5) * ROW, left(c)) for i, c in enumerate(inputs)]
            b = [Node(x0 + 1.2 + COLUMN, top + (i + 0.5) * ROW, right(o)) for i, o in enumerate(outputs)]
            nodes += a + b
            pairs = [(p, q) for p in a for q in b if p.label and q.label]
            edges += [Edge(p.x + 0.6, p.y, q.x - 0.6, q.y) if half == 0 else Edge(q.x - 0.5, q.y, p.x + 1.0, p.y)
                      for p, q in pairs]
        top += height + 0.4
    captions = (Node(0.2 + (COLUMN + 2.0) / 2, 0.4, "forward"), Node(HALF + 0.2 + (COLUMN + 2.0) / 2, 0.4, "backward"))
    return Diagram(tuple(nodes), tuple(edges), tuple(frames), captions, round(HALF + COLUMN + 2.4, 2), round(top, 2))


def _x_label(c: Optional[int]) -> str:
    return "" if c is None else "X^{(%d)}" % (c + 1)


def _o_label(o: Optional[int]) -> str:
    return "" if o is None else "O^{(%d)}" % (o + 1)


def _dx_label(c: Optional[int]) -> str:
    return "" if c is None else r"\partial L / \partial X^{(%d)}" % (c + 1)


def _delta_label(o: Optional[int]) -> str:
    return "" if o is None else r"\delta^{(%d)}" % (o + 1)
