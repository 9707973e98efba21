"""The symconv version; part of every generated file's content hash."""

__version__ = "0.1.0"
