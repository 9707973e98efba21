"""Names of a layer: the identifier its files and modules are named by, and its one-line description."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .parse import compact, show

if TYPE_CHECKING:
    from .spec import ConvSpec


def layer_name(spec: "ConvSpec") -> str:
    """A Python identifier naming ``spec``: ``conv2d_i3x3_f2x2``, then only what differs from a
    plain layer (``_s2``, ``_d2``, ``_p1_0x2_1``, ``_c4to6``, ``_g2``, ``_n2``, ``_bias``)."""
    parts = [f"conv{spec.rank}d", "i" + show(spec.input), "f" + show(spec.filter)]
    if set(spec.stride) != {1}:
        parts.append("s" + compact(spec.stride))
    if set(spec.dilation) != {1}:
        parts.append("d" + compact(spec.dilation))
    if spec.padded:
        sides = [str(lo) if lo == hi else f"{lo}_{hi}" for lo, hi in spec.padding]
        parts.append("p" + (sides[0] if len(set(sides)) == 1 else "x".join(sides)))
    if spec.channelled:
        parts.append(f"c{spec.c_in}to{spec.c_out}")
    if spec.n_groups != 1:
        parts.append(f"g{spec.n_groups}")
    if spec.batched:
        parts.append(f"n{spec.n_batch}")
    if spec.bias:
        parts.append("bias")
    return "_".join(parts)


def padding_text(padding) -> str:
    """``((1, 1), (1, 1))`` -> ``"1"``, ``((1, 0), (2, 1))`` -> ``"1:0x2:1"``."""
    sides = [f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in padding]
    return sides[0] if len(set(sides)) == 1 else "x".join(sides)


def describe(spec: "ConvSpec") -> str:
    """One line for reports: ``conv2d input 3x3, filter 2x2 (stride 1, dilation 1, padding 0)``."""
    extras = [f"stride {compact(spec.stride)}", f"dilation {compact(spec.dilation)}",
              f"padding {padding_text(spec.padding)}"]
    if spec.channelled:
        extras.append(f"channels {spec.c_in} -> {spec.c_out}")
        extras.append(f"groups {spec.n_groups}")
    if spec.batched:
        extras.append(f"batch {spec.n_batch}")
    if spec.bias:
        extras.append("bias")
    return f"conv{spec.rank}d input {show(spec.input)}, filter {show(spec.filter)} ({', '.join(extras)})"


def document_files(name: str, lang: str = "en") -> tuple[str, str, str]:
    """The document's three forms: ``<name>.tex``, ``<name>.html``, ``<name>.ipynb`` (``_zh`` before
    the suffix in Chinese).

    Examples:
        >>> document_files("conv1d_i5_f2", "zh")
        ('conv1d_i5_f2_zh.tex', 'conv1d_i5_f2_zh.html', 'conv1d_i5_f2_zh.ipynb')
    """
    stem = name if lang == "en" else f"{name}_{lang}"
    return f"{stem}.tex", f"{stem}.html", f"{stem}.ipynb"


def entry_files(name: str, lang: str = "en") -> tuple[str, str, str]:
    """The files of a layer's entry: the document (``<name>.tex``, ``<name>_zh.tex`` in Chinese),
    the kernel ``<name>.py`` and its tests ``test_<name>.py``.

    Examples:
        >>> entry_files("conv1d_i5_f2", "zh")
        ('conv1d_i5_f2_zh.tex', 'conv1d_i5_f2.py', 'test_conv1d_i5_f2.py')
    """
    return document_files(name, lang)[0], f"{name}.py", f"test_{name}.py"
