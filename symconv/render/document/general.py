"""The proof for all sizes as a document section: its conditions and every step, text escaped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ...derivation.general import CONDITIONS, GeneralProof
from .. import printing as pr


@dataclass(frozen=True)
class StepText:
    title: str
    math: str
    method: str
    holds: bool


@dataclass(frozen=True)
class GradientSteps:
    gradient: str  # F or X
    holds: bool
    steps: tuple[StepText, ...]


@dataclass(frozen=True)
class GeneralSection:
    rank: int
    conditions: tuple[str, ...]
    proofs: tuple[GradientSteps, ...]


def general_section(proofs: Sequence[GeneralProof]) -> GeneralSection:
    """The steps of ``derivation.general.prove_general`` for the document: text escaped, mathematics as is."""
    return GeneralSection(
        rank=proofs[0].rank,
        conditions=tuple(pr.latex_text(c) for c in CONDITIONS),
        proofs=tuple(GradientSteps(p.gradient.split("/d")[-1], p.holds, tuple(
            StepText(pr.latex_text(s.title), s.result_latex, pr.latex_text(s.method), s.holds) for s in p.steps
        )) for p in proofs),
    )
