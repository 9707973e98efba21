"""``python -m symconv``: the same as the ``symconv`` command."""

from .cli import main

main(prog_name="symconv")
