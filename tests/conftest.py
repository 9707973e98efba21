"""Shared fixtures: the repository root and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True, scope="session")
def kernel_cache(tmp_path_factory):
    """Keep kernels loaded by tests out of the user's ~/.cache."""
    import os

    os.environ["SYMCONV_CACHE"] = str(tmp_path_factory.mktemp("kernel-cache"))
