"""Renderers write only what was proven: a derivation with a failed identity is refused."""

from __future__ import annotations

from ..derivation import Derivation
from ..errors import ProofError
from . import printing as pr


def require_proof(d: Derivation) -> None:
    """Raise :class:`ProofError` naming the first failed element (1-based) if any identity failed."""
    for part in d.proof.parts:  # dL/dF, dL/dX and, with a bias, dL/db
        if part.failures:
            name = part.gradient.split("/d")[-1]
            first = pr.index_label(part.failures[0])
            raise ProofError(
                f"{part.gradient}: {len(part.failures)} of {part.total} identities failed, "
                f"first at {name}_{{{first}}} (1-based); nothing was written"
            )
