"""The derivation document's context, typed, section by section (``context.py``), with its
listings (``listings.py``), pictures (``pictures.py``) and the proof for all sizes (``general.py``)."""

from .context import DocumentContext, document_context

__all__ = ["DocumentContext", "document_context"]
