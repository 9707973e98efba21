"""``symconv check``: parse a closed form (``parse``), prove it for all sizes with the proof the
code's own forms get, or refute it with a small counterexample (``search``) confirmed by the
concrete derivation (``verdict``)."""

from .parse import parse_form
from .search import Counterexample
from .verdict import Verdict, check, verdict_lines

__all__ = ["Counterexample", "Verdict", "check", "parse_form", "verdict_lines"]
