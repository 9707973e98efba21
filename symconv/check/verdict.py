"""``symconv check``: a closed form someone wrote, proven for all sizes, refuted by a confirmed
counterexample, or left undecided, never "proven" when it is wrong.

The form goes through the same proof as the code's own (``derivation.general.prove_form``). If a
step fails, a proof was not found, which does not make the form wrong: the search of
``search.py`` looks for a small layer where it is, and only a counterexample confirmed by the
concrete derivation turns the answer into "refuted".

Examples:
    >>> v = check("dL/dF", "corr(pad(X, lo, hi - r), G, stride=d, dilation=s)")
    >>> v.answer, v.exit_code
    ('proven', 0)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..derivation.general import GeneralProof, covers, not_covered, prove_form, steps_lines, tree_text
from .parse import parse_form
from .search import Counterexample, find

OPTION = {"dL/dX": "--grad-input", "dL/dF": "--grad-filter"}
EXIT = {"proven": 0, "refuted": 1, "undecided": 3}


@dataclass(frozen=True)
class Verdict:
    """The answer, the proof's steps, and the counterexample that refutes the form (if any)."""

    gradient: str
    text: str
    proof: GeneralProof
    counterexample: Counterexample | None

    @property
    def answer(self) -> str:
        if self.proof.holds:
            return "proven"
        return "refuted" if self.counterexample is not None else "undecided"

    @property
    def exit_code(self) -> int:
        return EXIT[self.answer]


def check(gradient: str, text: str, rank: int = 1) -> Verdict:
    """Prove or refute ``text`` as the closed form of ``gradient`` (``dL/dX`` or ``dL/dF``)."""
    form = parse_form(text, OPTION[gradient], rank)
    proof = prove_form(gradient, form, rank)
    found = None if proof.holds else find(gradient, form, rank)
    return Verdict(gradient, tree_text(form), proof, found)


def verdict_lines(v: Verdict) -> list[str]:
    """What ``symconv check`` prints: the form, the steps, the answer and what it rests on."""
    lines = [f"{v.gradient} = {v.text}"] + steps_lines(v.proof)
    layer = v.proof.layer
    if v.answer == "proven":
        return lines + ["proven for all sizes", covers(layer.rank, layer.channelled),
                        not_covered(layer.rank, layer.channelled)]
    step = v.proof.failed_step
    if v.answer == "refuted":
        c = v.counterexample
        index = ", ".join(map(str, c.element))
        return lines + ["refuted", f"counterexample: {c.options}",
                        f"  at {v.gradient}[{index}]: the form gives {c.form_value}, the chain rule {c.chain_value}",
                        f"  (confirmed by symconv derive at that layer; the proof stopped at: {step.title})"]
    return lines + ["undecided", f"  not decided: {step.title}: " + "; ".join(step.failures),
                    "  and no counterexample among the small layers searched (inputs up to 6, filters, strides "
                    "and dilations up to 3, paddings up to 2)"]
