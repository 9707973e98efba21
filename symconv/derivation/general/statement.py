"""What the proof for all sizes states and covers, and the text ``symconv prove --general`` prints.

Examples:
    >>> covers(2, channelled=True)
    'covers: rank 2; sizes n, K; stride s; dilation d; padding lo, hi (any integers: a negative one crops); remainder r; channels; groups; batch; bias'
"""

from __future__ import annotations

from typing import Sequence

from .theorem import GeneralProof

CONDITIONS = (
    "per axis: integers n, K, s, d, lo, hi, O, r with K, s, d, O >= 1; lo and hi of any sign (negative crops)",
    "O and r are defined by s (O - 1) = n + lo + hi - d (K - 1) - 1 - r with 0 <= r < s",
    "channels: groups g, Cg_in = C_in/g and Cg_out = C_out/g input and output channels per group, batch N, "
    "all >= 1; a channel is written by Euclidean division, c = p Cg_in + j (0 <= j < Cg_in), o = p Cg_out + j",
    "X is 0 outside its shape (the zero extension); indices are 0-based, as in the code",
)

THEOREM = (
    "For every layer allowed by the conditions and every element of each gradient, the chain rule "
    "(SymPy's derivative of the forward pass) equals the closed form the code uses:",
    "  dL/dF[o, c', t] = sum_n corr(pad(X[n, c(o, c')], lo, hi - r), G[n, o], stride=d, dilation=s)[t]",
    "  dL/dX[n, c, i]  = sum_{o in c's group} corr(pad(dilate(G[n, o], s), d (K - 1) - lo, d (K - 1) - hi + r), "
    "rot180(F[o, c - p Cg_in]), stride=1, dilation=d)[i]",
    "  dL/db[o]        = sum_n sum_y G[n, o, y]",
)


def covers(rank: int, channelled: bool) -> str:
    """The one line naming every parameter the theorem holds for symbolically."""
    parts = [f"rank {rank}", "sizes n, K", "stride s", "dilation d",
             "padding lo, hi (any integers: a negative one crops)", "remainder r"]
    if channelled:
        parts += ["channels", "groups", "batch", "bias"]
    return "covers: " + "; ".join(parts)


def not_covered(rank: int, channelled: bool) -> str:
    """What the theorem does not say (``prove --general --rank R`` proves one rank per run)."""
    left = [f"ranks other than {rank} (each rank 1-3 is its own run: --rank)"]
    if not channelled:
        left.append("channels, groups, batch and bias (a closed form is checked for one channel pair and one sample)")
    return "not covered: " + "; ".join(left)


def proof_lines(proofs: Sequence[GeneralProof]) -> list[str]:
    """The text ``symconv prove --general`` prints: theorem, conditions, steps, coverage."""
    layer = proofs[0].layer
    lines = [f"Theorem (rank {layer.rank}, every axis alike).", *THEOREM, "Conditions:"]
    lines += [f"  - {c}" for c in CONDITIONS]
    for proof in proofs:
        lines += steps_lines(proof)
    return lines + [covers(layer.rank, layer.channelled), not_covered(layer.rank, layer.channelled)]


def steps_lines(proof: GeneralProof) -> list[str]:
    """One gradient's steps, each with its mark, result and check, then its verdict."""
    lines = [f"{proof.gradient}:"]
    for number, step in enumerate(proof.steps, 1):
        lines.append(f"  {number}. {step.title} [{step.mark}]")
        lines += [f"     {line}" for line in step.lines]
        lines += [f"     not shown: {f}" for f in step.failures]
        lines.append(f"     {'definition' if step.kind == 'definition' else 'check: ' + step.method}")
    verdict = "proven for all sizes" if proof.holds else f"NOT proven: step '{proof.failed_step.title}' fails"
    return lines + [f"  {proof.gradient}: {verdict}"]
