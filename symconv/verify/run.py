"""A kernel module's text executed in a fresh namespace, and its function bodies found by name."""

from __future__ import annotations

from typing import Callable

# The bodies a kernel module defines behind its public functions (``_forward`` and the others);
# a name with a suffix (``_forward_taps``) is another code path of the same computation.
BODIES = ("_forward", "_grad_filter", "_grad_input", "_grad_bias")


def load(text: str, name: str) -> dict[str, object]:
    """The namespace of ``text`` run as a module named ``name`` (not imported: nothing cached)."""
    namespace: dict[str, object] = {"__name__": name}
    exec(compile(text, f"<kernel {name}>", "exec"), namespace)  # symconv's own rendered text
    return namespace


def bodies(namespace: dict[str, object], body: str) -> dict[str, Callable]:
    """Every code path of ``body`` (``_forward``: ``_forward`` and ``_forward_*``), by name."""
    return {name: fn for name, fn in sorted(namespace.items())
            if callable(fn) and (name == body or name.startswith(body + "_"))}
