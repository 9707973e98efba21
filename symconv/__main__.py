"""``python -m symconv``: the same as the ``symconv`` command."""

from .launch import main

if __name__ == "__main__":
    main(prog_name="symconv")
